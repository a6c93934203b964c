-- A response's revision: every save and the submission add one. A draft save reads
-- the response with its answers in one statement, without a lock, and writes only if
-- the revision is still the one it read (services::link_requests); otherwise it reads
-- again. The row lock of the read is gone from the common save.
ALTER TABLE responses ADD COLUMN revision bigint NOT NULL DEFAULT 0;
