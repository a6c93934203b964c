ALTER TABLE response_events DROP COLUMN hidden_removed;
