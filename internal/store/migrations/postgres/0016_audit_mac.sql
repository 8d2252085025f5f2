-- Each audit event carries a MAC (HMAC-SHA-256) that internal/audit computes when the event is appended,
-- with a key derived from the keyring's master-wrapped audit secret: the database does not hold it, so a
-- row written straight into the table has no valid MAC and the sealer refuses it. Rows made before this
-- migration keep mac NULL (see docs/audit.md: they are checked by the chain and checkpoints only).
ALTER TABLE audit_events ADD COLUMN mac BYTEA;
