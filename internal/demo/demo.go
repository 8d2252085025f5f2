package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/holds"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/invitations"
	"github.com/wardhealth/ward/internal/oncall"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/teams"
)

// OrgName is the demo org's name; its slug is "demo-clinic".
const OrgName = "Demo Clinic"

// OrgSlug is the demo org's slug.
var OrgSlug = ward.Slugify(OrgName)

// Login is one demo account.
type Login struct {
	Name     string
	Email    string
	Role     ward.Role
	Password string
	About    string // what the person is for in the demo
}

// Password is every demo account's password. It is published (here and in
// the README): a demo org is for trying ward, never for patients' data.
const Password = "ward-demo-clinic-2026"

// Logins are the demo accounts, the owner (the clinic's administrator)
// first.
func Logins() []Login {
	l := func(name, email string, role ward.Role, about string) Login {
		return Login{Name: name, Email: email + "@demo-clinic.example", Role: role, Password: Password, About: about}
	}
	return []Login{
		l("Alex Morgan", "admin", ward.RoleOwner, "administrator: users, devices, policy"),
		l("Priya Shah, MD", "priya.shah", ward.RoleClinician, "cardiologist"),
		l("Sam Okafor, MD", "sam.okafor", ward.RoleClinician, "hospitalist, has an urgent message waiting"),
		l("Jordan Lee, RN", "jordan.lee", ward.RoleClinician, "charge nurse"),
		l("Riley Chen", "riley.chen", ward.RoleStaff, "front desk"),
		l("Casey Brooks", "compliance", ward.RoleCompliance, "compliance officer"),
	}
}

// Result says what Seed did.
type Result struct {
	Created  bool // false: the demo org was there already
	Logins   []Login
	Messages int // messages stored by this run (0 when everything was there)
}

type seeder struct {
	a          *app.App
	careTeams  *teams.Service
	onCall     *oncall.Service      // nil: no on-call role
	invs       *invitations.Service // nil: the demo patient gets no account
	st         *store.Store         // nil: no inbox history
	pats       *patients.Service    // nil: no patient records are seeded
	holds      *holds.Service       // nil: no compliance case
	compliance *compliance.Service  // nil: no compliance case
	incidents  *incidents.Service   // nil: no breach incident
	baas       *baa.Service         // nil: no BAA registry
	users      map[string]ward.User // by email
	pol        ward.Policy
	res        Result
}

// Services are what the demo is seeded through; Patients and Invitations
// may be nil (no records, no patient account).
type Services struct {
	App         *app.App
	Store       *store.Store // nil: no inbox response-time history
	Patients    *patients.Service
	Teams       *teams.Service
	Invitations *invitations.Service
	OnCall      *oncall.Service // nil: no on-call role
	// Holds and Compliance seed the compliance case (a legal hold and a
	// review); nil: none.
	Holds      *holds.Service
	Compliance *compliance.Service
	// Incidents and BAAs seed a breach incident and the BAA registry; nil:
	// none.
	Incidents *incidents.Service
	BAAs      *baa.Service
}

// Seed makes the demo clinic, or completes it if an earlier run stopped
// half-way. It never duplicates anything. With pats, it also seeds the
// demo patient records (obviously fake), assigned to Cardiology clinic,
// and a conversation about one of them.
func Seed(ctx context.Context, sv Services) (Result, error) {
	a := sv.App
	s := &seeder{a: a, pats: sv.Patients, careTeams: sv.Teams, onCall: sv.OnCall, holds: sv.Holds, compliance: sv.Compliance, incidents: sv.Incidents, baas: sv.BAAs, invs: sv.Invitations, st: sv.Store, users: map[string]ward.User{}, res: Result{Logins: Logins()}}
	logins := s.res.Logins
	owner := logins[0]
	_, _, _, err := a.CreateOrg(ctx, app.InitOrg{Name: OrgName, AdminEmail: owner.Email, AdminName: owner.Name,
		Password: owner.Password, MFARequired: false})
	switch {
	case err == nil:
		s.res.Created = true
	case ward.ErrorCode(err) == ward.CodeConflict:
	default:
		return s.res, fmt.Errorf("create the demo org: %w", err)
	}
	for _, l := range logins[1:] {
		_, err := a.AddUser(ctx, OrgSlug, app.NewUser{Email: l.Email, Name: l.Name, Role: l.Role, Password: l.Password})
		if err != nil && ward.ErrorCode(err) != ward.CodeConflict {
			return s.res, fmt.Errorf("add %s: %w", l.Email, err)
		}
	}
	sys, err := a.SystemPrincipal(ctx, OrgSlug)
	if err != nil {
		return s.res, err
	}
	if s.pol, err = a.Policy(ctx, sys); err != nil {
		return s.res, err
	}
	dir, err := a.Directory(ctx, sys)
	if err != nil {
		return s.res, err
	}
	for _, u := range dir {
		s.users[u.Email] = u
	}
	for _, l := range logins {
		if _, ok := s.users[l.Email]; !ok {
			return s.res, fmt.Errorf("demo user %s is missing after seeding", l.Email)
		}
	}
	if err := s.teams(ctx, sys); err != nil {
		return s.res, err
	}
	if err := s.onCallRole(ctx, sys); err != nil {
		return s.res, err
	}
	if err := s.inboxHistory(ctx, sys); err != nil {
		return s.res, err
	}
	if err := s.conversations(ctx); err != nil {
		return s.res, err
	}
	if err := s.patients(ctx); err != nil {
		return s.res, err
	}
	if err := s.complianceCase(ctx); err != nil {
		return s.res, err
	}
	return s.res, s.breachCase(ctx)
}

// Patients are the demo patient records: fake people, with MRNs that say so.
var Patients = []patients.Fields{
	{MRN: "DEMO-0001", GivenName: "Ada", FamilyName: "Example", BirthDate: "1954-03-14", Sex: "female",
		Phone: "+1 555 0101", Email: "ada.example@demo-clinic.example", PreferredLanguage: "en"},
	{MRN: "DEMO-0002", GivenName: "Ben", FamilyName: "Sample", BirthDate: "1968-11-02", Sex: "male", PreferredLanguage: "es"},
}

// patients makes the demo records (found again by MRN on a re-run),
// assigns them to Cardiology clinic, and starts one conversation about the
// first.
func (s *seeder) patients(ctx context.Context) error {
	if s.pats == nil {
		return nil
	}
	nurse := s.as("jordan.lee") // in Cardiology clinic: may assign to it
	sys, err := s.a.SystemPrincipal(ctx, OrgSlug)
	if err != nil {
		return err
	}
	teams, err := s.careTeams.Teams(ctx, sys)
	if err != nil {
		return err
	}
	var cardio string
	for _, t := range teams {
		if t.Name == Teams[0].Name {
			cardio = t.ID
		}
	}
	var first string
	var ada patients.Record
	for i, f := range Patients {
		rec, err := s.pats.Create(ctx, nurse, f)
		if ward.ErrorCode(err) == ward.CodeConflict {
			var found []patients.Record
			if found, err = s.pats.FindByMRN(ctx, nurse, f.MRN); err == nil && len(found) != 1 {
				err = fmt.Errorf("%d records with the MRN", len(found))
			}
			if err == nil {
				rec = found[0]
			}
		}
		if err != nil {
			return fmt.Errorf("demo patient %s: %w", f.MRN, err)
		}
		if err := s.pats.AssignToTeam(ctx, nurse, cardio, rec.ID); err != nil {
			return fmt.Errorf("assign demo patient %s: %w", f.MRN, err)
		}
		if i == 0 {
			first, ada = rec.ID, rec
		}
	}
	if err := s.patientAccount(ctx, nurse, ada); err != nil {
		return err
	}
	return s.thread(ctx, "priya.shah", app.NewConversation{Kind: ward.Group, Title: "Echo follow-up", PatientID: first},
		[]string{"jordan.lee"}, "patient", []line{
			{"priya.shah", "Ms. Example's echo shows EF 45%, down from 55%. Please book her in clinic within two weeks.", false},
			{"jordan.lee", "Booked for next Tuesday 10:00, and she has the fasting instructions.", false},
		}, false)
}

// PatientLogin is the demo patient's account (the portal): the first demo
// record's patient, who accepted an invitation.
func PatientLogin() Login {
	return Login{Name: Patients[0].GivenName + " " + Patients[0].FamilyName, Email: Patients[0].Email, Role: ward.RolePatient,
		Password: Password, About: "a demo patient (the patient portal; care team: " + Teams[0].Name + ")"}
}

// patientAccount gives the first demo record its patient account, as an
// invitation by link accepted at once would (once: a record that has one
// is left as it is), and adds its login to the printed ones.
func (s *seeder) patientAccount(ctx context.Context, nurse *app.Principal, rec patients.Record) error {
	login := PatientLogin()
	s.res.Logins = append(s.res.Logins, login)
	if rec.HasAccount || s.invs == nil {
		return nil
	}
	_, link, err := s.invs.Invite(ctx, nurse, rec.ID, invitations.ChannelLink, "https://demo.invalid")
	if err != nil {
		return fmt.Errorf("invite the demo patient: %w", err)
	}
	_, err = s.invs.Accept(ctx, invitations.AcceptRequest{Token: link[strings.LastIndex(link, "/")+1:],
		Password: login.Password, DeviceID: "demo-seed-device", DeviceName: "demo seeding", IP: "127.0.0.1"})
	if err != nil {
		return fmt.Errorf("the demo patient's account: %w", err)
	}
	return nil
}

// Teams are the demo care teams and the local parts of their members' emails.
var Teams = []struct {
	Name    string
	Members []string
}{
	{"Cardiology clinic", []string{"priya.shah", "jordan.lee"}},
	{"Front desk", []string{"riley.chen"}},
}

// teams makes the demo care teams, or completes them.
func (s *seeder) teams(ctx context.Context, sys *app.Principal) error {
	have, err := s.careTeams.Teams(ctx, sys)
	if err != nil {
		return err
	}
	for _, dt := range Teams {
		var t ward.Team
		for _, h := range have {
			if h.Name == dt.Name {
				t = h
			}
		}
		if t.ID == "" {
			if t, err = s.careTeams.Create(ctx, sys, dt.Name); err != nil {
				return fmt.Errorf("create team %s: %w", dt.Name, err)
			}
		}
		for _, m := range dt.Members {
			if _, err := s.careTeams.AddMember(ctx, sys, t.ID, s.users[m+"@demo-clinic.example"].ID); err != nil {
				return fmt.Errorf("add %s to %s: %w", m, dt.Name, err)
			}
		}
	}
	return nil
}

// inboxHistory gives the demo care teams two weeks of made-up team inbox
// response times (first responses of minutes, resolutions of hours), so
// that the admin dashboard's chart shows something: events only, with no
// conversation behind them. Once: an org that has any is left as it is.
func (s *seeder) inboxHistory(ctx context.Context, sys *app.Principal) error {
	if s.st == nil {
		return nil
	}
	teams, err := s.careTeams.Teams(ctx, sys)
	if err != nil {
		return err
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var events []store.InboxEvent
	for ti, t := range teams {
		for i := range 14 {
			day := today.AddDate(0, 0, -i)
			n := 2 + (i*7+ti*3)%4
			for k := range n {
				end := day.Add(9*time.Hour + time.Duration(k)*47*time.Minute)
				wait := time.Duration(4+(i*13+k*17+ti*11)%40) * time.Minute
				events = append(events, store.InboxEvent{OrgID: sys.User.OrgID, TeamID: t.ID, Kind: store.InboxFirstResponse,
					StartedAt: end.Add(-wait), EndedAt: end})
				if k > 0 {
					open := time.Duration(60+(i*37+k*53+ti*29)%420) * time.Minute
					end = end.Add(30 * time.Minute)
					events = append(events, store.InboxEvent{OrgID: sys.User.OrgID, TeamID: t.ID, Kind: store.InboxResolution,
						StartedAt: end.Add(-open), EndedAt: end})
				}
			}
		}
	}
	return s.st.Write(ctx, func(tx *store.Tx) error {
		if has, err := tx.HasInboxEvents(ctx, sys.User.OrgID); err != nil || has {
			return err
		}
		return tx.InsertInboxEvents(ctx, events)
	})
}

// as is a caller acting as one demo user. It is marked System: the seeding
// command runs on the host, and the audit trail says so.
func (s *seeder) as(email string) *app.Principal {
	return &app.Principal{User: s.users[email+"@demo-clinic.example"], Policy: s.pol, System: true}
}

type line struct {
	from   string // email local part
	body   string
	urgent bool
}

func (s *seeder) conversations(ctx context.Context) error {
	// Priya and Jordan, direct: a handover, read.
	if err := s.thread(ctx, "priya.shah", app.NewConversation{Kind: ward.Direct}, []string{"jordan.lee"}, "handover", []line{
		{"jordan.lee", "Morning Dr. Shah. Bed 12 (Mr. D.) had two runs of NSVT overnight, longest 9 beats. Asymptomatic, K 3.6.", false},
		{"priya.shah", "Thanks Jordan. Replace K to 4.0 and Mg to 2.0, keep him on tele. I'll see him after rounds.", false},
		{"jordan.lee", "Will do. Family asks if discharge is still planned for tomorrow.", false},
		{"priya.shah", "Likely, if tele stays quiet. I'll talk to them at 11.", false},
	}, true); err != nil {
		return err
	}
	// The on-call group.
	if err := s.thread(ctx, "priya.shah", app.NewConversation{Kind: ward.Group, Title: "Cardiology on call"},
		[]string{"sam.okafor", "jordan.lee"}, "oncall", []line{
			{"priya.shah", "Handing over cardiology on call to Sam from 18:00. Two pending echoes: beds 7 and 15.", false},
			{"sam.okafor", "Got it. Anything to watch on 15?", false},
			{"priya.shah", "New AF, rate controlled on metoprolol. Anticoagulation discussion pending with the family.", false},
			{"jordan.lee", "Bed 7 echo is booked for 16:30.", false},
		}, false); err != nil {
		return err
	}
	// Urgent and unacknowledged: Sam sees it at the top of his list.
	if err := s.thread(ctx, "jordan.lee", app.NewConversation{Kind: ward.Direct}, []string{"sam.okafor"}, "urgent", []line{
		{"jordan.lee", "Sam, bed 4 family meeting moved to 15:00, can you make it?", false},
		{"sam.okafor", "Yes, I'll be there.", false},
		{"jordan.lee", "URGENT: bed 4 BP 82/50, HR 124, new confusion. Please come now.", true},
	}, false); err != nil {
		return err
	}
	// Front desk to the nurse: unread.
	return s.thread(ctx, "riley.chen", app.NewConversation{Kind: ward.Direct}, []string{"jordan.lee"}, "desk", []line{
		{"riley.chen", "The 14:30 cardiology clinic patient is here early. Room 3 is free if you want to start vitals.", false},
	}, false)
}

// thread finds or starts a conversation and sends its lines once each
// (fixed client ids make a re-run send nothing new). With readAll, every
// member reads everything.
func (s *seeder) thread(ctx context.Context, creator string, nc app.NewConversation, others []string, key string, lines []line, readAll bool) error {
	cp := s.as(creator)
	for _, o := range others {
		nc.Members = append(nc.Members, s.as(o).User.ID)
	}
	var conv ward.Conversation
	if nc.Kind == ward.Group {
		// A group is not unique by its members: find it by title.
		list, err := s.a.ListConversations(ctx, cp)
		if err != nil {
			return err
		}
		for _, c := range list {
			if c.Kind == ward.Group && c.Title == nc.Title {
				conv = c.Conversation
			}
		}
	}
	if conv.ID == "" {
		c, _, err := s.a.CreateConversation(ctx, cp, nc)
		if err != nil {
			return fmt.Errorf("demo conversation %s: %w", key, err)
		}
		conv = c
	}
	for i, l := range lines {
		req := app.SendRequest{ClientID: fmt.Sprintf("demo-%s-%d", key, i+1), Body: l.body, Priority: ward.Normal}
		if l.urgent {
			req.Priority = ward.Urgent
		}
		m, created, err := s.a.SendMessage(ctx, s.as(l.from), conv.ID, req)
		if err != nil {
			return fmt.Errorf("demo message %s-%d: %w", key, i+1, err)
		}
		if created {
			s.res.Messages++
		}
		// The others received and read each line before the next was
		// written; the last line waits for them unless readAll.
		if i == len(lines)-1 && !readAll {
			continue
		}
		for _, who := range append([]string{creator}, others...) {
			if who == l.from {
				continue
			}
			if _, err := s.a.Receipts().Mark(ctx, s.as(who), conv.ID, m.Seq, ward.Read); err != nil {
				return fmt.Errorf("demo receipts %s-%d: %w", key, i+1, err)
			}
		}
	}
	return nil
}

// OnCallRole is the demo on-call role: two cardiologists, handed over
// weekly on Monday at 08:00 New York time.
var OnCallRole = struct {
	Name   string
	People []string
}{"Cardiology on call", []string{"priya.shah", "sam.okafor"}}

// onCallRole makes the demo on-call role unless it is there.
func (s *seeder) onCallRole(ctx context.Context, sys *app.Principal) error {
	if s.onCall == nil {
		return nil
	}
	have, err := s.onCall.Roles(ctx, sys)
	if err != nil {
		return err
	}
	for _, r := range have {
		if r.Name == OnCallRole.Name {
			return nil
		}
	}
	var people []string
	for _, m := range OnCallRole.People {
		people = append(people, s.users[m+"@demo-clinic.example"].ID)
	}
	r, err := s.onCall.Create(ctx, sys, OnCallRole.Name, ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationWeekly,
		HandOver: "08:00", TimeZone: "America/New_York", Start: "2026-01-05", People: people}}) // a Monday
	if err != nil {
		return fmt.Errorf("create the on-call role: %w", err)
	}
	// The escalation chain: the charge nurse, then the cardiologist as the lead.
	_, err = s.onCall.SetChain(ctx, sys, r.ID, ward.EscalationChain{SecondaryID: s.users["jordan.lee@demo-clinic.example"].ID,
		LeadID: s.users["priya.shah@demo-clinic.example"].ID})
	if err != nil {
		return fmt.Errorf("set the on-call role's chain: %w", err)
	}
	return nil
}
