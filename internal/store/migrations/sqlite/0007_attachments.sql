-- Attachments: files uploaded to a conversation and then sent with a message. The content is a
-- sealed blob in the blob store (blob_key names it); the file name is sealed by the keyring. The
-- content type is the one the server sniffed. Times are Unix microseconds (0: not yet).

CREATE TABLE attachments (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	uploader_id     TEXT NOT NULL REFERENCES users(id),
	message_id      TEXT REFERENCES messages(id), -- NULL until sent with a message
	name_sealed     BLOB,                      -- NULL once deleted
	content_type    TEXT NOT NULL,
	size            BIGINT NOT NULL,
	blob_key        TEXT NOT NULL,            -- '' once the blob is deleted
	created_at      BIGINT NOT NULL,
	deleted_at      BIGINT NOT NULL DEFAULT 0 -- its message was recalled or purged, or it was never sent
);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL AND deleted_at = 0;
CREATE INDEX attachments_blob_left ON attachments (conversation_id) WHERE deleted_at <> 0 AND blob_key <> '';
