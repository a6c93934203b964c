-- The audit page's filters at a platform's size (benches/audit_log.rs, 1,000,000
-- entries): without an index, a filter that matches few entries read the log
-- backwards until it had a page (150-280 ms). By action prefix (LIKE 'flag.%', which text_pattern_ops turns into a range).
-- Built CONCURRENTLY (outside a transaction: metadata.toml), so that appends to a
-- large log do not wait for the build; one statement a migration, as CONCURRENTLY
-- requires.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_action_idx ON audit_log (action text_pattern_ops, occurred_at, id);
