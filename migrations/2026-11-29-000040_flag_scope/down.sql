ALTER TABLE flags DROP COLUMN affected_workers, DROP COLUMN workforce;
