ALTER TABLE invitations ADD CONSTRAINT invitations_campaign_id_fkey
    FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE;

DROP VIEW email_outbox;
CREATE TABLE email_outbox (
    id            uuid PRIMARY KEY,
    to_address    text NOT NULL CHECK (to_address ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    text_body     text NOT NULL,
    html_body     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    last_error    text,
    job_id        uuid NOT NULL REFERENCES jobs (id),
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    purpose       text CHECK (purpose IS NULL OR purpose IN
        ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification',
         'action_plan_reminder', 'action_plan_overdue')),
    campaign_id   uuid REFERENCES campaigns (id) ON DELETE CASCADE,
    invitation_id uuid REFERENCES invitations (id) ON DELETE CASCADE,
    contact_id    uuid REFERENCES contacts (id) ON DELETE CASCADE,
    reminder_step integer,
    CONSTRAINT email_outbox_job_key UNIQUE (job_id),
    CONSTRAINT email_outbox_sent_check CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX email_outbox_campaign_idx ON email_outbox (campaign_id, contact_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX email_outbox_invitation_idx ON email_outbox (invitation_id) WHERE invitation_id IS NOT NULL;
INSERT INTO email_outbox (id, to_address, subject, text_body, html_body, created_at, sent_at,
                          last_error, job_id, status, purpose, campaign_id, invitation_id,
                          contact_id, reminder_step)
SELECT j.id, j.to_address, j.subject, j.text_body, j.html_body, j.created_at,
       CASE WHEN j.state = 'done' THEN j.finished_at END, j.last_error, j.id,
       CASE j.state WHEN 'done' THEN 'sent' WHEN 'dead' THEN 'failed' ELSE 'queued' END,
       j.purpose, coalesce(j.campaign_id, i.campaign_id), j.invitation_id, i.contact_id,
       j.reminder_step
  FROM jobs j LEFT JOIN invitations i ON i.id = j.invitation_id
 WHERE j.kind = 'send_email';

DROP INDEX jobs_campaign_idx;
DROP INDEX jobs_invitation_idx;
ALTER TABLE jobs
    DROP CONSTRAINT jobs_message_check,
    DROP COLUMN to_address,
    DROP COLUMN subject,
    DROP COLUMN text_body,
    DROP COLUMN html_body,
    DROP COLUMN purpose,
    DROP COLUMN campaign_id,
    DROP COLUMN invitation_id,
    DROP COLUMN reminder_step;
