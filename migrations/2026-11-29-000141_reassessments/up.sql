-- Re-assessments (issue 10, item 6): a questionnaire version's rules (usually a newer
-- one) applied to a campaign's stored answers. Recorded apart, never touching the
-- original flags.
CREATE TABLE reassessments (
    id                   uuid PRIMARY KEY,
    campaign_id          uuid NOT NULL REFERENCES campaigns (id),
    template_version_id  uuid NOT NULL REFERENCES template_versions (id),
    inherent_version_id  uuid REFERENCES inherent_risk_versions (id),
    created_by           uuid REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    response_count       integer NOT NULL CHECK (response_count >= 0),
    flag_count           integer NOT NULL CHECK (flag_count >= 0)
);
CREATE INDEX reassessments_campaign_idx ON reassessments (campaign_id, created_at DESC);

CREATE TABLE reassessment_flags (
    reassessment_id   uuid NOT NULL REFERENCES reassessments (id) ON DELETE CASCADE,
    response_id       uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id       text NOT NULL,
    rule_index        integer NOT NULL,
    indicator         text NOT NULL,
    severity          smallint NOT NULL CHECK (severity BETWEEN 1 AND 5),
    likelihood        smallint NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    score             smallint NOT NULL CHECK (score BETWEEN 1 AND 25),
    band              text NOT NULL CHECK (band IN ('low', 'medium', 'high', 'critical')),
    critical          boolean NOT NULL,
    answer            jsonb NOT NULL,
    PRIMARY KEY (reassessment_id, response_id, question_id, rule_index)
);
