package ward

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAttachmentName(t *testing.T) {
	long := strings.Repeat("é", 150) + ".pdf"
	for _, tc := range []struct{ in, mediaType, want string }{
		{"scan.png", "image/png", "scan.png"},
		{"Scan.JPEG", "image/jpeg", "Scan.JPEG"},
		{"../../etc/passwd", "text/plain", "passwd.txt"},
		{`C:\x\y.pdf`, "application/pdf", "y.pdf"},
		{"a\x00b\x07c\r\n.pdf", "application/pdf", "abc.pdf"},
		{"evil\u202egpj.exe", "image/png", "evilgpj.exe.png"}, // a bidi override cannot disguise the extension
		{"zero\u200bwidth.txt", "text/plain", "zerowidth.txt"},
		{"notes.html", "text/plain", "notes.html.txt"},
		{"report.pdf", "image/png", "report.pdf.png"},
		{"..", "image/png", "attachment.png"},
		{"", "application/pdf", "attachment.pdf"},
		{"/", "text/plain", "attachment.txt"},
		{"  many   spaces\there .txt  ", "text/plain", "many spaces here .txt"},
		{`what?<is>"this"|*:.gif`, "image/gif", `what__is__this____.gif`},
		{"CON.txt", "text/plain", "_CON.txt"},
		{"lpt1", "text/plain", "_lpt1.txt"},
		{"Lab results 12.03.2026", "application/pdf", "Lab results 12.03.2026.pdf"},
		{".hidden.pdf", "application/pdf", "hidden.pdf"},
		{"bad\xffutf8.txt", "text/plain", "badutf8.txt"},
	} {
		if got := AttachmentName(tc.in, tc.mediaType); got != tc.want {
			t.Errorf("AttachmentName(%q, %s) = %q, want %q", tc.in, tc.mediaType, got, tc.want)
		}
	}
	got := AttachmentName(long, "application/pdf")
	if len(got) > MaxAttachmentNameLen || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) {
		t.Errorf("long name: %d bytes %q", len(got), got)
	}
	got = AttachmentName(strings.Repeat("x", 500), "text/plain")
	if len(got) != MaxAttachmentNameLen || !strings.HasSuffix(got, ".txt") {
		t.Errorf("long name without extension: %d bytes %q", len(got), got)
	}
}

func TestAttachmentTypes(t *testing.T) {
	for _, mt := range []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"} {
		if AttachmentExtensions(mt) == nil {
			t.Errorf("%s is not allowed", mt)
		}
	}
	for _, mt := range []string{"text/html", "image/svg+xml", "application/octet-stream", "text/xml", "application/zip", ""} {
		if AttachmentExtensions(mt) != nil {
			t.Errorf("%s is allowed", mt)
		}
	}
	if !IsImage("image/webp") || IsImage("application/pdf") || IsImage("image/svg+xml") {
		t.Error("IsImage")
	}
}
