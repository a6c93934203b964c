DROP INDEX jobs_forget_idx;
