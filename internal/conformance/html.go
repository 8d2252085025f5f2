package conformance

import (
	"html/template"
	"io"
)

// page is the HTML report: one static file, inline CSS, no script, so it
// opens offline and in a mail client's viewer.
var page = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{{.Title}}: {{.R.OrgName}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#1b1f24;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%}td,th{padding:.35em .5em;vertical-align:top;text-align:left;border-bottom:1px solid #e3e6ea}
th{font-size:.85em;color:#555}.id{white-space:nowrap;font-family:ui-monospace,monospace;font-size:.9em}
.st{font-weight:700;text-transform:uppercase;white-space:nowrap;border-radius:3px;padding:.1em .4em}
.pass{background:#d7f5dd;color:#0a5d1c}.warn{background:#fff1c2;color:#7a5200}.fail{background:#ffd9d6;color:#9b1008}
.sum span{margin-right:1em}.meta{color:#555}
</style></head><body>
<h1>{{.Title}}</h1>
<p class="meta">{{.R.OrgName}} · made {{.R.MadeAt.Format "2006-01-02 15:04 UTC"}} by ward {{.R.Version}} · 45 CFR 164.312 (a) to (e), 164.308, 164.316</p>
<p class="sum"><span class="st pass">{{.R.Pass}} pass</span><span class="st warn">{{.R.Warn}} warn</span><span class="st fail">{{.R.Fail}} fail</span></p>
{{range .R.Sections}}<h2>{{.Title}}</h2>
<table><tr><th>§</th><th>safeguard</th><th>status</th><th>evidence</th><th>reason</th></tr>
{{range .Items}}<tr><td class="id">{{.ID}}</td><td>{{.Title}}</td><td><span class="st {{.Status}}">{{.Status}}</span></td><td>{{.Evidence}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>
{{end}}<p class="meta">Signed with the org's audit signing key: verify with <code>ward compliance report verify FILE</code> (the signature is FILE.sig).</p>
</body></html>
`))

// HTML writes r as one static HTML page.
func (r *Report) HTML(w io.Writer) error {
	return page.Execute(w, struct {
		Title string
		R     *Report
	}{Title, r})
}
