DELETE FROM email_outbox WHERE purpose IN ('action_plan_reminder', 'action_plan_overdue');
ALTER TABLE email_outbox DROP CONSTRAINT IF EXISTS email_outbox_purpose_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_purpose_check CHECK (purpose IS NULL OR purpose IN
    ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification'));
DROP TABLE clarification_items;
DROP TABLE clarification_requests;
