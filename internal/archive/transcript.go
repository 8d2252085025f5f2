package archive

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// The transcript is static HTML: one page per part, inline CSS only (the
// Content-Security-Policy meta forbids scripts, remote fetches and frames,
// so it opens offline as it is), and every value HTML-escaped.

const transcriptStyle = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:52em;color:#111}` +
	`h1{font-size:1.3em}h2{font-size:1.1em;margin-top:2em;border-bottom:1px solid #ccc}` +
	`.m{margin:.5em 0;padding:.4em .6em;border-left:3px solid #ccd}.m.urgent{border-color:#c00}` +
	`.h{color:#555;font-size:.85em}.b{white-space:pre-wrap;overflow-wrap:anywhere}.gone{color:#777;font-style:italic}` +
	`.a{font-size:.85em;color:#333}`

func transcriptHead(n int) string {
	return fmt.Sprintf(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">`+
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`+
		`<title>ward compliance archive, transcript part %d</title><style>%s</style></head><body>`+
		`<h1>ward compliance archive: transcript, part %d</h1>`, n, transcriptStyle, n)
}

func transcriptFoot(int) string { return "</body></html>\n" }

func esc(s string) string { return html.EscapeString(s) }

// conversationHTML is the heading of a conversation in the transcript.
func conversationHTML(c conversationLine) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<h2>Conversation %s</h2><p class="h">`, esc(c.ID))
	if c.Title != "" {
		fmt.Fprintf(&b, "Title: %s. ", esc(c.Title))
	}
	if c.Topic != "" {
		fmt.Fprintf(&b, "Topic: %s. ", esc(c.Topic))
	}
	fmt.Fprintf(&b, "Kind: %s. ", esc(c.Kind))
	if c.PatientID != "" {
		fmt.Fprintf(&b, "Patient record: %s. ", esc(c.PatientID))
	}
	fmt.Fprintf(&b, "Members: %s.</p>", esc(strings.Join(c.Members, ", ")))
	return []byte(b.String())
}

// messageHTML is one message in the transcript.
func messageHTML(m *messageLine) []byte {
	var b strings.Builder
	class := "m"
	if m.Priority == "urgent" {
		class += " urgent"
	}
	sender := m.SenderID
	if m.SenderName != "" {
		sender = m.SenderName + " (" + m.SenderID + ")"
	}
	fmt.Fprintf(&b, `<div class="%s"><div class="h">#%d · %s · %s`, class, m.Seq, esc(m.CreatedAt.UTC().Format(time.RFC3339)), esc(sender))
	if m.Priority != "" && m.Priority != "normal" {
		fmt.Fprintf(&b, " · %s", esc(m.Priority))
	}
	b.WriteString("</div>")
	switch {
	case m.RecalledAt != nil:
		fmt.Fprintf(&b, `<div class="b gone">recalled by the sender at %s</div>`, esc(m.RecalledAt.UTC().Format(time.RFC3339)))
	case m.PurgedAt != nil:
		fmt.Fprintf(&b, `<div class="b gone">purged by retention at %s</div>`, esc(m.PurgedAt.UTC().Format(time.RFC3339)))
	default:
		fmt.Fprintf(&b, `<div class="b">%s</div>`, esc(m.Body))
	}
	for _, a := range m.Attachments {
		fmt.Fprintf(&b, `<div class="a">Attachment: %s (%s, %d bytes), in the archive as %s</div>`,
			esc(a.Name), esc(a.ContentType), a.Size, esc(a.Entry))
	}
	b.WriteString("</div>")
	return []byte(b.String())
}
