package ward

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on attachments.
const (
	MaxAttachmentSize        = 25 << 20 // bytes of content, the default limit
	MaxAttachmentNameLen     = 200      // bytes of UTF-8 in a sanitised file name
	MaxAttachmentsPerMessage = 10
	// StaleAttachmentAge is how long an uploaded attachment may wait to be
	// sent with a message before it is deleted.
	StaleAttachmentAge = 24 * time.Hour
)

// Attachment is a file shared in a conversation: uploaded first, then sent
// with a message. Name and the content are PHI: the store holds the name
// sealed and the blob store the content sealed; here Name is plaintext.
type Attachment struct {
	ID             string
	OrgID          string
	ConversationID string
	UploaderID     string
	MessageID      string // "" until sent with a message
	Name           string // sanitised: see AttachmentName
	ContentType    string // sniffed from the content, one of AttachmentTypes
	Size           int64  // bytes of content
	CreatedAt      time.Time
	DeletedAt      time.Time // zero unless its message was recalled or purged
}

// AttachmentTypes lists the content types an attachment may have, as the
// server sniffs them, with the file-name extensions each may carry (the
// first is the one added to a name that has none of them).
func AttachmentTypes() map[string][]string {
	return map[string][]string{
		"image/png":       {".png"},
		"image/jpeg":      {".jpg", ".jpeg", ".jfif"},
		"image/gif":       {".gif"},
		"image/webp":      {".webp"},
		"application/pdf": {".pdf"},
		"text/plain":      {".txt", ".text", ".log", ".md", ".csv"},
	}
}

// AttachmentExtensions returns the extensions allowed for a media type
// (without parameters), or nil when the type is not allowed.
func AttachmentExtensions(mediaType string) []string { return AttachmentTypes()[mediaType] }

// IsImage reports whether mediaType is one of the allowed image types.
func IsImage(mediaType string) bool {
	return strings.HasPrefix(mediaType, "image/") && AttachmentExtensions(mediaType) != nil
}

// SanitizeFileName makes a client's file name safe to store and to offer
// back in a download: it keeps only the last path component (of / or \),
// drops control and formatting characters (NUL, bidi overrides, zero-width
// characters), replaces characters that file systems reject, collapses
// white space, trims dots and spaces at the ends, defuses reserved Windows
// device names and cuts the name to MaxAttachmentNameLen bytes, keeping its
// extension. The result may be empty.
func SanitizeFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case r == '\t' || unicode.IsSpace(r) && !unicode.IsControl(r) && !unicode.Is(unicode.Zl, r) && !unicode.Is(unicode.Zp, r):
			space = true
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError ||
			unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			r = '_'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	name = strings.Trim(b.String(), ". ")
	stem, ext := splitExt(name)
	if isReservedDeviceName(stem) {
		stem = "_" + stem
	}
	return truncateName(stem, ext)
}

// AttachmentName is the name an attachment is stored and offered under: the
// sanitised client name, with the canonical extension of mediaType added
// when the name does not already end in one of the type's extensions. So a
// text file called "notes.html" becomes "notes.html.txt", and opening a
// download never runs it as something else. An empty name becomes
// "attachment" with the extension.
func AttachmentName(name, mediaType string) string {
	name = SanitizeFileName(name)
	exts := AttachmentExtensions(mediaType)
	if len(exts) == 0 {
		return name
	}
	_, ext := splitExt(name)
	for _, e := range exts {
		if strings.EqualFold(ext, e) {
			return name
		}
	}
	if name == "" {
		name = "attachment"
	}
	return truncateName(name, exts[0])
}

// splitExt splits name into a stem and an extension: a final dot followed
// by 1 to 10 ASCII letters and digits, at least one of them a letter.
func splitExt(name string) (stem, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || len(name)-i-1 > 10 || i == len(name)-1 {
		return name, ""
	}
	letter := false
	for _, c := range name[i+1:] {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return name, ""
		}
	}
	if !letter {
		return name, ""
	}
	return name[:i], name[i:]
}

// truncateName cuts stem (at a character boundary) so that stem+ext fits
// in MaxAttachmentNameLen bytes.
func truncateName(stem, ext string) string {
	limit := MaxAttachmentNameLen - len(ext)
	if len(stem) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(stem[cut]) {
			cut--
		}
		stem = strings.TrimRight(stem[:cut], ". ")
	}
	return stem + ext
}

// isReservedDeviceName reports whether stem is a name Windows reserves for
// a device (CON, NUL, COM1, …).
func isReservedDeviceName(stem string) bool {
	s := strings.ToUpper(strings.TrimSpace(stem))
	switch s {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(s) == 4 && (strings.HasPrefix(s, "COM") || strings.HasPrefix(s, "LPT")) && s[3] >= '1' && s[3] <= '9'
}
