-- The audit trail (internal/audit). Times are Unix microseconds.
-- id is insertion order only; seq is the chain sequence (1, 2, 3, …),
-- assigned with prev_hash and hash by the single sealer. Unsealed rows have
-- seq, prev_hash and hash NULL. Rows are never updated after sealing and
-- never deleted except by audit retention (audit_checkpoints anchor it).
CREATE TABLE audit_events (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	seq             BIGINT UNIQUE,
	at              BIGINT NOT NULL,
	org_id          TEXT NOT NULL DEFAULT '',
	actor_user_id   TEXT NOT NULL DEFAULT '',
	actor_role      TEXT NOT NULL DEFAULT '',
	actor_device_id TEXT NOT NULL DEFAULT '',
	actor_ip        TEXT NOT NULL DEFAULT '',
	action          TEXT NOT NULL,
	resource_type   TEXT NOT NULL DEFAULT '',
	resource_id     TEXT NOT NULL DEFAULT '',
	patient_id      TEXT NOT NULL DEFAULT '',
	outcome         TEXT NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	prev_hash       BLOB,
	hash            BLOB
);
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seq IS NULL;
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_patient ON audit_events (patient_id, at) WHERE patient_id <> '';

-- Signed checkpoints: n is contiguous from 1; (seq, hash) is the chain head
-- that the Ed25519 signature binds.
CREATE TABLE audit_checkpoints (
	n      BIGINT PRIMARY KEY,
	seq    BIGINT NOT NULL,
	hash   BLOB NOT NULL,
	at     BIGINT NOT NULL,
	key_id TEXT NOT NULL,
	sig    BLOB NOT NULL
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq);
