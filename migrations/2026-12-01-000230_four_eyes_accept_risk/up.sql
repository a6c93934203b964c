-- Four eyes on accepting the risk of a critical flag, as on closing one: the first
-- member signs the acceptance with the reason, a different member confirms it. The
-- flag's one pending first signature is no longer only a close's: it records which
-- decision it is for (`signed_for`), and the columns lose the "close_" of their names.
-- A pending close signature keeps waiting, now marked as one.
ALTER TABLE flags RENAME COLUMN close_signed_by TO signed_by;
ALTER TABLE flags RENAME COLUMN close_signed_at TO signed_at;
ALTER TABLE flags ADD COLUMN signed_for text;
UPDATE flags SET signed_for = 'close' WHERE signed_by IS NOT NULL;
ALTER TABLE flags DROP CONSTRAINT flags_signature_pair,
    ADD CONSTRAINT flags_signature_pair CHECK (
        num_nulls(signed_by, signed_at, signed_for) IN (0, 3)
        AND (signed_for IS NULL OR signed_for IN ('accept_risk', 'close')));

ALTER TABLE flag_decisions DROP CONSTRAINT flag_decisions_action_check,
    ADD CONSTRAINT flag_decisions_action_check CHECK (action IN (
        'assign', 'request_clarification', 'clarification_answered', 'accept_risk',
        'require_action', 'start_action', 'escalate', 'sign_close', 'close', 'dissent',
        'withdraw_question', 'sign_accept_risk'));
