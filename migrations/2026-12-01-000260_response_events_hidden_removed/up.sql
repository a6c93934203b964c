-- A save that removed stored answers because the new answers hide their questions
-- (a condition no longer met, in any section) records which, on its timeline event:
-- the respondent is told on the page, and the organisation's timeline keeps it.
ALTER TABLE response_events ADD COLUMN hidden_removed text[];
