-- The audit page's filters at a platform's size (benches/audit_log.rs, 1,000,000
-- entries): without an index, a filter that matches few entries read the log
-- backwards until it had a page (150-280 ms). By date, and the page's order: newest first by time, then id.
-- Built CONCURRENTLY (outside a transaction: metadata.toml), so that appends to a
-- large log do not wait for the build; one statement a migration, as CONCURRENTLY
-- requires.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_occurred_idx ON audit_log (occurred_at, id);
