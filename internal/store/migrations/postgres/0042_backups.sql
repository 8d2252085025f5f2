-- Backups (internal/backup, docs/operations.md) and crypto-shredding that reaches them (docs/keyring.md).
-- A data key made from now on is wrapped twice: by a leaf key of the shred key file (DATA/shred.keys, beside
-- the master key, never in a backup), then by its org's key. leaf numbers that leaf (NULL: a key made before,
-- wrapped by the org key alone); shredding punctures the leaf in the file, so a backup taken before the shred
-- cannot open the key either. A tombstone keeps its leaf, so that a shred interrupted between its commit and the
-- file's update is finished at the next start.
ALTER TABLE keyring_deks ADD COLUMN leaf BIGINT;
CREATE UNIQUE INDEX keyring_deks_leaf ON keyring_deks (leaf);
ALTER TABLE keyring_shredded ADD COLUMN leaf BIGINT;
CREATE INDEX keyring_shredded_leaf ON keyring_shredded (leaf);

-- One row per backup attempt (the scheduled ones and ward backup): when, how it ended, where, what it held.
-- error is ward's message without secrets. The conformance report reads "backups last run" from here.
CREATE TABLE backup_runs (
	at         BIGINT NOT NULL,
	outcome    TEXT NOT NULL,
	location   TEXT NOT NULL DEFAULT '',
	bytes      BIGINT NOT NULL DEFAULT 0,
	blobs      BIGINT NOT NULL DEFAULT 0,
	elapsed_ms BIGINT NOT NULL DEFAULT 0,
	error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_runs_at ON backup_runs (at);
