package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/authz"
)

// attachmentRoutes registers upload and download of attachments.
func (h *Handler) attachmentRoutes() {
	h.route("POST /api/v1/conversations/{id}/attachments", authz.AttachmentUpload, h.uploadAttachment)
	h.route("GET /api/v1/attachments/{id}", authz.AttachmentDownload, h.downloadAttachment)
}

// attachmentView is an attachment as the API shows it.
type attachmentView struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	ContentType    string     `json:"content_type"`
	Size           int64      `json:"size"`
	ConversationID string     `json:"conversation_id,omitempty"` // upload answers only
	CreatedAt      *time.Time `json:"created_at,omitempty"`      // upload answers only
}

func viewAttachments(atts []ward.Attachment) []attachmentView {
	var out []attachmentView
	for _, a := range atts {
		out = append(out, attachmentView{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size})
	}
	return out
}

// uploadAttachment streams the raw request body into a new, unsent
// attachment. The file name comes from the X-Filename header (RFC 5987:
// percent-encoded UTF-8, with or without the UTF-8 charset prefix) or the
// name query parameter; the request's Content-Type is ignored: the server sniffs the
// content.
func (h *Handler) uploadAttachment(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	name, err := uploadName(r)
	if err != nil {
		return err
	}
	limit := h.app.Attachments().MaxSize()
	if r.ContentLength > limit {
		return errTooLarge(limit)
	}
	body := &uploadBody{r: http.MaxBytesReader(w, r.Body, limit), limit: limit}
	att, err := h.app.Attachments().Upload(r.Context(), p, attachments.Upload{ConversationID: r.PathValue("id"), Name: name, Body: body})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, attachmentView{ID: att.ID, Name: att.Name, ContentType: att.ContentType, Size: att.Size,
		ConversationID: att.ConversationID, CreatedAt: optTime(att.CreatedAt)})
	return nil
}

func errTooLarge(limit int64) error {
	return ward.Errorf(ward.CodeTooLarge, "the file is over the limit of %d MiB", limit>>20)
}

// uploadBody turns http.MaxBytesReader's error into too_large.
type uploadBody struct {
	r     io.Reader
	limit int64
}

func (b *uploadBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return n, errTooLarge(b.limit)
	}
	return n, err
}

// uploadName reads the client's file name: X-Filename, percent-decoded,
// or else the name query parameter.
func uploadName(r *http.Request) (string, error) {
	name := r.URL.Query().Get("name")
	if raw := r.Header.Get("X-Filename"); raw != "" {
		if len(raw) > 7 && strings.EqualFold(raw[:7], "UTF-8''") {
			raw = raw[7:]
		}
		var err error
		if name, err = url.PathUnescape(raw); err != nil {
			return "", ward.Errorf(ward.CodeInvalid, "X-Filename must be percent-encoded UTF-8 (RFC 5987)")
		}
	}
	switch {
	case strings.TrimSpace(name) == "":
		return "", ward.Errorf(ward.CodeInvalid, "name the file: send an X-Filename header (percent-encoded UTF-8) or a name query parameter")
	case !utf8.ValidString(name):
		return "", ward.Errorf(ward.CodeInvalid, "the file name is not valid UTF-8")
	}
	return name, nil
}

// downloadAttachment streams an attachment, decrypting as it goes, after
// the download is audited. It is always offered as a download
// (Content-Disposition: attachment) unless ?inline=1 asks to show an image
// in place. A chunk that fails its integrity check after the answer has
// started aborts the connection, so the client never takes a short or
// altered file for the whole one.
func (h *Handler) downloadAttachment(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	inline := r.URL.Query().Get("inline")
	if inline != "" && inline != "0" && inline != "1" {
		return ward.Errorf(ward.CodeInvalid, "inline must be 0 or 1")
	}
	d, err := h.app.Attachments().Open(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.serveAttachment(w, r, d.Attachment, d.Body, inline == "1")
}

// serveAttachment streams an opened attachment, closing body; inline shows
// an image in the page, anything else is a download.
func (h *Handler) serveAttachment(w http.ResponseWriter, r *http.Request, att ward.Attachment, body io.ReadCloser, inline bool) error {
	d := struct {
		ward.Attachment
		Body io.ReadCloser
	}{att, body}
	defer d.Body.Close()
	// The first bytes are read before answering: a failure there is still
	// a clean problem answer.
	buf := make([]byte, 64<<10)
	n, err := io.ReadFull(d.Body, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	more := err == nil
	disposition := "attachment"
	if mediaType, _, _ := mime.ParseMediaType(d.ContentType); inline && ward.IsImage(mediaType) {
		disposition = "inline"
	}
	hdr := w.Header()
	hdr.Set("Content-Type", d.ContentType)
	hdr.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	hdr.Set("Content-Disposition", contentDisposition(disposition, d.Name))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(buf[:n]); err != nil || !more {
		return nil // the client went away, or that was all
	}
	for {
		n, rerr := d.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return nil
			}
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			h.log.ErrorContext(r.Context(), "attachment download aborted", "attachment", d.ID,
				"code", string(ward.ErrorCode(rerr)), "err", rerr.Error())
			panic(http.ErrAbortHandler)
		}
	}
}

// contentDisposition builds the header value for a (sanitised) file name:
// an ASCII fallback and the exact name as RFC 5987 UTF-8.
func contentDisposition(kind, name string) string {
	var ascii, ext strings.Builder
	for _, c := range name {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(c)
		}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			ext.WriteByte(c)
		} else {
			ext.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return kind + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}
