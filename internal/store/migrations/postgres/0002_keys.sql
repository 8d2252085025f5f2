-- Keyring: wrapped keys for envelope encryption (internal/keyring). No table
-- here holds a usable key: every key is wrapped by the key above it, and the
-- master key never reaches the database. Times are Unix microseconds.

-- One key-encryption key per org and version; the highest version is current.
-- master_key_id names the master key version that wraps it.
CREATE TABLE keyring_keks (
	org_id        TEXT NOT NULL,
	version       INTEGER NOT NULL,
	master_key_id TEXT NOT NULL,
	wrapped       BYTEA NOT NULL,
	created_at    BIGINT NOT NULL,
	rewrapped_at  BIGINT NOT NULL,
	PRIMARY KEY (org_id, version)
);
CREATE INDEX keyring_keks_master ON keyring_keks (master_key_id);

-- One data key per (org, scope). id is the key id written in every
-- ciphertext header (16 random bytes, hex). kek_version names the org KEK
-- that wraps it, so a rotation that stops part-way can continue.
CREATE TABLE keyring_deks (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL,
	scope        TEXT NOT NULL,
	kek_version  INTEGER NOT NULL,
	wrapped      BYTEA NOT NULL,
	created_at   BIGINT NOT NULL,
	rewrapped_at BIGINT NOT NULL,
	UNIQUE (org_id, scope),
	FOREIGN KEY (org_id, kek_version) REFERENCES keyring_keks (org_id, version)
);
CREATE INDEX keyring_deks_kek ON keyring_deks (org_id, kek_version, id);

-- Tombstones of destroyed (crypto-shredded) data keys: no key material, only
-- what lets Open say "key destroyed" instead of "corrupt".
CREATE TABLE keyring_shredded (
	dek_id      TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL,
	scope       TEXT NOT NULL,
	shredded_at BIGINT NOT NULL
);

-- Secrets wrapped directly by the master key (the audit checkpoint signing key).
CREATE TABLE keyring_secrets (
	name          TEXT PRIMARY KEY,
	master_key_id TEXT NOT NULL,
	wrapped       BYTEA NOT NULL,
	created_at    BIGINT NOT NULL,
	rewrapped_at  BIGINT NOT NULL
);
