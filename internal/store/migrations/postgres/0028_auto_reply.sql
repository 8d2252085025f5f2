-- After-hours auto-replies (issue 22): a message may be sent by a care team rather than a user. kind is '' for a
-- user's message and 'auto_reply' for a team's after-hours auto-reply, whose sender_id is the team's id: the
-- sender is no longer always a user, so sender_id loses its reference to users (ward checks membership as it
-- stores a user's message). conversations.auto_replied_at (microseconds, 0: never) is when a team inbox thread
-- last got its auto-reply: at most one in any 12 hours (internal/inbox).
ALTER TABLE messages DROP CONSTRAINT messages_sender_id_fkey;
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN auto_replied_at BIGINT NOT NULL DEFAULT 0;
