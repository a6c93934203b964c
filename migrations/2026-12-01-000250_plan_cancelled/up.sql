-- A corrective action plan can be cancelled (the supplier relationship ended, the plan
-- was written against the wrong finding, the finding turned out false): from planned,
-- in progress or completed, never from verified; final. The plan keeps who cancelled
-- it, when and why. A cancelled plan is not active: a new plan can be written for its
-- flag (action_plans_one_active skips it), and it no longer holds the flag's close.
-- (The due-date index keeps its WHERE: cancelled plans are outside it already.)
ALTER TABLE action_plans DROP CONSTRAINT action_plans_status_check,
    ADD CONSTRAINT action_plans_status_check
        CHECK (status IN ('planned', 'in_progress', 'completed', 'verified', 'cancelled'));

-- A plan cancelled before completion has no completion time.
ALTER TABLE action_plans DROP CONSTRAINT action_plans_check3,
    ADD CONSTRAINT action_plans_completed_check
        CHECK (status IN ('planned', 'in_progress', 'cancelled') OR completed_at IS NOT NULL);

ALTER TABLE action_plans
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN cancelled_by uuid REFERENCES users (id),
    ADD COLUMN cancel_reason text
        CHECK (cancel_reason IS NULL OR length(btrim(cancel_reason)) BETWEEN 1 AND 2000),
    ADD CONSTRAINT action_plans_cancelled_check CHECK (
        (status = 'cancelled') = (cancelled_at IS NOT NULL)
        AND (cancelled_at IS NULL) = (cancelled_by IS NULL)
        AND (cancelled_at IS NULL) = (cancel_reason IS NULL));

DROP INDEX action_plans_one_active;
CREATE UNIQUE INDEX action_plans_one_active ON action_plans (flag_id)
    WHERE status NOT IN ('verified', 'cancelled');
