-- The respondent form in sections (issue 9).
--
-- The declaration signed with a submission lives on the response: who signed (name and
-- job title, as typed) and when. `declared_at` is set by the server at the moment of the
-- valid submit, so it equals `submitted_at` for responses submitted through the form.
ALTER TABLE responses
    ADD COLUMN signatory_name  text CHECK (length(signatory_name) BETWEEN 1 AND 200),
    ADD COLUMN signatory_title text CHECK (length(signatory_title) BETWEEN 1 AND 200),
    ADD COLUMN declared_at     timestamptz,
    ADD CONSTRAINT responses_declaration_complete CHECK (
        (signatory_name IS NULL AND signatory_title IS NULL AND declared_at IS NULL)
        OR (signatory_name IS NOT NULL AND signatory_title IS NOT NULL AND declared_at IS NOT NULL));

-- Optimistic concurrency per question: each change of an answer's value adds one, and
-- the page carries the version it was loaded with.
ALTER TABLE answers ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);

-- The language a respondent picked on the start page, remembered per link.
ALTER TABLE invitations ADD COLUMN chosen_language text
    CHECK (chosen_language IN ('en', 'ja', 'vi', 'zh'));
