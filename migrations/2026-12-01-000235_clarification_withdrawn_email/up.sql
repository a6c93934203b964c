-- The supplier is told by email when the committee withdraws its question
-- (services::clarification_withdraw): a campaign email of its own purpose, rendered at
-- send time from the invitation like the request it takes back, with no link.
ALTER TABLE jobs DROP CONSTRAINT jobs_purpose_check,
    ADD CONSTRAINT jobs_purpose_check CHECK (purpose IS NULL OR purpose IN
        ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification',
         'action_plan_reminder', 'action_plan_overdue', 'clarification_withdrawn'));
