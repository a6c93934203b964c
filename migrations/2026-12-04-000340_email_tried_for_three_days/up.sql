-- An email the relay will not take yet (refused connection, a 4xx) is tried for three
-- days (jobs::EMAIL_MAX_ATTEMPTS: 30 s doubling to an hour, then hourly) instead of
-- eight attempts, about an hour: a relay down for longer failed every message queued at
-- its start. Messages still waiting get the longer window too.
UPDATE jobs SET max_attempts = 79
 WHERE kind = 'send_email' AND state IN ('pending', 'running') AND max_attempts = 8;
