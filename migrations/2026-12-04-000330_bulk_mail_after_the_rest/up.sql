-- A launch or a reminder pass queues one email per contact at once (90,000 for a
-- campaign of 45,000 suppliers). Claimed oldest first, those held every job queued after
-- them until the last was tried: a password reset, a submission's receipt, a
-- clarification request, a re-sent link and the scheduler's own passes waited behind
-- them (walked: a reset requested right after a 10,000-email launch arrived 3 min 16 s
-- later, the 10,001st message, at a relay taking 50 messages a second). Mail queued for
-- many recipients by one statement is marked bulk and claimed after every due job that
-- is not, so the rest waits at most for one batch in flight.
ALTER TABLE jobs ADD COLUMN bulk boolean NOT NULL DEFAULT false;
DROP INDEX jobs_due_idx;
CREATE INDEX jobs_due_idx ON jobs (bulk, run_at) WHERE state = 'pending';
