-- The jobs page (admins) lists failed jobs, newest first: every email ever sent stays a
-- `done` row, so the list scanned the whole table (126 ms at 1,000,000 jobs, growing
-- with every email). The failed ones are a few: this index holds only them, so the
-- page and its counts read those alone. The predicate is the one `db::jobs::troubled`
-- writes out.
CREATE INDEX jobs_troubled_idx ON jobs (created_at DESC, id)
    WHERE state = 'dead' OR (state <> 'done' AND last_error IS NOT NULL);
