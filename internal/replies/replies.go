package replies

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/store"
)

// PatientReader reads a patient record for a principal, auditing the read
// as patient.read (patients.Service does).
type PatientReader interface {
	Get(ctx context.Context, p *access.Principal, id string) (patients.Record, error)
}

// Config is what a Service is built from; Now may be nil.
type Config struct {
	Store    *store.Store
	Keyring  *keyring.Keyring
	Patients PatientReader
	Now      func() time.Time
}

// Service is the saved reply and team hours use cases.
type Service struct {
	store    *store.Store
	keys     *keyring.Keyring
	patients PatientReader
	now      func() time.Time
}

// New builds a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, keys: cfg.Keyring, patients: cfg.Patients, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Reply is a saved reply: TeamID set for a team's, UserID for a personal one.
type Reply struct {
	ID        string    `json:"id"`
	TeamID    string    `json:"team_id,omitempty"`
	UserID    string    `json:"user_id,omitempty"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// content is what is sealed.
type content struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

func scope(orgID string) string { return "replies:" + orgID }

func replyRef(orgID, id, field string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: scope(orgID), Record: id, Field: field}
}

func validID(id, what string) error {
	if _, err := uuid.Parse(id); err != nil {
		return ward.Errorf(ward.CodeNotFound, "no such %s", what)
	}
	return nil
}

// NewReply is a reply to create: Personal, or for TeamID.
type NewReply struct {
	TeamID   string `json:"team_id"`
	Personal bool   `json:"personal"`
	Title    string `json:"title"`
	Body     string `json:"body"`
}

func checkContent(title, body string) (content, error) {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	switch {
	case title == "" || utf8.RuneCountInString(title) > maxTitle || !utf8.ValidString(title):
		return content{}, ward.Errorf(ward.CodeInvalid, "title must be 1 to %d characters", maxTitle)
	case body == "" || utf8.RuneCountInString(body) > maxBody || !utf8.ValidString(body):
		return content{}, ward.Errorf(ward.CodeInvalid, "body must be 1 to %d characters", maxBody)
	}
	if err := checkTemplate("title", title, Placeholders); err != nil {
		return content{}, err
	}
	if err := checkTemplate("body", body, Placeholders); err != nil {
		return content{}, err
	}
	return content{Title: title, Body: body}, nil
}

func (s *Service) seal(ctx context.Context, orgID, id string, c content) ([]byte, error) {
	plain, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return s.keys.Seal(ctx, replyRef(orgID, id, "reply"), plain)
}

func (s *Service) open(ctx context.Context, r store.ReplyRow) (Reply, error) {
	out := Reply{ID: r.ID, TeamID: r.TeamID, UserID: r.UserID, CreatedBy: r.CreatedBy,
		CreatedAt: time.UnixMicro(r.CreatedAt).UTC(), UpdatedAt: time.UnixMicro(r.UpdatedAt).UTC()}
	plain, err := s.keys.Open(ctx, replyRef(r.OrgID, r.ID, "reply"), r.Sealed)
	if err != nil {
		return Reply{}, err
	}
	defer clear(plain)
	var c content
	if err := json.Unmarshal(plain, &c); err != nil {
		return Reply{}, ward.Wrap(ward.CodeIntegrity, err, "a saved reply does not decode")
	}
	out.Title, out.Body = c.Title, c.Body
	return out, nil
}

// mayManageTeam checks, in tx, that the team is of p's org and that p is
// an owner or admin or one of its members.
func mayManageTeam(ctx context.Context, tx *store.Tx, p *access.Principal, teamID string) error {
	if err := validID(teamID, "team"); err != nil {
		return err
	}
	if _, err := tx.TeamByID(ctx, p.User.OrgID, teamID); err != nil {
		return err
	}
	if r := p.User.Role; r == ward.RoleOwner || r == ward.RoleAdmin {
		return nil
	}
	mine, err := tx.TeamsOf(ctx, p.User.OrgID, p.User.ID)
	if err != nil {
		return err
	}
	if !slices.Contains(mine, teamID) {
		return ward.Errorf(ward.CodeForbidden, "only members of a care team (and admins) use and manage its saved replies and hours")
	}
	return nil
}

// mayUse checks that p may see (and manage) reply r.
func mayUse(ctx context.Context, tx *store.Tx, p *access.Principal, r store.ReplyRow) error {
	if r.UserID != "" {
		if r.UserID != p.User.ID {
			return ward.Errorf(ward.CodeNotFound, "no such saved reply") // another's personal reply does not exist for p
		}
		return nil
	}
	return mayManageTeam(ctx, tx, p, r.TeamID)
}

func replyEvent(p *access.Principal, action audit.Action, r store.ReplyRow) audit.Event {
	e := p.Event(action, "reply", r.ID)
	if r.TeamID != "" {
		e.Reason = "team " + r.TeamID
	} else {
		e.Reason = "personal"
	}
	return e
}

// Create stores a new reply: personal, or shared with a team p may manage.
// A template with an unknown placeholder is CodeInvalid and stores nothing.
func (s *Service) Create(ctx context.Context, p *access.Principal, n NewReply) (Reply, error) {
	if err := p.Can(authz.ReplyUse); err != nil {
		return Reply{}, err
	}
	if n.Personal == (n.TeamID != "") {
		return Reply{}, ward.Errorf(ward.CodeInvalid, "a reply is either personal or for a team_id, not both or neither")
	}
	c, err := checkContent(n.Title, n.Body)
	if err != nil {
		return Reply{}, err
	}
	row := store.ReplyRow{ID: uuid.Must(uuid.NewV7()).String(), OrgID: p.User.OrgID, TeamID: n.TeamID, CreatedBy: p.User.ID}
	if n.Personal {
		row.UserID = p.User.ID
	}
	if row.Sealed, err = s.seal(ctx, row.OrgID, row.ID, c); err != nil {
		return Reply{}, err
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if row.TeamID != "" {
			if err := mayManageTeam(ctx, tx, p, row.TeamID); err != nil {
				return err
			}
		}
		if err := tx.CreateReply(ctx, &row); err != nil {
			return err
		}
		return audit.Append(ctx, tx, replyEvent(p, audit.ReplyCreated, row))
	})
	if err != nil {
		return Reply{}, err
	}
	return s.open(ctx, row)
}

// Edit is a change to a reply: nil fields stay.
type Edit struct {
	Title *string `json:"title"`
	Body  *string `json:"body"`
}

// Update edits a reply p may manage.
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, e Edit) (Reply, error) {
	if err := p.Can(authz.ReplyUse); err != nil {
		return Reply{}, err
	}
	if err := validID(id, "saved reply"); err != nil {
		return Reply{}, err
	}
	var row store.ReplyRow
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
		if row, err = tx.ReplyByID(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		if err := mayUse(ctx, tx, p, row); err != nil {
			return err
		}
		cur, err := s.open(ctx, row)
		if err != nil {
			return err
		}
		if e.Title != nil {
			cur.Title = *e.Title
		}
		if e.Body != nil {
			cur.Body = *e.Body
		}
		c, err := checkContent(cur.Title, cur.Body)
		if err != nil {
			return err
		}
		if row.Sealed, err = s.seal(ctx, row.OrgID, row.ID, c); err != nil {
			return err
		}
		if err := tx.UpdateReply(ctx, row.OrgID, id, row.Sealed); err != nil {
			return err
		}
		row.UpdatedAt = tx.Now.UnixMicro()
		return audit.Append(ctx, tx, replyEvent(p, audit.ReplyUpdated, row))
	})
	if err != nil {
		return Reply{}, err
	}
	return s.open(ctx, row)
}

// Delete deletes a reply p may manage.
func (s *Service) Delete(ctx context.Context, p *access.Principal, id string) error {
	if err := p.Can(authz.ReplyUse); err != nil {
		return err
	}
	if err := validID(id, "saved reply"); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		row, err := tx.ReplyByID(ctx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		if err := mayUse(ctx, tx, p, row); err != nil {
			return err
		}
		if err := tx.DeleteReply(ctx, row.OrgID, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, replyEvent(p, audit.ReplyDeleted, row))
	})
}

// List lists p's personal replies and, when teamID is not "", the replies
// of that team (p must be a member, or an owner or admin).
func (s *Service) List(ctx context.Context, p *access.Principal, teamID string) ([]Reply, error) {
	if err := p.Can(authz.ReplyUse); err != nil {
		return nil, err
	}
	var rows []store.ReplyRow
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if teamID != "" {
			if err := mayManageTeam(ctx, tx, p, teamID); err != nil {
				return err
			}
		}
		rows, err = tx.Replies(ctx, p.User.OrgID, teamID, p.User.ID)
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]Reply, 0, len(rows))
	for _, r := range rows {
		rep, err := s.open(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, nil
}

// Rendered is a reply rendered for sending: Missing lists the placeholders
// left as written (no patient given, or no clinic phone set).
type Rendered struct {
	Text    string   `json:"text"`
	Missing []string `json:"missing"`
}

// Render renders reply id's body for p and, when patientID is not "", for
// that patient record (read, and audited, through the patients service).
func (s *Service) Render(ctx context.Context, p *access.Principal, id, patientID string) (Rendered, error) {
	if err := p.Can(authz.ReplyUse); err != nil {
		return Rendered{}, err
	}
	if err := validID(id, "saved reply"); err != nil {
		return Rendered{}, err
	}
	var (
		row store.ReplyRow
		org ward.Org
		pol ward.Policy
	)
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if row, err = tx.ReplyByID(ctx, p.User.OrgID, id); err != nil {
			return err
		}
		if err := mayUse(ctx, tx, p, row); err != nil {
			return err
		}
		if org, err = tx.OrgByID(ctx, p.User.OrgID); err != nil {
			return err
		}
		pol, err = tx.Policy(ctx, p.User.OrgID)
		return err
	}); err != nil {
		return Rendered{}, err
	}
	rep, err := s.open(ctx, row)
	if err != nil {
		return Rendered{}, err
	}
	values := map[string]string{ClinicName: org.Name, ClinicPhone: pol.ClinicPhone, StaffName: p.User.Name}
	if patientID != "" {
		if s.patients == nil {
			return Rendered{}, ward.Errorf(ward.CodeUnavailable, "patient records are not available")
		}
		rec, err := s.patients.Get(ctx, p, patientID)
		if err != nil {
			return Rendered{}, err
		}
		values[PatientFirstName], values[PatientLastName] = rec.Fields.GivenName, rec.Fields.FamilyName
	}
	text, missing := Render(rep.Body, values)
	if missing == nil {
		missing = []string{}
	}
	return Rendered{Text: text, Missing: missing}, nil
}
