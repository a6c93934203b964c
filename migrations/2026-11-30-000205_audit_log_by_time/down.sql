DROP INDEX CONCURRENTLY IF EXISTS audit_log_occurred_idx;
