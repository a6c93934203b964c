-- Clarification round trip (issue 10, part 2): the committee asks the supplier about
-- one or more flagged answers of a submitted response; the link's form reopens only
-- those questions. The reply is kept next to the original answer (the `answers` row is
-- never overwritten), and the response is re-scored with its pinned questionnaire
-- version: the scores before and after are kept as numbers.
CREATE TABLE clarification_requests (
    id                     uuid PRIMARY KEY,
    response_id            uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    -- The link the email carries (the contact who submitted, or the one asked).
    invitation_id          uuid NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    requested_by           uuid NOT NULL REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    answered_at            timestamptz,
    answered_by_contact_id uuid REFERENCES contacts (id),
    -- The response's highest flag score and number of flags raised by its answers,
    -- before the reply and after re-scoring with it (0 when nothing is raised).
    score_before           smallint NOT NULL CHECK (score_before BETWEEN 0 AND 25),
    flags_before           integer NOT NULL CHECK (flags_before >= 0),
    score_after            smallint CHECK (score_after BETWEEN 0 AND 25),
    flags_after            integer CHECK (flags_after >= 0),
    CHECK ((answered_at IS NULL) = (score_after IS NULL)),
    CHECK ((answered_at IS NULL) = (flags_after IS NULL))
);
-- One open request per response at a time: the form reopens one set of questions.
CREATE UNIQUE INDEX clarification_requests_one_open ON clarification_requests (response_id)
    WHERE answered_at IS NULL;
CREATE INDEX clarification_requests_response_idx ON clarification_requests (response_id, created_at);

CREATE TABLE clarification_items (
    request_id      uuid NOT NULL REFERENCES clarification_requests (id) ON DELETE CASCADE,
    question_id     text NOT NULL CHECK (question_id ~ '^[a-z][a-z0-9_]{0,63}$'),
    -- The open flags on this answer when it was reopened (at least one: an answer
    -- without a flag cannot be reopened).
    flag_ids        uuid[] NOT NULL CHECK (cardinality(flag_ids) >= 1),
    -- The committee's question, shown beside the reopened answer.
    question        text NOT NULL CHECK (length(btrim(question)) BETWEEN 1 AND 2000),
    -- The answer as it was when the question was asked (NULL: unanswered) and the
    -- reply; the `answers` row itself is never changed.
    original_answer jsonb,
    reply_answer    jsonb,
    reply_note      text CHECK (reply_note IS NULL OR length(reply_note) <= 10000),
    -- The highest score of this answer's rules before and after the reply.
    score_before    smallint NOT NULL CHECK (score_before BETWEEN 0 AND 25),
    score_after     smallint CHECK (score_after BETWEEN 0 AND 25),
    PRIMARY KEY (request_id, question_id)
);
CREATE INDEX clarification_items_flags_idx ON clarification_items USING gin (flag_ids);

ALTER TABLE email_outbox DROP CONSTRAINT IF EXISTS email_outbox_purpose_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_purpose_check CHECK (purpose IS NULL OR purpose IN
    ('password_reset', 'invitation', 'reminder', 'escalation', 'receipt', 'clarification',
     'action_plan_reminder', 'action_plan_overdue'));
