DROP INDEX jobs_due_idx;
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state = 'pending';
ALTER TABLE jobs DROP COLUMN bulk;
