package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// Exporter writes compliance archives of one ward's data.
type Exporter struct {
	Store *store.Store
	Keys  *keyring.Keyring
	Blobs blob.Store       // the attachments' sealed content
	Now   func() time.Time // nil: time.Now
}

// Request is one export.
type Request struct {
	OrgID     string
	Selection Selection // From and To are required; at most one of the ids is usual, several narrow it
	Key       Key
	Actor     audit.Actor // who exports, for the audit trail
	Note      string      // how, for the audit trail ("ward archive export by OS user x"); no PHI
	Progress  func(Progress)
}

// Progress is how far an export is: messages and attachment bytes done of
// the totals counted before it began.
type Progress struct {
	Messages, TotalMessages int
	Bytes, TotalBytes       int64 // attachment bytes
	Plain                   int64 // entry bytes written so far
}

// messageWeight is what one message counts for, in attachment bytes, in
// Fraction: about its JSON line and transcript entry.
const messageWeight = 1024

// Fraction is the share done, 0 to 1.
func (p Progress) Fraction() float64 {
	total := float64(p.TotalMessages)*messageWeight + float64(p.TotalBytes)
	if total == 0 {
		return 1
	}
	return (float64(p.Messages)*messageWeight + float64(p.Bytes)) / total
}

// Plan is what a selection holds, counted before the export.
type Plan struct {
	Conversations   []string // ids of the conversations with messages in the range
	Messages        int
	Attachments     int
	AttachmentBytes int64
}

// ErrNothing is the answer to a selection with no messages in its range.
func errNothing() error {
	return ward.Errorf(ward.CodeNotFound, "nothing to export: no messages match the selection in that date range")
}

// Plan counts what req selects; a selection with no messages is
// CodeNotFound.
func (x *Exporter) Plan(ctx context.Context, req *Request) (Plan, error) {
	sel := req.Selection
	if !sel.From.Before(sel.To) {
		return Plan{}, ward.Errorf(ward.CodeInvalid, "the range is empty: --from must be before --to")
	}
	patients := sel.PatientIDs
	if sel.PatientID != "" {
		patients = []string{sel.PatientID}
	}
	var p Plan
	err := x.Store.Read(ctx, func(tx *store.Tx) error {
		var ids []string
		if len(patients) == 0 {
			var err error
			if ids, err = tx.ArchiveConversationIDs(ctx, req.OrgID, sel.ConversationID, "", sel.UserID); err != nil {
				return err
			}
		}
		for _, pid := range patients {
			got, err := tx.ArchiveConversationIDs(ctx, req.OrgID, sel.ConversationID, pid, sel.UserID)
			if err != nil {
				return err
			}
			ids = append(ids, got...)
		}
		for _, id := range ids {
			m, a, b, err := tx.ArchiveTotals(ctx, id, sel.From, sel.To)
			if err != nil {
				return err
			}
			if m == 0 {
				continue
			}
			p.Conversations = append(p.Conversations, id)
			p.Messages, p.Attachments, p.AttachmentBytes = p.Messages+m, p.Attachments+a, p.AttachmentBytes+b
		}
		return nil
	})
	if err == nil && p.Messages == 0 {
		err = errNothing()
	}
	return p, err
}

// conversationLine is a conversation in conversations-NNNN.jsonl.
type conversationLine struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Title     string   `json:"title,omitempty"`
	Topic     string   `json:"topic,omitempty"`
	PatientID string   `json:"patient_id,omitempty"`
	CreatedBy string   `json:"created_by"`
	CreatedAt string   `json:"created_at"`
	Members   []string `json:"members"`
}

// messageLine is a message in messages-NNNN.jsonl.
type messageLine struct {
	ConversationID string           `json:"conversation_id"`
	Seq            int64            `json:"seq"`
	ID             string           `json:"id"`
	SenderID       string           `json:"sender_id"`
	SenderName     string           `json:"sender_name,omitempty"` // staff only: patients' names stay sealed
	Kind           string           `json:"kind,omitempty"`
	Priority       string           `json:"priority"`
	CreatedAt      time.Time        `json:"created_at"`
	RecalledAt     *time.Time       `json:"recalled_at,omitempty"`
	PurgedAt       *time.Time       `json:"purged_at,omitempty"`
	Body           string           `json:"body"`
	Attachments    []attachmentLine `json:"attachments,omitempty"`
}

type attachmentLine struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Entry       string `json:"entry"` // its entry in the archive
}

// Export writes the archive of req to dst: the plan is counted first (an
// empty selection writes nothing and is CodeNotFound), every conversation
// is audited as read (conversation.read, the reason naming the export),
// the archive is written and signed with the org's audit signing key, and
// archive.exported records the selection and the counts (ids only).
func (x *Exporter) Export(ctx context.Context, req *Request, dst io.Writer) (Manifest, error) {
	now := time.Now
	if x.Now != nil {
		now = x.Now
	}
	plan, err := x.Plan(ctx, req)
	if err != nil {
		return Manifest{}, err
	}
	rcpt, err := req.Key.recipient()
	if err != nil {
		return Manifest{}, ward.Wrap(ward.CodeInvalid, err, err.Error())
	}
	key, err := x.Keys.AuditSigningKey(ctx)
	if err != nil {
		return Manifest{}, err
	}
	defer clear(key)
	m := Manifest{ID: uuid.NewString(), CreatedAt: now().UTC(), OrgID: req.OrgID, Selection: req.Selection}
	if err := x.auditReads(ctx, req, &m, plan); err != nil {
		return Manifest{}, err
	}
	w, err := NewWriter(dst, rcpt, m.CreatedAt)
	if err != nil {
		return Manifest{}, err
	}
	run := &exportRun{x: x, req: req, w: w, m: &m, names: map[string]string{},
		prog: Progress{TotalMessages: plan.Messages, TotalBytes: plan.AttachmentBytes}}
	run.convs = newParts(w, "conversations", "jsonl")
	run.msgs = newParts(w, "messages", "jsonl")
	run.html = newParts(w, "transcript", "html")
	run.html.head, run.html.foot = transcriptHead, transcriptFoot
	run.audit = newParts(w, "audit", "jsonl")
	for _, id := range plan.Conversations {
		if err := run.conversation(ctx, id); err != nil {
			return Manifest{}, err
		}
	}
	for _, p := range []*parts{run.convs, run.msgs, run.html, run.audit} {
		if err := p.flush(); err != nil {
			return Manifest{}, err
		}
	}
	if err := w.Close(&m, key); err != nil {
		return Manifest{}, err
	}
	run.report()
	c := m.Counts
	sel := m.Selection
	ev := audit.Event{OrgID: req.OrgID, Actor: req.Actor, Action: audit.ArchiveExported, Outcome: audit.Success,
		ResourceType: "archive", ResourceID: m.ID, PatientID: sel.PatientID,
		Reason: fmt.Sprintf("%s: %d conversations, %d messages, %d attachments (%d bytes), %d audit events; selection%s from %s to %s",
			req.Note, c.Conversations, c.Messages, c.Attachments, c.AttachmentBytes, c.AuditEvents, sel.Note(),
			sel.From.UTC().Format(time.RFC3339), sel.To.UTC().Format(time.RFC3339))}
	return m, x.Store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, ev) })
}

// auditReads records each conversation of the plan as read for export m:
// the archive discloses their content.
func (x *Exporter) auditReads(ctx context.Context, req *Request, m *Manifest, plan Plan) error {
	return x.Store.Write(ctx, func(tx *store.Tx) error {
		events := make([]audit.Event, 0, len(plan.Conversations))
		for _, id := range plan.Conversations {
			c, err := tx.ConversationByID(ctx, req.OrgID, id)
			if err != nil {
				return err
			}
			events = append(events, audit.Event{OrgID: req.OrgID, Actor: req.Actor, Action: audit.ConversationRead,
				Outcome: audit.Success, ResourceType: "conversation", ResourceID: id, PatientID: c.PatientID,
				Reason: "compliance archive export " + m.ID})
		}
		return audit.Append(ctx, tx, events...)
	})
}

// Note names a selection's ids for the audit trail.
func (s Selection) Note() string {
	var b strings.Builder
	if s.ConversationID != "" {
		b.WriteString(" conversation " + s.ConversationID)
	}
	if s.PatientID != "" {
		b.WriteString(" patient " + s.PatientID)
	} else if len(s.PatientIDs) > 0 {
		b.WriteString(" patients " + strings.Join(s.PatientIDs, ","))
	}
	if s.UserID != "" {
		b.WriteString(" user " + s.UserID)
	}
	return b.String()
}

// exportRun is one export under way.
type exportRun struct {
	x                        *Exporter
	req                      *Request
	w                        *Writer
	m                        *Manifest
	convs, msgs, html, audit *parts
	names                    map[string]string // user id → staff name ("" for patients and guests)
	prog                     Progress
	lastReport               time.Time
}

// page is how many messages are read at a time.
const page = 500

func (r *exportRun) conversation(ctx context.Context, id string) error {
	x, org := r.x, r.req.OrgID
	sel := r.req.Selection
	var row store.Conversation
	err := x.Store.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.ConversationByID(ctx, org, id)
		return err
	})
	if err != nil {
		return err
	}
	c := conversationLine{ID: id, Kind: string(row.Kind), PatientID: row.PatientID, CreatedBy: row.CreatedBy,
		CreatedAt: row.CreatedAt.UTC().Format(time.RFC3339Nano)}
	for _, mem := range row.Members {
		c.Members = append(c.Members, mem.UserID)
	}
	if c.Title, err = r.open(ctx, org, id, id, "title", row.TitleSealed); err != nil {
		return err
	}
	if c.Topic, err = r.open(ctx, org, id, id, "topic", row.TopicSealed); err != nil {
		return err
	}
	if err := r.jsonLine(r.convs, c); err != nil {
		return err
	}
	if err := r.html.line(conversationHTML(c)); err != nil {
		return err
	}
	r.m.Counts.Conversations++
	var after int64
	for {
		var msgs []store.Message
		var atts map[string][]store.Attachment
		err := x.Store.Read(ctx, func(tx *store.Tx) error {
			var err error
			if msgs, err = tx.ArchiveMessages(ctx, id, sel.From, sel.To, after, page); err != nil {
				return err
			}
			ids := make([]string, len(msgs))
			for i := range msgs {
				ids[i] = msgs[i].ID
			}
			if atts, err = tx.MessageAttachments(ctx, ids); err != nil {
				return err
			}
			return r.learnNames(ctx, tx, msgs)
		})
		if err != nil {
			return err
		}
		for i := range msgs {
			if err := r.message(ctx, &msgs[i], atts[msgs[i].ID]); err != nil {
				return err
			}
		}
		if len(msgs) < page {
			break
		}
		after = msgs[len(msgs)-1].Seq
	}
	return x.Store.Read(ctx, func(tx *store.Tx) error {
		return tx.ArchiveAuditRows(ctx, org, id, sel.From, sel.To, func(a *store.AuditRow) error {
			b, err := audit.RowJSON(a)
			if err != nil {
				return err
			}
			r.m.Counts.AuditEvents++
			return r.audit.line(b)
		})
	})
}

// learnNames notes the names of the staff who sent msgs.
func (r *exportRun) learnNames(ctx context.Context, tx *store.Tx, msgs []store.Message) error {
	for i := range msgs {
		id := msgs[i].SenderID
		if _, ok := r.names[id]; ok || msgs[i].Kind != "" {
			continue
		}
		u, err := tx.UserByID(ctx, r.req.OrgID, id)
		if ward.ErrorCode(err) == ward.CodeNotFound {
			r.names[id] = ""
			continue
		}
		if err != nil {
			return err
		}
		if u.Role.External() {
			u.Name = "" // a patient's or guest's name is sealed
		}
		r.names[id] = u.Name
	}
	return nil
}

func (r *exportRun) message(ctx context.Context, m *store.Message, atts []store.Attachment) error {
	org, conv := r.req.OrgID, m.ConversationID
	line := messageLine{ConversationID: conv, Seq: m.Seq, ID: m.ID, SenderID: m.SenderID, SenderName: r.names[m.SenderID],
		Kind: m.Kind, Priority: string(m.Priority), CreatedAt: m.CreatedAt.UTC()}
	if !m.RecalledAt.IsZero() {
		t := m.RecalledAt.UTC()
		line.RecalledAt = &t
	}
	if !m.PurgedAt.IsZero() {
		t := m.PurgedAt.UTC()
		line.PurgedAt = &t
	}
	var err error
	if line.Body, err = r.open(ctx, org, conv, m.ID, "body", m.BodySealed); err != nil {
		return err
	}
	for _, a := range atts {
		name, err := r.open(ctx, org, conv, a.ID, "attachment_name", a.NameSealed)
		if err != nil {
			return err
		}
		al := attachmentLine{ID: a.ID, Name: name, ContentType: a.ContentType, Size: a.Size,
			Entry: "attachments/" + a.ID + "/" + entryName(name)}
		if err := r.attachment(ctx, a, al.Entry); err != nil {
			return err
		}
		line.Attachments = append(line.Attachments, al)
	}
	if err := r.jsonLine(r.msgs, line); err != nil {
		return err
	}
	if err := r.html.line(messageHTML(&line)); err != nil {
		return err
	}
	r.m.Counts.Messages++
	r.prog.Messages++
	r.maybeReport()
	return nil
}

// attachment streams an attachment's content from the blob store,
// unsealed chunk by chunk, into the entry name.
func (r *exportRun) attachment(ctx context.Context, a store.Attachment, name string) error {
	if a.BlobKey == "" {
		return nil
	}
	rc, err := r.x.Blobs.Open(ctx, a.BlobKey)
	if err != nil {
		return fmt.Errorf("attachment %s: %w", a.ID, err)
	}
	defer rc.Close()
	ref := keyring.Ref{Org: a.OrgID, Scope: convScope(a.ConversationID), Record: a.ID, Field: "attachment"}
	plain, err := r.x.Keys.NewDecryptReader(ctx, ref, rc)
	if err != nil {
		return fmt.Errorf("attachment %s: %w", a.ID, err)
	}
	if err := r.w.Add(name, a.Size, &countingReader{r: plain, run: r}); err != nil {
		return err
	}
	r.m.Counts.Attachments++
	r.m.Counts.AttachmentBytes += a.Size
	return nil
}

// countingReader reports attachment bytes as they pass.
type countingReader struct {
	r   io.Reader
	run *exportRun
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.run.prog.Bytes += int64(n)
	c.run.maybeReport()
	return n, err
}

func (r *exportRun) maybeReport() {
	if r.req.Progress == nil || time.Since(r.lastReport) < 200*time.Millisecond {
		return
	}
	r.report()
}

func (r *exportRun) report() {
	if r.req.Progress == nil {
		return
	}
	r.lastReport = time.Now()
	r.prog.Plain = r.w.Plain
	r.req.Progress(r.prog)
}

// convScope is a conversation's keyring scope, as internal/app seals its
// title, messages and attachments under it.
func convScope(id string) string { return "conv:" + id }

// open unseals a conversation's field ("" when there is none, as after a
// recall or a purge).
func (r *exportRun) open(ctx context.Context, org, conv, record, field string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	pt, err := r.x.Keys.Open(ctx, keyring.Ref{Org: org, Scope: convScope(conv), Record: record, Field: field}, sealed)
	if err != nil {
		return "", fmt.Errorf("open %s of %s: %w", field, record, err)
	}
	return string(pt), nil
}

func (r *exportRun) jsonLine(p *parts, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return p.line(b)
}

// entryName makes a file name safe as the last part of an entry name.
func entryName(name string) string {
	name = strings.Map(func(c rune) rune {
		if c == '/' || c == '\\' || c < 0x20 {
			return '_'
		}
		return c
	}, name)
	name = strings.TrimLeft(name, ".")
	if name == "" {
		return "file"
	}
	return name
}
