-- Rewrites data: after this migration, ward's start-up (internal/app SealPatientIdentities, run by every
-- ward serve and ward command that opens the database) seals the name and email of every user with the
-- role patient into these columns, and replaces the plaintext email with its blind index ("bi1:...") and
-- the name with "". Staff rows keep their name and email in the clear and these columns empty.
-- name_sealed and email_sealed are sealed by the keyring under the user's data key (scope user:<id>).
ALTER TABLE users ADD COLUMN name_sealed BYTEA;
ALTER TABLE users ADD COLUMN email_sealed BYTEA;
