DROP INDEX clarification_requests_one_open;
-- A withdrawn request would count as waiting again: only one per response can stay.
DELETE FROM clarification_requests WHERE withdrawn_at IS NOT NULL;
CREATE UNIQUE INDEX clarification_requests_one_open ON clarification_requests (response_id)
    WHERE answered_at IS NULL;
ALTER TABLE clarification_requests
    DROP CONSTRAINT clarification_requests_withdrawn_check,
    DROP COLUMN withdrawn_reason,
    DROP COLUMN withdrawn_by,
    DROP COLUMN withdrawn_at;

DELETE FROM flag_decisions WHERE action = 'withdraw_question';
ALTER TABLE flag_decisions DROP CONSTRAINT flag_decisions_action_check,
    ADD CONSTRAINT flag_decisions_action_check CHECK (action IN (
        'assign', 'request_clarification', 'clarification_answered', 'accept_risk',
        'require_action', 'start_action', 'escalate', 'sign_close', 'close', 'dissent'));
