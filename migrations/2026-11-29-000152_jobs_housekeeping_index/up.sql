-- Forgetting handled jobs (done, without a deduplication key) reads this index instead
-- of the whole jobs table, which grows by one row per email ever sent.
CREATE INDEX jobs_forget_idx ON jobs (kind, finished_at) WHERE state = 'done' AND dedup_key IS NULL;
