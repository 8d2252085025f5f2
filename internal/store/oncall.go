package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/wardhealth/ward"
)

// scheduleDoc is how a schedule is kept in oncall_roles.schedule: a JSON
// document with names of its own, so renaming a Go field never changes
// what is stored.
type scheduleDoc struct {
	Kind      string        `json:"kind"`
	Days      int           `json:"days,omitempty"`
	HandOver  string        `json:"hand_over"`
	TimeZone  string        `json:"time_zone"`
	Start     string        `json:"start"`
	End       string        `json:"end,omitempty"`
	People    []string      `json:"people"`
	Overrides []overrideDoc `json:"overrides,omitempty"`
	Swaps     []swapDoc     `json:"swaps,omitempty"`
}

type overrideDoc struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	From   int64  `json:"from"` // microseconds since the epoch
	To     int64  `json:"to"`
}

type swapDoc struct {
	ID string `json:"id"`
	A  int64  `json:"a"`
	B  int64  `json:"b"`
}

func encodeSchedule(s ward.Schedule) (string, error) {
	r := s.Rotation
	d := scheduleDoc{Kind: string(r.Kind), Days: r.Days, HandOver: r.HandOver, TimeZone: r.TimeZone, Start: r.Start,
		End: r.End, People: r.People}
	for _, o := range s.Overrides {
		d.Overrides = append(d.Overrides, overrideDoc{ID: o.ID, UserID: o.UserID, From: micros(o.From), To: micros(o.To)})
	}
	for _, w := range s.Swaps {
		d.Swaps = append(d.Swaps, swapDoc{ID: w.ID, A: micros(w.A), B: micros(w.B)})
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func decodeSchedule(doc string) (ward.Schedule, error) {
	var d scheduleDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return ward.Schedule{}, ward.Wrap(ward.CodeIntegrity, err, "an on-call schedule is unreadable")
	}
	s := ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationKind(d.Kind), Days: d.Days, HandOver: d.HandOver,
		TimeZone: d.TimeZone, Start: d.Start, End: d.End, People: d.People}}
	if s.Rotation.People == nil {
		s.Rotation.People = []string{}
	}
	for _, o := range d.Overrides {
		s.Overrides = append(s.Overrides, ward.Override{ID: o.ID, UserID: o.UserID, From: fromMicros(o.From), To: fromMicros(o.To)})
	}
	for _, w := range d.Swaps {
		s.Swaps = append(s.Swaps, ward.Swap{ID: w.ID, A: fromMicros(w.A), B: fromMicros(w.B)})
	}
	return s, nil
}

// CreateOnCallRole stores a new role with its schedule at version 1,
// stamped with the transaction's clock. A name another role of the org
// has (ignoring case) is CodeConflict.
func (tx *Tx) CreateOnCallRole(ctx context.Context, r *ward.OnCallRole) error {
	doc, err := encodeSchedule(r.Schedule)
	if err != nil {
		return err
	}
	r.CreatedAt, r.UpdatedAt, r.Version = tx.Now, tx.Now, 1
	_, err = tx.exec(ctx, `INSERT INTO oncall_roles (id, org_id, name, name_key, schedule, version, created_at, updated_at,
		secondary_id, lead_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)`,
		r.ID, r.OrgID, r.Name, ward.OnCallRoleNameKey(r.Name), doc, r.Version, micros(tx.Now), r.Chain.SecondaryID, r.Chain.LeadID)
	return roleNameTaken(err)
}

// UpdateOnCallRole stores r's name, schedule and chain over the role of that id
// in r's org and moves its version on by one: CodeNotFound when there is
// none, CodeConflict when another role has the name.
func (tx *Tx) UpdateOnCallRole(ctx context.Context, r *ward.OnCallRole) error {
	doc, err := encodeSchedule(r.Schedule)
	if err != nil {
		return err
	}
	err = tx.execOne(ctx, `UPDATE oncall_roles SET name = $1, name_key = $2, schedule = $3, version = version + 1,
		updated_at = $4, secondary_id = $7, lead_id = $8 WHERE id = $5 AND org_id = $6`,
		r.Name, ward.OnCallRoleNameKey(r.Name), doc, micros(tx.Now), r.ID, r.OrgID, r.Chain.SecondaryID, r.Chain.LeadID)
	if err != nil {
		return roleNameTaken(err)
	}
	r.Version++
	r.UpdatedAt = tx.Now
	return nil
}

func roleNameTaken(err error) error {
	if ward.ErrorCode(err) == ward.CodeConflict {
		return ward.Wrap(ward.CodeConflict, err, "the org has an on-call role with this name")
	}
	return err
}

// DeleteOnCallRole deletes a role of an org; CodeNotFound when there is
// none. What was addressed to it keeps its name (oncall_addressed).
func (tx *Tx) DeleteOnCallRole(ctx context.Context, orgID, id string) error {
	return tx.execOne(ctx, "DELETE FROM oncall_roles WHERE id = $1 AND org_id = $2", id, orgID)
}

// OnCallRoleByID reads one role of an org with its schedule.
func (tx *Tx) OnCallRoleByID(ctx context.Context, orgID, id string) (ward.OnCallRole, error) {
	rs, err := tx.onCallRoles(ctx, orgID, id)
	if err != nil {
		return ward.OnCallRole{}, err
	}
	if len(rs) == 0 {
		return ward.OnCallRole{}, ward.Errorf(ward.CodeNotFound, "no such on-call role")
	}
	return rs[0], nil
}

// OnCallRoles lists the roles of an org by name, with their schedules.
func (tx *Tx) OnCallRoles(ctx context.Context, orgID string) ([]ward.OnCallRole, error) {
	return tx.onCallRoles(ctx, orgID, "")
}

func (tx *Tx) onCallRoles(ctx context.Context, orgID, id string) ([]ward.OnCallRole, error) {
	rows, err := tx.query(ctx, `SELECT id, name, schedule, version, created_at, updated_at, secondary_id, lead_id FROM oncall_roles
		WHERE org_id = $1 AND ($2 = '' OR id = $2) ORDER BY name_key, id`, orgID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ward.OnCallRole{}
	for rows.Next() {
		r := ward.OnCallRole{OrgID: orgID}
		var doc string
		var created, updated int64
		if err := rows.Scan(&r.ID, &r.Name, &doc, &r.Version, &created, &updated, &r.Chain.SecondaryID, &r.Chain.LeadID); err != nil {
			return nil, tx.d.wrap(err)
		}
		if r.Schedule, err = decodeSchedule(doc); err != nil {
			return nil, err
		}
		r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
		out = append(out, r)
	}
	return out, tx.d.wrap(rows.Err())
}

// OnCallRoleVersion reads the name and version of a role of an org, so a
// cache can tell whether its copy of the schedule is current.
func (tx *Tx) OnCallRoleVersion(ctx context.Context, orgID, id string) (name string, version int64, err error) {
	err = tx.queryRow(ctx, "SELECT name, version FROM oncall_roles WHERE id = $1 AND org_id = $2", id, orgID).Scan(&name, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, ward.Errorf(ward.CodeNotFound, "no such on-call role")
	}
	return name, version, tx.d.wrap(err)
}

// OnCallAddressed is a conversation or message addressed to an on-call
// role, and the person it resolved to at send time.
type OnCallAddressed struct {
	ID             string
	OrgID          string
	RoleID         string
	RoleName       string
	UserID         string
	ConversationID string
	MessageID      string // "" for a conversation started with the role
	CreatedAt      time.Time
}

// AddOnCallAddressed records whom a role resolved to for a conversation or
// message, stamped with the transaction's clock.
func (tx *Tx) AddOnCallAddressed(ctx context.Context, a *OnCallAddressed) error {
	a.CreatedAt = tx.Now
	_, err := tx.exec(ctx, `INSERT INTO oncall_addressed (id, org_id, role_id, role_name, user_id, conversation_id, message_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.ID, a.OrgID, a.RoleID, a.RoleName, a.UserID, a.ConversationID, a.MessageID, micros(a.CreatedAt))
	return err
}

// OnCallAddressedIn lists what was addressed to a role in a conversation
// of an org, oldest first.
func (tx *Tx) OnCallAddressedIn(ctx context.Context, orgID, conversationID string) ([]OnCallAddressed, error) {
	rows, err := tx.query(ctx, `SELECT id, role_id, role_name, user_id, message_id, created_at FROM oncall_addressed
		WHERE conversation_id = $1 AND org_id = $2 ORDER BY created_at, id`, conversationID, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OnCallAddressed{}
	for rows.Next() {
		a := OnCallAddressed{OrgID: orgID, ConversationID: conversationID}
		var created int64
		if err := rows.Scan(&a.ID, &a.RoleID, &a.RoleName, &a.UserID, &a.MessageID, &created); err != nil {
			return nil, tx.d.wrap(err)
		}
		a.CreatedAt = fromMicros(created)
		out = append(out, a)
	}
	return out, tx.d.wrap(rows.Err())
}
