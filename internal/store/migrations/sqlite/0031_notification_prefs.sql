-- Notification preferences and presence (internal/notify/prefs), one row per user who set them; a user
-- without a row has the defaults (every new message wakes them, no quiet hours, no do-not-disturb, available).
-- prefs is a JSON document: which new messages wake the user, their quiet hours (times of day and an IANA
-- time zone) and do-not-disturb; none of it is PHI. presence is available, busy or off_duty.
CREATE TABLE notification_prefs (
	user_id    TEXT PRIMARY KEY REFERENCES users(id),
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	prefs      TEXT NOT NULL DEFAULT '{}',
	presence   TEXT NOT NULL DEFAULT 'available',
	updated_at BIGINT NOT NULL
);
CREATE INDEX notification_prefs_org ON notification_prefs (org_id);

-- The email fallback (internal/notify/digest): when a user was last mailed about unread messages and about
-- an unacknowledged urgent one, so that a restart, or another node taking over the job, does not mail again.
CREATE TABLE notify_email_state (
	user_id       TEXT PRIMARY KEY REFERENCES users(id),
	digest_at     BIGINT NOT NULL DEFAULT 0,
	urgent_at     BIGINT NOT NULL DEFAULT 0
);
