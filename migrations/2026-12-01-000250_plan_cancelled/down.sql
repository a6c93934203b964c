-- The schema before cancellation cannot hold a cancelled plan (and would count it as
-- the flag's active plan): cancelled plans are removed with their remedy facts and
-- evidence links (the evidence files stay with their response).
DELETE FROM action_plans WHERE status = 'cancelled';

DROP INDEX action_plans_one_active;
CREATE UNIQUE INDEX action_plans_one_active ON action_plans (flag_id) WHERE status <> 'verified';

ALTER TABLE action_plans
    DROP CONSTRAINT action_plans_cancelled_check,
    DROP COLUMN cancel_reason,
    DROP COLUMN cancelled_by,
    DROP COLUMN cancelled_at;

ALTER TABLE action_plans DROP CONSTRAINT action_plans_completed_check,
    ADD CONSTRAINT action_plans_check3
        CHECK (status IN ('planned', 'in_progress') OR completed_at IS NOT NULL);

ALTER TABLE action_plans DROP CONSTRAINT action_plans_status_check,
    ADD CONSTRAINT action_plans_status_check
        CHECK (status IN ('planned', 'in_progress', 'completed', 'verified'));
