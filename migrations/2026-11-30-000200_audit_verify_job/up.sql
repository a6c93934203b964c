-- The daily full verification of the audit log (jobs::audit_verify): a job kind.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('send_email', 'password_reset', 'campaign_schedule',
                    'action_plan_schedule', 'audit_verify'));
