package httpapi

import (
	"encoding/base64"
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/conformance"
)

// conformanceRoutes serve the conformance report (docs/compliance.md): the
// owner, admins and compliance; it holds settings and counts, no PHI.
func (h *Handler) conformanceRoutes() {
	h.route("GET /api/v1/compliance/report", authz.ConformanceRead, h.conformanceReport)
}

// SignatureHeader carries a downloaded report's detached signature
// (base64 of the JSON 'ward compliance report verify' reads as FILE.sig).
const SignatureHeader = "Ward-Signature"

func (h *Handler) conformanceReport(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	if h.reports == nil {
		return ward.Errorf(ward.CodeUnavailable, "the conformance report is not available")
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", conformance.FormatHTML, conformance.FormatPDF:
	default:
		return ward.Errorf(ward.CodeInvalid, "format must be json, html or pdf")
	}
	rep, err := h.reports.Make(r.Context(), p.User.OrgID)
	if err != nil {
		return err
	}
	if format == "" || format == "json" {
		if err := h.reports.Record(r.Context(), &rep, p.Actor(), "json"); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	name := "conformance-" + rep.MadeAt.Format("2006-01-02") + "." + format
	s, err := rep.RenderSigned(r.Context(), h.reports.Store, h.reports.Keyring, p.Actor(), format, name)
	if err != nil {
		return err
	}
	typ := "application/pdf"
	if format == conformance.FormatHTML {
		typ = "text/html; charset=utf-8"
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	}
	w.Header().Set(SignatureHeader, base64.StdEncoding.EncodeToString(s.Signature))
	writeFile(w, typ, name, s.Content)
	return nil
}
