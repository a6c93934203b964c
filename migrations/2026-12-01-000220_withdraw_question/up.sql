-- "Withdraw the question": a member takes back a clarification the supplier never
-- answered (they ignore it, the campaign closed, the link expired), so that the flags
-- waiting for it return to review without the history saying the supplier answered
-- (services::clarification_withdraw). The request keeps who withdrew it, when and why;
-- a withdrawn request no longer waits (the one-open index skips it) and its link no
-- longer takes a reply.
ALTER TABLE flag_decisions DROP CONSTRAINT flag_decisions_action_check,
    ADD CONSTRAINT flag_decisions_action_check CHECK (action IN (
        'assign', 'request_clarification', 'clarification_answered', 'accept_risk',
        'require_action', 'start_action', 'escalate', 'sign_close', 'close', 'dissent',
        'withdraw_question'));

ALTER TABLE clarification_requests
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_by uuid REFERENCES users (id),
    ADD COLUMN withdrawn_reason text
        CHECK (withdrawn_reason IS NULL OR length(withdrawn_reason) BETWEEN 1 AND 4000),
    ADD CONSTRAINT clarification_requests_withdrawn_check CHECK (
        (withdrawn_at IS NULL) = (withdrawn_by IS NULL)
        AND (withdrawn_at IS NULL) = (withdrawn_reason IS NULL)
        AND (withdrawn_at IS NULL OR answered_at IS NULL));

DROP INDEX clarification_requests_one_open;
CREATE UNIQUE INDEX clarification_requests_one_open ON clarification_requests (response_id)
    WHERE answered_at IS NULL AND withdrawn_at IS NULL;
