-- Background work as jobs: one table for everything that runs later (emails now;
-- reminders, escalations and re-assessments later). A worker claims due jobs with
-- FOR UPDATE SKIP LOCKED, marks them running with a lease, does the work with no row
-- lock held, then marks them done, pending again (retry with backoff) or dead.
CREATE TABLE jobs (
    id           uuid PRIMARY KEY,
    -- Open list: add a kind here and in jobs::Kind together.
    kind         text NOT NULL CHECK (kind IN ('send_email', 'password_reset')),
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
    run_at       timestamptz NOT NULL DEFAULT now(),
    -- At most one job per key, ever: a job that already ran with the same key is not
    -- queued again (enqueue uses ON CONFLICT DO NOTHING).
    dedup_key    text UNIQUE CHECK (dedup_key IS NULL OR length(dedup_key) BETWEEN 1 AND 300),
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'dead')),
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 100),
    lease_until  timestamptz,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    -- A running job always has a lease; a finished one has a finish time.
    CHECK ((state = 'running') = (lease_until IS NOT NULL)),
    CHECK ((state IN ('done', 'dead')) = (finished_at IS NOT NULL))
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state = 'pending';
CREATE INDEX jobs_lease_idx ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_dead_idx ON jobs (finished_at DESC) WHERE state = 'dead';

-- The message stays in email_outbox, with its delivery status and the server's last
-- answer (shown next to a contact later); retry bookkeeping moves to its job.
ALTER TABLE email_outbox
    ADD COLUMN job_id uuid REFERENCES jobs (id),
    ADD COLUMN status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed'));

-- Each queued message gets its job; the job reuses the message's id.
INSERT INTO jobs (id, kind, payload, run_at, state, attempts, max_attempts, last_error, created_at, finished_at)
SELECT id, 'send_email', '{}'::jsonb, next_attempt_at,
       CASE WHEN sent_at IS NULL THEN 'pending' ELSE 'done' END,
       attempts, greatest(8, attempts + 1), last_error, created_at, sent_at
  FROM email_outbox;
UPDATE email_outbox SET job_id = id;
UPDATE email_outbox SET status = 'sent' WHERE sent_at IS NOT NULL;

DROP INDEX email_outbox_pending_idx;
ALTER TABLE email_outbox
    ALTER COLUMN job_id SET NOT NULL,
    ADD CONSTRAINT email_outbox_job_key UNIQUE (job_id),
    ADD CONSTRAINT email_outbox_sent_check CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    DROP COLUMN attempts,
    DROP COLUMN next_attempt_at;

-- Password-reset requests become jobs (same work whatever the address: one job row).
INSERT INTO jobs (id, kind, payload, run_at, created_at)
SELECT gen_random_uuid(), 'password_reset', jsonb_build_object('email', email), requested_at, requested_at
  FROM password_reset_requests WHERE processed_at IS NULL;
DROP TABLE password_reset_requests;
