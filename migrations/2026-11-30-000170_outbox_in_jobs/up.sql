-- One row per email (issue 8, launch and delivery): the `send_email` job *is* the
-- outbox entry. Until now every email was two rows, a job (schedule, attempts, lease)
-- and an `email_outbox` row (the message, what it is about, its status), written
-- together at queue time and both updated when it was sent. Now the message and what
-- it is about are columns of its job, and the delivery status is the job's state:
-- pending or running = queued, done = sent (at `finished_at`), dead = failed (with the
-- server's answer in `last_error`). A launch to 20,000 contacts writes 20,000 rows
-- fewer, and a delivery one row version fewer per message.
--
-- A campaign email names its invitation only: its campaign and contact are the
-- invitation's (`campaign_id` is set for an email without an invitation, the
-- escalation to the campaign's owner). `email_outbox` stays as a view with the old
-- columns, for readers (tests, operators).
ALTER TABLE jobs
    ADD COLUMN to_address    text CHECK (to_address ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    ADD COLUMN subject       text CHECK (length(subject) BETWEEN 1 AND 300),
    ADD COLUMN text_body     text,
    ADD COLUMN html_body     text,
    ADD COLUMN purpose       text CHECK (purpose IS NULL OR purpose IN
        ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification',
         'action_plan_reminder', 'action_plan_overdue')),
    ADD COLUMN campaign_id   uuid REFERENCES campaigns (id) ON DELETE CASCADE,
    ADD COLUMN invitation_id uuid REFERENCES invitations (id) ON DELETE CASCADE,
    ADD COLUMN reminder_step integer;

-- Move the messages onto their jobs.
UPDATE jobs j
   SET to_address = e.to_address, subject = e.subject, text_body = e.text_body,
       html_body = e.html_body, purpose = e.purpose,
       campaign_id = CASE WHEN e.invitation_id IS NULL THEN e.campaign_id END,
       invitation_id = e.invitation_id, reminder_step = e.reminder_step,
       -- a message recorded as sent is a done job (they were written together)
       state = CASE WHEN e.status = 'sent' THEN 'done' ELSE j.state END,
       finished_at = CASE WHEN e.status = 'sent' THEN coalesce(j.finished_at, e.sent_at) ELSE j.finished_at END,
       lease_until = CASE WHEN e.status = 'sent' THEN NULL ELSE j.lease_until END,
       last_error = coalesce(j.last_error, e.last_error)
  FROM email_outbox e
 WHERE e.job_id = j.id;
-- A send_email job without a message (none is ever written so) could never be sent.
DELETE FROM jobs WHERE kind = 'send_email' AND to_address IS NULL;
DROP TABLE email_outbox;

-- Every email job has its message; other jobs have none.
ALTER TABLE jobs ADD CONSTRAINT jobs_message_check CHECK (
    (kind = 'send_email') = (to_address IS NOT NULL AND subject IS NOT NULL AND text_body IS NOT NULL));
-- The campaign page (latest email per contact, bounced), the timeline: an invitation's
-- emails. Nothing else looks emails up by campaign: the escalation's is one row per
-- campaign found by its deduplication key.
CREATE INDEX jobs_invitation_idx ON jobs (invitation_id) WHERE invitation_id IS NOT NULL;
CREATE INDEX jobs_campaign_idx ON jobs (campaign_id) WHERE campaign_id IS NOT NULL;

-- The old outbox, read-only, for readers of the message rows.
CREATE VIEW email_outbox AS
SELECT j.id, j.id AS job_id, j.to_address, j.subject, j.text_body, j.html_body, j.created_at,
       CASE WHEN j.state = 'done' THEN j.finished_at END AS sent_at,
       j.last_error,
       CASE j.state WHEN 'done' THEN 'sent' WHEN 'dead' THEN 'failed' ELSE 'queued' END AS status,
       j.purpose, coalesce(j.campaign_id, i.campaign_id) AS campaign_id, j.invitation_id,
       i.contact_id, j.reminder_step
  FROM jobs j LEFT JOIN invitations i ON i.id = j.invitation_id
 WHERE j.kind = 'send_email';

-- Redundant: an invitation's (response, campaign, organisation) must be its response's,
-- and the response's campaign exists (responses_campaign_id_fkey), so this check ran
-- 20,000 times per launch for nothing. Deleting a campaign still removes its links
-- (through its responses).
ALTER TABLE invitations DROP CONSTRAINT invitations_campaign_id_fkey;
