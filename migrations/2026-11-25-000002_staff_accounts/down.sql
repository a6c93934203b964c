DROP TABLE email_outbox;
DROP TABLE api_tokens;
DROP TABLE login_attempts;
DROP TABLE password_reset_tokens;
DROP TABLE staff_sessions;
DROP TABLE users;
