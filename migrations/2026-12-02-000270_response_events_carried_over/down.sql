UPDATE response_events SET kind = 'saved' WHERE kind = 'carried_over';
ALTER TABLE response_events DROP CONSTRAINT response_events_kind_check;
ALTER TABLE response_events ADD CONSTRAINT response_events_kind_check
    CHECK (kind IN ('opened', 'saved'));
