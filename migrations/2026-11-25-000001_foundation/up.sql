-- Foundation schema: organisations and contacts, immutable questionnaire versions,
-- campaigns pinned to one version, hashed invitation links, responses with answers and
-- evidence, flags raised by the risk rules, and an append-only, hash-chained audit log.

CREATE TABLE organisations (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('production_base', 'supplier')),
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    country      char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    sector       text CHECK (sector IS NULL OR length(sector) BETWEEN 1 AND 100),
    external_ref text CHECK (external_ref IS NULL OR length(external_ref) BETWEEN 1 AND 100),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_external_ref_key ON organisations (external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX organisations_country_idx ON organisations (country, kind);
CREATE INDEX organisations_name_idx ON organisations (lower(name));

CREATE TABLE contacts (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    email           text NOT NULL CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    language        text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ja', 'vi', 'zh')),
    job_title       text CHECK (job_title IS NULL OR length(job_title) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, organisation_id)
);
CREATE UNIQUE INDEX contacts_organisation_email_key ON contacts (organisation_id, lower(email));

CREATE TABLE questionnaire_templates (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{1,64}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE template_versions (
    id             uuid PRIMARY KEY,
    template_id    text NOT NULL REFERENCES questionnaire_templates (id),
    version        integer NOT NULL CHECK (version > 0),
    title          text NOT NULL,
    languages      text[] NOT NULL CHECK (cardinality(languages) > 0),
    source         text NOT NULL,
    content_sha256 char(64) NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (template_id, version)
);

-- A stored version never changes: campaigns and flags refer to it for good.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER template_versions_immutable BEFORE UPDATE OR DELETE ON template_versions
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

CREATE TABLE campaigns (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    template_version_id uuid NOT NULL REFERENCES template_versions (id),
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('draft', 'open', 'closed')),
    deadline            date NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_status_deadline_idx ON campaigns (status, deadline);

CREATE TABLE responses (
    id                      uuid PRIMARY KEY,
    campaign_id             uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    organisation_id         uuid NOT NULL REFERENCES organisations (id),
    status                  text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    language                text CHECK (language IN ('en', 'ja', 'vi', 'zh')),
    answers_sha256          char(64),
    submitted_at            timestamptz,
    submitted_by_contact_id uuid REFERENCES contacts (id),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, organisation_id),
    UNIQUE (id, campaign_id, organisation_id),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL AND answers_sha256 IS NOT NULL))
);
CREATE INDEX responses_campaign_status_idx ON responses (campaign_id, status);

CREATE TABLE invitations (
    id              uuid PRIMARY KEY,
    campaign_id     uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    organisation_id uuid NOT NULL,
    contact_id      uuid NOT NULL,
    response_id     uuid NOT NULL,
    -- Only the SHA-256 of the link token is stored; the token itself is shown once.
    token_sha256    char(64) NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    language        text NOT NULL CHECK (language IN ('en', 'ja', 'vi', 'zh')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    last_used_at    timestamptz,
    CHECK (expires_at > created_at),
    -- The contact belongs to the organisation, and the response is that organisation's
    -- response in this campaign: a link can never reach another supplier's answers.
    FOREIGN KEY (contact_id, organisation_id) REFERENCES contacts (id, organisation_id) ON DELETE CASCADE,
    FOREIGN KEY (response_id, campaign_id, organisation_id) REFERENCES responses (id, campaign_id, organisation_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX invitations_one_active_per_contact ON invitations (campaign_id, contact_id) WHERE revoked_at IS NULL;
CREATE INDEX invitations_response_idx ON invitations (response_id);

CREATE TABLE answers (
    response_id            uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id            text NOT NULL CHECK (question_id ~ '^[a-z][a-z0-9_]{0,63}$'),
    value                  jsonb NOT NULL,
    answered_by_contact_id uuid REFERENCES contacts (id),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (response_id, question_id)
);

CREATE TABLE evidence_files (
    id                     uuid PRIMARY KEY,
    response_id            uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id            text NOT NULL,
    file_name              text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type           text NOT NULL,
    size_bytes             integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    sha256                 char(64) NOT NULL,
    content                bytea NOT NULL,
    uploaded_by_contact_id uuid REFERENCES contacts (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (octet_length(content) = size_bytes)
);
CREATE INDEX evidence_files_response_idx ON evidence_files (response_id, question_id);

CREATE TABLE flags (
    id           uuid PRIMARY KEY,
    response_id  uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id  text NOT NULL,
    rule_index   integer NOT NULL CHECK (rule_index >= 0),
    indicator    text NOT NULL CHECK (indicator IN (
        'abuse_of_vulnerability', 'deception', 'restriction_of_movement', 'isolation',
        'physical_and_sexual_violence', 'intimidation_and_threats',
        'retention_of_identity_documents', 'withholding_of_wages', 'debt_bondage',
        'abusive_working_and_living_conditions', 'excessive_overtime',
        'freedom_to_resign', 'responsible_recruitment', 'grievance_and_remedy')),
    severity     smallint NOT NULL CHECK (severity BETWEEN 1 AND 5),
    likelihood   smallint NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    score        smallint NOT NULL CHECK (score = severity * likelihood),
    band         text NOT NULL CHECK (band IN ('low', 'medium', 'high', 'critical')),
    critical     boolean NOT NULL,
    answer       jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN (
        'open', 'in_review', 'clarification_requested', 'accepted_risk',
        'corrective_action_required', 'action_in_progress', 'closed', 'escalated')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (response_id, question_id, rule_index),
    CHECK (NOT critical OR band = 'critical')
);
-- The committee's queue: open flags, worst first.
CREATE INDEX flags_queue_idx ON flags (status, band, created_at);
CREATE INDEX flags_response_idx ON flags (response_id);

-- Append-only: each row carries the SHA-256 of the previous row's hash and its own
-- content, so a changed or removed row breaks the chain.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor_kind   text NOT NULL CHECK (actor_kind IN ('staff', 'contact', 'api', 'system')),
    actor_id     text,
    action       text NOT NULL CHECK (action ~ '^[a-z_.]{1,64}$'),
    subject_type text NOT NULL,
    subject_id   text NOT NULL,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    prev_hash    char(64),
    hash         char(64) NOT NULL UNIQUE
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
