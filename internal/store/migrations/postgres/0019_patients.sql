-- Patient records (internal/patients). Every field of a record is PHI: the record's fields are sealed
-- together by the keyring under the patient's own data key (scope patient:<id>), so shredding that key
-- erases the record. The database holds no plaintext of a record: exact look-ups go through blind
-- indexes, HMAC-SHA-256 under a per-org key derived from a master-wrapped keyring secret, over the
-- normalised MRN (unique per org) and over the date of birth with the normalised family name.
-- status is active | deactivated. Times are Unix microseconds.
CREATE TABLE patients (
	id             TEXT PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES orgs(id),
	mrn_index      TEXT NOT NULL,
	dob_name_index TEXT NOT NULL,
	sealed         BYTEA NOT NULL,
	status         TEXT NOT NULL,
	created_at     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	UNIQUE (org_id, mrn_index)
);
CREATE INDEX patients_dob_name ON patients (org_id, dob_name_index);
