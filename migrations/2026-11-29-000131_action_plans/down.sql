DELETE FROM jobs WHERE kind = 'action_plan_schedule';
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('send_email', 'password_reset', 'campaign_schedule'));
DROP TABLE action_plan_evidence;
DROP TABLE action_plan_remedies;
DROP TABLE action_plans;
