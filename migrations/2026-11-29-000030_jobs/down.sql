CREATE TABLE password_reset_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        text NOT NULL CHECK (length(email) <= 254),
    requested_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX password_reset_requests_pending_idx ON password_reset_requests (id)
    WHERE processed_at IS NULL;
INSERT INTO password_reset_requests (email, requested_at)
SELECT payload->>'email', created_at FROM jobs
 WHERE kind = 'password_reset' AND state IN ('pending', 'running');
ALTER TABLE email_outbox
    ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
UPDATE email_outbox e SET attempts = j.attempts, next_attempt_at = j.run_at
  FROM jobs j WHERE j.id = e.job_id;
ALTER TABLE email_outbox
    DROP CONSTRAINT email_outbox_sent_check,
    DROP COLUMN status,
    DROP COLUMN job_id;
CREATE INDEX email_outbox_pending_idx ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;
DROP TABLE jobs;
