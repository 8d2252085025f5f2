package replies

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Hours is a team's after-hours settings: its Schedule and the AutoReply
// text a patient who writes after hours gets ("": none). Set is false for
// a team whose hours were never set.
type Hours struct {
	Schedule
	AutoReply string    `json:"auto_reply"`
	Set       bool      `json:"set"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

func (s *Service) openHours(ctx context.Context, r store.TeamHoursRow) (Hours, error) {
	h := Hours{Set: true, UpdatedAt: time.UnixMicro(r.UpdatedAt).UTC()}
	if err := json.Unmarshal([]byte(r.Schedule), &h.Schedule); err != nil {
		return Hours{}, ward.Wrap(ward.CodeIntegrity, err, "a team's hours do not decode")
	}
	if r.AutoReply != nil {
		plain, err := s.keys.Open(ctx, replyRef(r.OrgID, r.TeamID, "auto_reply"), r.AutoReply)
		if err != nil {
			return Hours{}, err
		}
		h.AutoReply = string(plain)
		clear(plain)
	}
	return h, nil
}

// TeamHours reads a team's hours; p must be in the workforce (team.list).
func (s *Service) TeamHours(ctx context.Context, p *access.Principal, teamID string) (Hours, error) {
	if err := p.Can(authz.TeamList); err != nil {
		return Hours{}, err
	}
	if err := validID(teamID, "team"); err != nil {
		return Hours{}, err
	}
	var row store.TeamHoursRow
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if _, err := tx.TeamByID(ctx, p.User.OrgID, teamID); err != nil {
			return err
		}
		row, err = tx.TeamHours(ctx, p.User.OrgID, teamID)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound && row.TeamID != "" {
		return Hours{Schedule: Schedule{Open: []Window{}, Holidays: []string{}}}, nil
	}
	if err != nil {
		return Hours{}, err
	}
	return s.openHours(ctx, row)
}

// SetTeamHours sets a team's hours; p must be a member of the team or an
// owner or admin. The auto-reply may use only {clinic.name} and
// {clinic.phone}: it is sent by no one and reads no record.
func (s *Service) SetTeamHours(ctx context.Context, p *access.Principal, teamID string, h Hours) (Hours, error) {
	if err := p.Can(authz.TeamHoursManage); err != nil {
		return Hours{}, err
	}
	if err := validID(teamID, "team"); err != nil {
		return Hours{}, err
	}
	if err := h.Schedule.Validate(); err != nil {
		return Hours{}, err
	}
	h.AutoReply = strings.TrimSpace(h.AutoReply)
	if utf8.RuneCountInString(h.AutoReply) > maxBody || !utf8.ValidString(h.AutoReply) {
		return Hours{}, ward.Errorf(ward.CodeInvalid, "auto_reply must be at most %d characters", maxBody)
	}
	if err := checkTemplate("auto_reply", h.AutoReply, autoReplyPlaceholders); err != nil {
		return Hours{}, err
	}
	if h.Open == nil {
		h.Open = []Window{}
	}
	if h.Holidays == nil {
		h.Holidays = []string{}
	}
	sched, err := json.Marshal(h.Schedule)
	if err != nil {
		return Hours{}, err
	}
	row := store.TeamHoursRow{TeamID: teamID, OrgID: p.User.OrgID, Schedule: string(sched)}
	if h.AutoReply != "" {
		if row.AutoReply, err = s.keys.Seal(ctx, replyRef(row.OrgID, teamID, "auto_reply"), []byte(h.AutoReply)); err != nil {
			return Hours{}, err
		}
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := mayManageTeam(ctx, tx, p, teamID); err != nil {
			return err
		}
		if err := tx.PutTeamHours(ctx, row); err != nil {
			return err
		}
		row.UpdatedAt = tx.Now.UnixMicro()
		return audit.Append(ctx, tx, p.Event(audit.TeamHoursUpdated, "team", teamID))
	})
	if err != nil {
		return Hours{}, err
	}
	return s.openHours(ctx, row)
}

// TeamAutoReply is the hook a team inbox calls when a patient writes to
// team teamID of org orgID at time t: ok is true, with the text to send
// (its {clinic.name} and {clinic.phone} filled in), when the team has hours
// and an auto-reply set and t is after hours. It reads no patient record
// and audits nothing: the caller audits the message it sends.
func (s *Service) TeamAutoReply(ctx context.Context, orgID, teamID string, t time.Time) (text string, ok bool, err error) {
	var (
		row store.TeamHoursRow
		org ward.Org
		pol ward.Policy
	)
	err = s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if row, err = tx.TeamHours(ctx, orgID, teamID); err != nil {
			return err
		}
		if org, err = tx.OrgByID(ctx, orgID); err != nil {
			return err
		}
		pol, err = tx.Policy(ctx, orgID)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return "", false, nil
	}
	if err != nil || row.AutoReply == nil {
		return "", false, err
	}
	h, err := s.openHours(ctx, row)
	if err != nil || h.AutoReply == "" || !AfterHours(h.Schedule, t) {
		return "", false, err
	}
	text, _ = Render(h.AutoReply, map[string]string{ClinicName: org.Name, ClinicPhone: pol.ClinicPhone})
	return text, true, nil
}
