-- Corrective action plans on a flag (issue 10, part 2): root cause, actions, one owner
-- (a supplier contact or a staff member), start and due dates, status, evidence of
-- completion, and the remedy for workers as numbers, never names.
CREATE TABLE action_plans (
    id                     uuid PRIMARY KEY,
    flag_id                uuid NOT NULL REFERENCES flags (id) ON DELETE CASCADE,
    root_cause             text NOT NULL CHECK (length(btrim(root_cause)) BETWEEN 1 AND 4000),
    actions                text NOT NULL CHECK (length(btrim(actions)) BETWEEN 1 AND 10000),
    owner_contact_id       uuid REFERENCES contacts (id),
    owner_user_id          uuid REFERENCES users (id),
    start_date             date NOT NULL,
    due_date               date NOT NULL,
    status                 text NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'in_progress', 'completed', 'verified')),
    created_by             uuid NOT NULL REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    completed_at           timestamptz,
    verified_at            timestamptz,
    verified_by            uuid REFERENCES users (id),
    CHECK ((owner_contact_id IS NULL) <> (owner_user_id IS NULL)),
    CHECK (due_date >= start_date),
    CHECK ((status = 'verified') = (verified_at IS NOT NULL AND verified_by IS NOT NULL)),
    CHECK (status IN ('planned', 'in_progress') OR completed_at IS NOT NULL)
);
-- One plan per flag that is not yet verified.
CREATE UNIQUE INDEX action_plans_one_active ON action_plans (flag_id) WHERE status <> 'verified';
-- The reminder pass: plans not completed, by due date.
CREATE INDEX action_plans_due_idx ON action_plans (due_date) WHERE status IN ('planned', 'in_progress');

-- The remedy for workers on a plan: counts, amounts and dates only, never names.
CREATE TABLE action_plan_remedies (
    plan_id                uuid PRIMARY KEY REFERENCES action_plans (id) ON DELETE CASCADE,
    workers_affected       integer CHECK (workers_affected >= 0),
    -- Recruitment fees repaid, in hundredths of the currency unit, and the ISO 4217 code.
    fees_repaid_hundredths bigint CHECK (fees_repaid_hundredths >= 0),
    fees_currency          text CHECK (fees_currency ~ '^[A-Z]{3}$'),
    workers_repaid         integer CHECK (workers_repaid >= 0),
    fees_repaid_on         date,
    documents_returned     integer CHECK (documents_returned >= 0),
    documents_returned_on  date,
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK ((fees_repaid_hundredths IS NULL) = (fees_currency IS NULL))
);

-- Evidence of completion: stored as evidence files of the flag's response (the same
-- storage, limits and download checks as a respondent's evidence).
CREATE TABLE action_plan_evidence (
    plan_id          uuid NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    evidence_file_id uuid NOT NULL REFERENCES evidence_files (id) ON DELETE CASCADE,
    uploaded_by      uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (plan_id, evidence_file_id)
);

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('send_email', 'password_reset', 'campaign_schedule', 'action_plan_schedule'));
