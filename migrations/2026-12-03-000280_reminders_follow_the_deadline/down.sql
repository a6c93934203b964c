-- One key per (contact, step) or campaign again: the first sent keeps it, the others
-- (sent for a later deadline) keep theirs, which the old scheduler never builds.
WITH keyed AS (
    SELECT id, regexp_replace(dedup_key, ':[0-9]{4}-[0-9]{2}-[0-9]{2}$', '') AS old_key, created_at
      FROM jobs
     WHERE kind = 'send_email'
       AND (dedup_key ~ '^reminder:[0-9a-f-]{36}:[0-9a-f-]{36}:[0-9]+:[0-9]{4}-[0-9]{2}-[0-9]{2}$'
            OR dedup_key ~ '^escalation:[0-9a-f-]{36}:[0-9]{4}-[0-9]{2}-[0-9]{2}$')
), first AS (
    SELECT DISTINCT ON (old_key) id, old_key FROM keyed ORDER BY old_key, created_at, id
)
UPDATE jobs j SET dedup_key = f.old_key FROM first f WHERE j.id = f.id;
ALTER TABLE campaigns DROP COLUMN deadline_changed_at;
