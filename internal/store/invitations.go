package store

import (
	"context"
	"database/sql"
	"time"
)

// InvitationRow is an invitation of a patient to open their account
// (migration 0021). It holds no PHI: the record by id, the token and the
// email one-time code by their hashes.
type InvitationRow struct {
	ID, OrgID, PatientID string
	Channel              string // email | link
	TokenHash            string
	CreatedBy            string
	CreatedAt, ExpiresAt time.Time
	AcceptedAt           time.Time // zero: not accepted
	RevokedAt            time.Time // zero: not revoked
	UserID               string    // the user the acceptance made
	CodeHash             string    // the email one-time code's hash; "" none sent
	CodeExpiresAt        time.Time
	CodeTries            int
}

const invitationCols = "id, org_id, patient_id, channel, token_hash, created_by, created_at, expires_at, accepted_at," +
	" revoked_at, user_id, code_hash, code_expires_at, code_tries"

func (tx *Tx) scanInvitation(s scanner) (InvitationRow, error) {
	var r InvitationRow
	var created, expires, accepted, revoked, codeExp int64
	var user sql.NullString
	err := s.Scan(&r.ID, &r.OrgID, &r.PatientID, &r.Channel, &r.TokenHash, &r.CreatedBy, &created, &expires, &accepted,
		&revoked, &user, &r.CodeHash, &codeExp, &r.CodeTries)
	r.CreatedAt, r.ExpiresAt = fromMicros(created), fromMicros(expires)
	r.AcceptedAt, r.RevokedAt, r.CodeExpiresAt = optMicros(accepted), optMicros(revoked), optMicros(codeExp)
	r.UserID = user.String
	return r, tx.d.wrap(err)
}

// InsertInvitation stores a new invitation, created now.
func (tx *Tx) InsertInvitation(ctx context.Context, r *InvitationRow) error {
	r.CreatedAt = tx.Now
	_, err := tx.exec(ctx, "INSERT INTO patient_invitations (id, org_id, patient_id, channel, token_hash, created_by,"+
		" created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		r.ID, r.OrgID, r.PatientID, r.Channel, r.TokenHash, r.CreatedBy, micros(tx.Now), micros(r.ExpiresAt))
	return err
}

// Invitation reads an invitation of a record of an org; none is CodeNotFound.
func (tx *Tx) Invitation(ctx context.Context, orgID, patientID, id string) (InvitationRow, error) {
	return tx.scanInvitation(tx.queryRow(ctx, "SELECT "+invitationCols+" FROM patient_invitations"+
		" WHERE org_id = $1 AND patient_id = $2 AND id = $3", orgID, patientID, id))
}

// InvitationByToken reads the invitation whose token hashes to tokenHash;
// none is CodeNotFound.
func (tx *Tx) InvitationByToken(ctx context.Context, tokenHash string) (InvitationRow, error) {
	return tx.scanInvitation(tx.queryRow(ctx, "SELECT "+invitationCols+" FROM patient_invitations WHERE token_hash = $1", tokenHash))
}

// Invitations lists a record's invitations, newest first.
func (tx *Tx) Invitations(ctx context.Context, orgID, patientID string) ([]InvitationRow, error) {
	return collect(ctx, tx, tx.scanInvitation, "SELECT "+invitationCols+" FROM patient_invitations"+
		" WHERE org_id = $1 AND patient_id = $2 ORDER BY created_at DESC, id DESC", orgID, patientID)
}

// RevokeInvitation marks an invitation revoked now.
func (tx *Tx) RevokeInvitation(ctx context.Context, id string) error {
	return tx.execOne(ctx, "UPDATE patient_invitations SET revoked_at = $1 WHERE id = $2", micros(tx.Now), id)
}

// RenewInvitation gives an invitation a new token and expiry; the old token
// no longer names it, and any one-time code is forgotten.
func (tx *Tx) RenewInvitation(ctx context.Context, id, tokenHash string, expires time.Time) error {
	return tx.execOne(ctx, "UPDATE patient_invitations SET token_hash = $1, expires_at = $2, code_hash = '',"+
		" code_expires_at = 0, code_tries = 0 WHERE id = $3", tokenHash, micros(expires), id)
}

// SetInvitationCode stores the hash of a new email one-time code.
func (tx *Tx) SetInvitationCode(ctx context.Context, id, codeHash string, expires time.Time) error {
	return tx.execOne(ctx, "UPDATE patient_invitations SET code_hash = $1, code_expires_at = $2, code_tries = 0 WHERE id = $3",
		codeHash, micros(expires), id)
}

// CountInvitationCodeTry counts one wrong try of the one-time code.
func (tx *Tx) CountInvitationCodeTry(ctx context.Context, id string) error {
	return tx.execOne(ctx, "UPDATE patient_invitations SET code_tries = code_tries + 1 WHERE id = $1", id)
}

// AcceptInvitation marks a pending invitation accepted now by userID. An
// invitation accepted or revoked meanwhile is not changed: false.
func (tx *Tx) AcceptInvitation(ctx context.Context, id, userID string) (bool, error) {
	res, err := tx.exec(ctx, "UPDATE patient_invitations SET accepted_at = $1, user_id = $2"+
		" WHERE id = $3 AND accepted_at = 0 AND revoked_at = 0", micros(tx.Now), userID, id)
	return inserted(res, err)
}

// LinkPatientUser links a record to its patient user. A record that has
// an account, or a user linked to another record, is CodeConflict.
func (tx *Tx) LinkPatientUser(ctx context.Context, orgID, patientID, userID string) error {
	return tx.execOne(ctx, "UPDATE patients SET user_id = $1, updated_at = $2 WHERE org_id = $3 AND id = $4 AND user_id IS NULL",
		userID, micros(tx.Now), orgID, patientID)
}

// PatientUser returns the id of a record's user; "" none. No such record
// is CodeNotFound.
func (tx *Tx) PatientUser(ctx context.Context, orgID, patientID string) (string, error) {
	var u sql.NullString
	err := tx.queryRow(ctx, "SELECT user_id FROM patients WHERE org_id = $1 AND id = $2", orgID, patientID).Scan(&u)
	return u.String, tx.d.wrap(err)
}
