DROP INDEX jobs_troubled_idx;
