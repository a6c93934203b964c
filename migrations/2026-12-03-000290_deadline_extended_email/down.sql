UPDATE jobs SET purpose = 'reminder' WHERE purpose = 'deadline_extended';
ALTER TABLE jobs DROP CONSTRAINT jobs_purpose_check,
    ADD CONSTRAINT jobs_purpose_check CHECK (purpose IS NULL OR purpose IN
        ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification',
         'action_plan_reminder', 'action_plan_overdue', 'clarification_withdrawn', 'handover'));
