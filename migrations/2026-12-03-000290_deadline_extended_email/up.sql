-- Extending a launched campaign's deadline can tell the contacts of organisations that
-- have not submitted (services::campaign_lifecycle::change_deadline): an email of its own.
ALTER TABLE jobs DROP CONSTRAINT jobs_purpose_check,
    ADD CONSTRAINT jobs_purpose_check CHECK (purpose IS NULL OR purpose IN
        ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification',
         'action_plan_reminder', 'action_plan_overdue', 'clarification_withdrawn', 'handover',
         'deadline_extended'));
