-- The respondent side of an organisation's timeline (issue 8, progress): every recorded
-- open of a link (at most one per link every 5 minutes, as `last_used_at` is written)
-- and every save of its response. Emails, links issued and revoked, and the submission
-- are already on their own rows.
CREATE TABLE response_events (
    id            bigserial PRIMARY KEY,
    response_id   uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    invitation_id uuid REFERENCES invitations (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('opened', 'saved')),
    at            timestamptz NOT NULL DEFAULT now(),
    -- For a save: how many answers the response holds afterwards.
    answers       integer CHECK (answers IS NULL OR answers >= 0)
);
CREATE INDEX response_events_response_idx ON response_events (response_id, at);
