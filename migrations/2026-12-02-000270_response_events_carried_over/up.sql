-- A response started from the organisation's last submission ("Copy those answers
-- here" on the start page, services::carry_over) is put on the organisation's timeline
-- as its own kind of save.
ALTER TABLE response_events DROP CONSTRAINT response_events_kind_check;
ALTER TABLE response_events ADD CONSTRAINT response_events_kind_check
    CHECK (kind IN ('opened', 'saved', 'carried_over'));
