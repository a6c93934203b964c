-- Staff accounts with roles, server-side sessions, password reset tokens, login attempts
-- for throttling, API tokens for integrations, and the transactional email outbox.

CREATE TABLE users (
    id                   uuid PRIMARY KEY,
    email                text NOT NULL CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    name                 text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    role                 text NOT NULL CHECK (role IN ('admin', 'procurement', 'committee', 'viewer')),
    -- argon2id PHC string; parameters in ARCHITECTURE.md.
    password_hash        text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    must_change_password boolean NOT NULL DEFAULT false,
    disabled_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE staff_sessions (
    id           uuid PRIMARY KEY,
    -- Only the SHA-256 of the cookie value is stored.
    token_sha256 char(64) NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL CHECK (length(csrf_token) >= 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    ip           text,
    user_agent   text,
    CHECK (expires_at > created_at)
);
CREATE INDEX staff_sessions_active_user_idx ON staff_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE password_reset_tokens (
    token_sha256 char(64) PRIMARY KEY CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id);

CREATE TABLE login_attempts (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     text NOT NULL,
    ip        text NOT NULL,
    succeeded boolean NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, at DESC);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at DESC);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    token_sha256 char(64) NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    role         text NOT NULL CHECK (role IN ('admin', 'procurement', 'committee', 'viewer')),
    created_by   uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

CREATE TABLE email_outbox (
    id              uuid PRIMARY KEY,
    to_address      text NOT NULL CHECK (to_address ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    text_body       text NOT NULL,
    html_body       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    last_error      text
);
CREATE INDEX email_outbox_pending_idx ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;
