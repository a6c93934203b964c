-- The audit page's filters at a platform's size (benches/audit_log.rs, 1,000,000
-- entries). Without these, a filter that matches few entries reads the log backwards
-- until it has a page: a member with 20 entries took 200-240 ms, a rare action
-- 250-280 ms, one day half a year back 140-180 ms. The page lists newest first by
-- time (then id), so each index ends with (occurred_at, id).
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at, id);
-- By actor: one actor's entries, newest first.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at, id);
-- By action prefix (`LIKE 'flag.%'`, which text_pattern_ops turns into a range).
CREATE INDEX audit_log_action_idx ON audit_log (action text_pattern_ops, occurred_at, id);
