package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/wardhealth/ward"
)

// Steps of an on-call role's escalation chain, and kinds of a page's hands.
const (
	PageStepPrimary   = "primary"   // the person on call
	PageStepSecondary = "secondary" // the role's secondary
	PageStepLead      = "lead"      // the role's lead

	PageHandPaged     = "paged"     // at send
	PageHandEscalated = "escalated" // to the next step of the chain
	PageHandRerouted  = "rerouted"  // to the incoming person at a hand-over
)

// OnCallPage is an urgent message paged to an on-call role, and where it
// is in the role's escalation chain.
type OnCallPage struct {
	MessageID      string
	OrgID          string
	RoleID         string
	RoleName       string // as it was at send time
	ConversationID string
	SenderID       string
	Step           string // PageStepPrimary, PageStepSecondary or PageStepLead
	HolderID       string // who holds it now
	Since          time.Time
	NextAt         time.Time // when it escalates to its next step; zero: it has none
	HandOverAt     time.Time // when the role's shift hands over; zero: never
	DoneAt         time.Time // acknowledged, recalled or purged; zero: live
	CreatedAt      time.Time

	// Read from the receipts and the message, never written:
	AckedBy string    // the first to acknowledge it; "" when no one has
	AckedAt time.Time // when
	Gone    bool      // the message was recalled or purged
}

// OnCallPageStep is one hand a page went through.
type OnCallPageStep struct {
	ID        string
	MessageID string
	OrgID     string
	RoleID    string
	Kind      string // PageHandPaged, PageHandEscalated or PageHandRerouted
	Step      string // the step it reached
	UserID    string // who it reached
	FromID    string // who held it before; "" when paged
	At        time.Time
}

// AddOnCallPage records a page, held by p.HolderID since the transaction
// time.
func (tx *Tx) AddOnCallPage(ctx context.Context, p *OnCallPage) error {
	p.CreatedAt, p.Since = tx.Now, tx.Now
	_, err := tx.exec(ctx, `INSERT INTO oncall_pages (message_id, org_id, role_id, role_name, conversation_id, sender_id, step,
		holder_id, since, next_at, hand_over_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9)`,
		p.MessageID, p.OrgID, p.RoleID, p.RoleName, p.ConversationID, p.SenderID, p.Step, p.HolderID, micros(tx.Now),
		microsOrZero(p.NextAt), microsOrZero(p.HandOverAt))
	return err
}

// UpdateOnCallPage stores where a page is: its step, holder, since, next
// step, hand-over and done times.
func (tx *Tx) UpdateOnCallPage(ctx context.Context, p *OnCallPage) error {
	return tx.execOne(ctx, `UPDATE oncall_pages SET step = $1, holder_id = $2, since = $3, next_at = $4, hand_over_at = $5,
		done_at = $6 WHERE message_id = $7 AND org_id = $8`, p.Step, p.HolderID, micros(p.Since), microsOrZero(p.NextAt),
		microsOrZero(p.HandOverAt), microsOrZero(p.DoneAt), p.MessageID, p.OrgID)
}

// pageColumns are what scanPage reads: the page, its first
// acknowledgement, and whether its message is gone.
const pageColumns = `p.message_id, p.org_id, p.role_id, p.role_name, p.conversation_id, p.sender_id, p.step, p.holder_id,
	p.since, p.next_at, p.hand_over_at, p.done_at, p.created_at,
	COALESCE((SELECT r.user_id FROM receipts r WHERE r.message_id = p.message_id AND r.acked_at > 0
		ORDER BY r.acked_at, r.user_id LIMIT 1), ''),
	COALESCE((SELECT MIN(r.acked_at) FROM receipts r WHERE r.message_id = p.message_id AND r.acked_at > 0), 0),
	CASE WHEN m.id IS NULL OR m.recalled_at > 0 OR m.purged_at > 0 THEN 1 ELSE 0 END
	FROM oncall_pages p LEFT JOIN messages m ON m.id = p.message_id`

func scanPage(row scanner) (OnCallPage, error) {
	var p OnCallPage
	var since, next, handOver, done, created, acked int64
	var gone int
	if err := row.Scan(&p.MessageID, &p.OrgID, &p.RoleID, &p.RoleName, &p.ConversationID, &p.SenderID, &p.Step, &p.HolderID,
		&since, &next, &handOver, &done, &created, &p.AckedBy, &acked, &gone); err != nil {
		return p, err
	}
	p.Since, p.CreatedAt = fromMicros(since), fromMicros(created)
	p.NextAt, p.HandOverAt, p.DoneAt, p.AckedAt = optMicros(next), optMicros(handOver), optMicros(done), optMicros(acked)
	p.Gone = gone != 0
	return p, nil
}

// OnCallPageOf reads the page of a message of an org: CodeNotFound when
// the message was not paged to a role.
func (tx *Tx) OnCallPageOf(ctx context.Context, orgID, messageID string) (OnCallPage, error) {
	p, err := scanPage(tx.queryRow(ctx, "SELECT "+pageColumns+" WHERE p.message_id = $1 AND p.org_id = $2", messageID, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ward.Errorf(ward.CodeNotFound, "no page for this message")
	}
	return p, tx.d.wrap(err)
}

// DueOnCallPages lists up to limit live pages (done_at zero) whose next
// step or hand-over is due at the transaction time, oldest first.
func (tx *Tx) DueOnCallPages(ctx context.Context, limit int) ([]OnCallPage, error) {
	now := micros(tx.Now)
	return collect(ctx, tx, scanPage, "SELECT "+pageColumns+` WHERE p.done_at = 0 AND
		((p.next_at > 0 AND p.next_at <= $1) OR (p.hand_over_at > 0 AND p.hand_over_at <= $1))
		ORDER BY p.created_at, p.message_id LIMIT $2`, now, limit)
}

// AddOnCallPageStep records a hand of a page at the transaction time.
func (tx *Tx) AddOnCallPageStep(ctx context.Context, s *OnCallPageStep) error {
	s.At = tx.Now
	_, err := tx.exec(ctx, `INSERT INTO oncall_page_steps (id, message_id, org_id, role_id, kind, step, user_id, from_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		s.ID, s.MessageID, s.OrgID, s.RoleID, s.Kind, s.Step, s.UserID, s.FromID, micros(s.At))
	return err
}

// OnCallPageSteps lists the hands of a page of an org, oldest first.
func (tx *Tx) OnCallPageSteps(ctx context.Context, orgID, messageID string) ([]OnCallPageStep, error) {
	out, err := collect(ctx, tx, func(row scanner) (OnCallPageStep, error) {
		s := OnCallPageStep{OrgID: orgID}
		var at int64
		err := row.Scan(&s.ID, &s.MessageID, &s.RoleID, &s.Kind, &s.Step, &s.UserID, &s.FromID, &at)
		s.At = fromMicros(at)
		return s, err
	}, `SELECT id, message_id, role_id, kind, step, user_id, from_id, at FROM oncall_page_steps
		WHERE message_id = $1 AND org_id = $2 ORDER BY at, id`, messageID, orgID)
	if out == nil && err == nil {
		out = []OnCallPageStep{}
	}
	return out, err
}

// OnCallDayStats is one role's pages on one UTC day: pages sent that day,
// how many of them were acknowledged, the median time to the first
// acknowledgement (nearest rank), and the escalations made that day.
type OnCallDayStats struct {
	RoleID       string
	RoleName     string // the newest name its pages were sent under
	Day          time.Time
	Pages        int64
	Acknowledged int64
	AckP50       time.Duration
	Escalations  int64
}

// OnCallPageStats computes, for an org's pages sent and escalations made
// in [from, to), per role and UTC day: pages, acknowledged, the median time
// to acknowledge, and escalations, by role and day. Ids and times only.
func (tx *Tx) OnCallPageStats(ctx context.Context, orgID string, from, to time.Time) ([]OnCallDayStats, error) {
	args := []any{orgID, micros(from), micros(to), int64(microsPerDay)}
	pages, err := collect(ctx, tx, func(row scanner) (OnCallDayStats, error) {
		var s OnCallDayStats
		var day, p50 int64
		err := row.Scan(&s.RoleID, &s.RoleName, &day, &s.Pages, &s.Acknowledged, &p50)
		s.Day, s.AckP50 = time.UnixMicro(day*microsPerDay).UTC(), time.Duration(p50)*time.Microsecond
		return s, err
	}, `WITH p AS (
			SELECT p.role_id, p.role_name, p.created_at / $4 AS day,
				(SELECT MIN(r.acked_at) FROM receipts r WHERE r.message_id = p.message_id AND r.acked_at > 0) - p.created_at AS d
			FROM oncall_pages p WHERE p.org_id = $1 AND p.created_at >= $2 AND p.created_at < $3
		), r AS (
			SELECT role_id, role_name, day, d,
				ROW_NUMBER() OVER (PARTITION BY role_id, day, CASE WHEN d IS NULL THEN 1 ELSE 0 END ORDER BY d) AS rn,
				COUNT(d) OVER (PARTITION BY role_id, day) AS acked,
				COUNT(*) OVER (PARTITION BY role_id, day) AS n
			FROM p
		)
		SELECT role_id, MAX(role_name), day, n, acked,
			COALESCE(MIN(CASE WHEN d IS NOT NULL AND rn * 2 >= acked THEN d END), 0)
		FROM r GROUP BY role_id, day, n, acked`, args...)
	if err != nil {
		return nil, err
	}
	escalations, err := collect(ctx, tx, func(row scanner) (OnCallDayStats, error) {
		var s OnCallDayStats
		var day int64
		err := row.Scan(&s.RoleID, &day, &s.Escalations)
		s.Day = time.UnixMicro(day * microsPerDay).UTC()
		return s, err
	}, `SELECT role_id, at / $4 AS day, COUNT(*) FROM oncall_page_steps
		WHERE org_id = $1 AND kind = 'escalated' AND at >= $2 AND at < $3 GROUP BY role_id, at / $4`, args...)
	if err != nil {
		return nil, err
	}
	return mergeDayStats(pages, escalations), nil
}

// mergeDayStats adds the escalations to the pages' days (or days of
// their own), sorted by role id and day.
func mergeDayStats(pages, escalations []OnCallDayStats) []OnCallDayStats {
	type key struct {
		role string
		day  int64
	}
	at := map[key]int{}
	for i, s := range pages {
		at[key{s.RoleID, s.Day.Unix()}] = i
	}
	for _, e := range escalations {
		if i, ok := at[key{e.RoleID, e.Day.Unix()}]; ok {
			pages[i].Escalations = e.Escalations
			continue
		}
		pages = append(pages, e)
	}
	slices.SortFunc(pages, func(a, b OnCallDayStats) int {
		return cmp.Or(cmp.Compare(a.RoleID, b.RoleID), a.Day.Compare(b.Day))
	})
	return pages
}
