UPDATE jobs SET max_attempts = greatest(8, attempts + 1)
 WHERE kind = 'send_email' AND state IN ('pending', 'running') AND max_attempts = 79;
