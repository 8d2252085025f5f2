-- Web Push subscriptions (internal/notify/push): at most one per device, made by one of its sessions.
-- sealed holds the endpoint and the keys (p256dh, auth) as JSON, sealed by the keyring (scope "push:<org>",
-- record the device id): an endpoint names a device at a push service, and its keys let anyone push to it.
-- A row whose session has ended (revoked or expired), whose device is not active or whose user is disabled
-- is never pushed to, and the sender deletes it when it meets it.
CREATE TABLE push_subscriptions (
	device_id  TEXT PRIMARY KEY REFERENCES devices(id),
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	user_id    TEXT NOT NULL REFERENCES users(id),
	session_id TEXT NOT NULL,
	sealed     BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
