DELETE FROM flag_decisions WHERE action = 'sign_accept_risk';
ALTER TABLE flag_decisions DROP CONSTRAINT flag_decisions_action_check,
    ADD CONSTRAINT flag_decisions_action_check CHECK (action IN (
        'assign', 'request_clarification', 'clarification_answered', 'accept_risk',
        'require_action', 'start_action', 'escalate', 'sign_close', 'close', 'dissent',
        'withdraw_question'));

-- A pending risk acceptance's signature has no place in the close's columns.
UPDATE flags SET signed_by = NULL, signed_at = NULL, signed_for = NULL
    WHERE signed_for = 'accept_risk';
ALTER TABLE flags DROP CONSTRAINT flags_signature_pair,
    DROP COLUMN signed_for;
ALTER TABLE flags RENAME COLUMN signed_by TO close_signed_by;
ALTER TABLE flags RENAME COLUMN signed_at TO close_signed_at;
ALTER TABLE flags
    ADD CONSTRAINT flags_signature_pair CHECK ((close_signed_by IS NULL) = (close_signed_at IS NULL));
