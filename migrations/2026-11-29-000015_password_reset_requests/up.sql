-- Password reset requests are queued here and handled by the background worker, so the
-- request itself does the same work whether or not the address has an account (no
-- timing oracle). Handled rows are deleted after a day.
CREATE TABLE password_reset_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        text NOT NULL CHECK (length(email) <= 254),
    requested_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX password_reset_requests_pending_idx ON password_reset_requests (id)
    WHERE processed_at IS NULL;
