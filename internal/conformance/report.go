package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/buildinfo"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// Title heads every report.
const Title = "HIPAA Security Rule conformance report"

// Report is the checks' results, grouped by section.
type Report struct {
	OrgID    string    `json:"org_id"`
	OrgName  string    `json:"org_name"`
	MadeAt   time.Time `json:"made_at"`
	Version  string    `json:"version"`
	Sections []Section `json:"sections"`
	Pass     int       `json:"pass"`
	Warn     int       `json:"warn"`
	Fail     int       `json:"fail"`
}

// Section is one standard and its checks.
type Section struct {
	Title string `json:"title"`
	Items []Item `json:"items"`
}

// Item is one check's result.
type Item struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Result
}

// Make gathers src's facts and runs reg's checks (Default when nil).
func Make(ctx context.Context, src Source, reg *Registry) (Report, error) {
	if reg == nil {
		reg = Default()
	}
	f, err := gather(ctx, src)
	if err != nil {
		return Report{}, err
	}
	r := Report{OrgID: f.OrgID, OrgName: f.Org.Name, MadeAt: f.Now, Version: buildinfo.Get().Version}
	index := map[string]int{}
	for _, c := range reg.Checks() {
		res := c.Run(ctx, f)
		switch res.Status {
		case Pass:
			r.Pass++
		case Warn:
			r.Warn++
		default:
			res.Status = Fail
			r.Fail++
		}
		i, ok := index[c.Section]
		if !ok {
			i = len(r.Sections)
			index[c.Section] = i
			r.Sections = append(r.Sections, Section{Title: c.Section})
		}
		r.Sections[i].Items = append(r.Sections[i].Items, Item{ID: c.ID, Title: c.Title, Result: res})
	}
	return r, nil
}

// Formats a report renders to.
const (
	FormatHTML = "html"
	FormatPDF  = "pdf"
)

// Render writes r as format (FormatHTML or FormatPDF). The PDF's page
// streams are left uncompressed: a few pages, and any tool (grep) finds
// the paragraphs it names in the file.
func (r *Report) Render(w io.Writer, format string) error {
	switch format {
	case FormatHTML:
		return r.HTML(w)
	case FormatPDF:
		return r.PDF(w, false)
	}
	return ward.Errorf(ward.CodeInvalid, "format must be html or pdf")
}

// Signed is a rendered report and its detached signature.
type Signed struct {
	Content   []byte
	Signature []byte // archive.SignDetached's JSON, kept beside the file as FILE.sig
}

// RenderSigned renders r as format and signs the bytes with the org's
// audit signing key (as archives are signed); name is the file's base
// name, recorded in the signature. The making of the report is audited
// (conformance.reported, actor the caller) before it is returned.
func (r *Report) RenderSigned(ctx context.Context, st *store.Store, keys *keyring.Keyring, actor audit.Actor, format, name string) (Signed, error) {
	var b bytes.Buffer
	if err := r.Render(&b, format); err != nil {
		return Signed{}, err
	}
	key, err := keys.AuditSigningKey(ctx)
	if err != nil {
		return Signed{}, err
	}
	defer clear(key)
	sig, err := archive.SignDetached(key, name, b.Bytes(), r.MadeAt)
	if err != nil {
		return Signed{}, err
	}
	if err := record(ctx, st, r, actor, format); err != nil {
		return Signed{}, err
	}
	return Signed{Content: b.Bytes(), Signature: sig}, nil
}

// Covers lists the 164.312 paragraphs r names (the PDF's text names each).
func (r *Report) Covers() []string {
	var out []string
	for _, s := range r.Sections {
		for _, it := range s.Items {
			if strings.HasPrefix(it.ID, "164.312") {
				out = append(out, it.ID)
			}
		}
	}
	return out
}

// Reporter makes reports of one deployment for any of its orgs (the API's
// console page).
type Reporter struct {
	Store      *store.Store
	Keyring    *keyring.Keyring
	Deployment Deployment
	Registry   *Registry        // nil: Default()
	Now        func() time.Time // nil: time.Now
	// Chain caches the audit chain's verification between reports (nil:
	// each report verifies the whole chain).
	Chain *ChainCache
}

// Make makes the report of org orgID.
func (rp *Reporter) Make(ctx context.Context, orgID string) (Report, error) {
	return Make(ctx, Source{Store: rp.Store, Keyring: rp.Keyring, OrgID: orgID, Deployment: rp.Deployment, Now: rp.Now, Chain: rp.Chain}, rp.Registry)
}

// Record audits that r was shown to actor as format (the JSON of the
// console page; RenderSigned records the files).
func (rp *Reporter) Record(ctx context.Context, r *Report, actor audit.Actor, format string) error {
	return record(ctx, rp.Store, r, actor, format)
}

func record(ctx context.Context, st *store.Store, r *Report, actor audit.Actor, format string) error {
	ev := audit.Event{OrgID: r.OrgID, Actor: actor, Action: audit.ConformanceReported, Outcome: audit.Success,
		ResourceType: "conformance_report", Reason: fmt.Sprintf("%s: %d pass, %d warn, %d fail", format, r.Pass, r.Warn, r.Fail)}
	return st.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, ev) })
}
