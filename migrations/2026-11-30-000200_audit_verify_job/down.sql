DELETE FROM jobs WHERE kind = 'audit_verify';
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('send_email', 'password_reset', 'campaign_schedule', 'action_plan_schedule'));
