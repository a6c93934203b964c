-- The hand-over email names who handed the questionnaire over (services::respondent):
-- a link made by a hand-over records the contact it came from, read when the email
-- is sent, and the email has a purpose of its own.
ALTER TABLE invitations ADD COLUMN handed_over_by uuid REFERENCES contacts (id);

ALTER TABLE jobs DROP CONSTRAINT jobs_purpose_check,
    ADD CONSTRAINT jobs_purpose_check CHECK (purpose IS NULL OR purpose IN
        ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification',
         'action_plan_reminder', 'action_plan_overdue', 'clarification_withdrawn', 'handover'));
