-- Campaigns that procurement runs from the staff pages (issue 8): a draft is launched,
-- then closed; it has an owner (the Reply-To of its emails and the person told about
-- overdue organisations), an optional message shown in the email and on the form, a
-- reminder schedule, and a grace period after closing before unused links expire.
-- Status 'open' keeps its meaning: launched and not closed.
ALTER TABLE campaigns
    ADD COLUMN owner_user_id uuid REFERENCES users (id),
    ADD COLUMN message text CHECK (message IS NULL OR length(message) <= 4000),
    -- Days before the deadline on which a reminder goes to contacts who have not submitted.
    ADD COLUMN reminder_days_before integer[] NOT NULL DEFAULT '{14,7,2}'
        CHECK (cardinality(reminder_days_before) <= 10 AND 0 < ALL (reminder_days_before)
               AND 366 > ALL (reminder_days_before)),
    -- Weekly reminders after the deadline, at most this many.
    ADD COLUMN reminder_weekly_after integer NOT NULL DEFAULT 4
        CHECK (reminder_weekly_after BETWEEN 0 AND 52),
    ADD COLUMN link_grace_days integer NOT NULL DEFAULT 14
        CHECK (link_grace_days BETWEEN 0 AND 365),
    -- How the audience was chosen (organisations picked, or a filter), for the record.
    ADD COLUMN audience jsonb,
    ADD COLUMN launched_at timestamptz,
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Campaigns made before this migration were issued at once: they count as launched.
UPDATE campaigns SET launched_at = created_at WHERE status = 'open';

-- What each email is about, so the campaign page can show delivery per contact and the
-- scheduler can tell which reminder step went to whom. Links are never stored here:
-- an email that carries a personal link is rendered when it is sent.
ALTER TABLE email_outbox
    ADD COLUMN purpose text CHECK (purpose IS NULL OR purpose IN
        ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification')),
    ADD COLUMN campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE,
    ADD COLUMN invitation_id uuid REFERENCES invitations (id) ON DELETE CASCADE,
    ADD COLUMN contact_id uuid REFERENCES contacts (id) ON DELETE CASCADE,
    ADD COLUMN reminder_step integer;
CREATE INDEX email_outbox_campaign_idx ON email_outbox (campaign_id, contact_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX email_outbox_invitation_idx ON email_outbox (invitation_id) WHERE invitation_id IS NOT NULL;

-- When a link was first opened (progress: invited → opened → in progress → submitted).
ALTER TABLE invitations ADD COLUMN first_opened_at timestamptz;
