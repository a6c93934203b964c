-- The committee's work on a flag (issue 10): who has it, why it was decided, a version
-- that detects two members deciding from the same page, the pending first signature of
-- a four-eyes close, and where the flag comes from (copied from its response by a
-- trigger, so that the queue filters and pages by index without joining).
ALTER TABLE flags
    ADD COLUMN assignee_id      uuid REFERENCES users (id),
    ADD COLUMN decision_reason  text CHECK (decision_reason IS NULL OR length(decision_reason) BETWEEN 1 AND 4000),
    ADD COLUMN version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN close_signed_by  uuid REFERENCES users (id),
    ADD COLUMN close_signed_at  timestamptz,
    ADD COLUMN campaign_id      uuid REFERENCES campaigns (id),
    ADD COLUMN organisation_id  uuid REFERENCES organisations (id),
    -- Worst first: critical before high before medium before low, then the higher score.
    ADD COLUMN queue_rank       smallint GENERATED ALWAYS AS (
        (CASE band WHEN 'critical' THEN 0 WHEN 'high' THEN 100 WHEN 'medium' THEN 200 ELSE 300 END) - score
    ) STORED,
    ADD CONSTRAINT flags_signature_pair CHECK ((close_signed_by IS NULL) = (close_signed_at IS NULL));

UPDATE flags f SET campaign_id = r.campaign_id, organisation_id = r.organisation_id
    FROM responses r WHERE r.id = f.response_id;
ALTER TABLE flags ALTER COLUMN campaign_id SET NOT NULL,
                  ALTER COLUMN organisation_id SET NOT NULL;

CREATE FUNCTION flags_fill_origin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.campaign_id, r.organisation_id INTO NEW.campaign_id, NEW.organisation_id
        FROM responses r WHERE r.id = NEW.response_id;
    RETURN NEW;
END $$;
CREATE TRIGGER flags_fill_origin BEFORE INSERT ON flags
    FOR EACH ROW EXECUTE FUNCTION flags_fill_origin();

-- The queue: worst first, oldest first within a rank, the id to break ties (keyset).
DROP INDEX flags_queue_idx;
CREATE INDEX flags_queue_idx ON flags (queue_rank, created_at, id);
CREATE INDEX flags_open_queue_idx ON flags (queue_rank, created_at, id) WHERE status <> 'closed';
CREATE INDEX flags_campaign_idx ON flags (campaign_id, queue_rank, created_at, id);
CREATE INDEX flags_organisation_idx ON flags (organisation_id);
CREATE INDEX flags_assignee_idx ON flags (assignee_id, queue_rank, created_at, id) WHERE assignee_id IS NOT NULL;

-- Discussion on a flag. Not a decision: a comment does not change the flag's version.
CREATE TABLE flag_comments (
    id         uuid PRIMARY KEY,
    flag_id    uuid NOT NULL REFERENCES flags (id) ON DELETE CASCADE,
    author_id  uuid NOT NULL REFERENCES users (id),
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flag_comments_flag_idx ON flag_comments (flag_id, created_at);

-- Every decision on a flag, in order: transitions, assignments, the signatures of a
-- four-eyes close and dissents. Never updated or deleted; the audit log has the same
-- entries in its chain.
CREATE TABLE flag_decisions (
    id           uuid PRIMARY KEY,
    flag_id      uuid NOT NULL REFERENCES flags (id) ON DELETE CASCADE,
    -- The staff member; NULL when the supplier (through their link) or the platform acted.
    member_id    uuid REFERENCES users (id),
    actor_kind   text NOT NULL CHECK (actor_kind IN ('staff', 'contact', 'system')),
    action       text NOT NULL CHECK (action IN (
        'assign', 'request_clarification', 'clarification_answered', 'accept_risk',
        'require_action', 'start_action', 'escalate', 'sign_close', 'close', 'dissent')),
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    assignee_id  uuid REFERENCES users (id),
    reason       text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 4000),
    -- The flag's version this decision produced.
    flag_version integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((actor_kind = 'staff') = (member_id IS NOT NULL)),
    UNIQUE (flag_id, flag_version)
);
CREATE INDEX flag_decisions_flag_idx ON flag_decisions (flag_id, flag_version);
