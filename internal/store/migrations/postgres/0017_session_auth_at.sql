-- When a session's user last proved who they are (a sign-in, or a re-authentication with a password or
-- a second factor), in Unix microseconds. Changing the password or a second factor needs it recent.
-- Sessions from before this migration count as authenticated when they were created.
ALTER TABLE sessions ADD COLUMN auth_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET auth_at = created_at;
