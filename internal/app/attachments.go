package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/imagemeta"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// Attachments: a member uploads a file to a conversation (streamed, sealed
// chunk by chunk into the blob store, its type sniffed from the content and
// its name sanitised and sealed; JPEG, PNG, WebP and GIF images lose their
// metadata first), then sends it with a message
// (SendRequest.AttachmentIDs). Members download the attachments of sent
// messages; an unsent one is visible to its uploader only. Recalling or
// purging a message deletes its attachments; unsent ones are deleted after
// ward.StaleAttachmentAge.

// attachmentRef is the keyring ref of an attachment's content.
func attachmentRef(orgID, convID, id string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: convScope(convID), Record: id, Field: "attachment"}
}

// attachmentNameRef is the keyring ref of an attachment's file name.
func attachmentNameRef(orgID, convID, id string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: convScope(convID), Record: id, Field: "attachment_name"}
}

// maxRawNameLen bounds the file name a client sends, before sanitising.
const maxRawNameLen = 1024

// MaxAttachmentSize is the most bytes of content an attachment may have.
func (a *App) MaxAttachmentSize() int64 { return a.maxAttachment }

// Upload is a file to attach to a conversation.
type Upload struct {
	ConversationID string
	Name           string    // the client's file name, sanitised here
	Body           io.Reader // the content, read once; its claimed type is never trusted
}

func errNoAttachment() error { return ward.Errorf(ward.CodeNotFound, "no such attachment") }

func errNoBlobs() error {
	return ward.Errorf(ward.CodeUnavailable, "attachments are not available: no blob store is configured")
}

// UploadAttachment stores a file in one of the caller's conversations,
// unsent. The type is sniffed from the first 512 bytes and must be one of
// ward.AttachmentTypes; the content is sealed while it streams into the
// blob store, so plaintext never touches disk, and more than
// MaxAttachmentSize bytes is too_large. A refused upload leaves no blob and
// no row behind.
func (a *App) UploadAttachment(ctx context.Context, p *Principal, up Upload) (ward.Attachment, error) {
	if err := p.Can(authz.AttachmentUpload); err != nil {
		return ward.Attachment{}, err
	}
	if a.blobs == nil {
		return ward.Attachment{}, errNoBlobs()
	}
	if len(up.Name) > maxRawNameLen {
		return ward.Attachment{}, ward.Errorf(ward.CodeInvalid, "the file name is over %d bytes", maxRawNameLen)
	}
	var conv store.Conversation
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		conv, err = member(ctx, tx, p, up.ConversationID)
		return err
	})
	if err != nil {
		return ward.Attachment{}, err
	}
	body := &capReader{r: up.Body, left: a.maxAttachment + 1, max: a.maxAttachment}
	head := make([]byte, 512)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return ward.Attachment{}, err
	}
	if n == 0 {
		return ward.Attachment{}, ward.Errorf(ward.CodeInvalid, "the file is empty")
	}
	head = head[:n]
	sniffed := http.DetectContentType(head)
	mediaType, _, _ := mime.ParseMediaType(sniffed)
	if ward.AttachmentExtensions(mediaType) == nil {
		return ward.Attachment{}, ward.Errorf(ward.CodeUnsupported,
			"attachments may be PNG, JPEG, GIF or WebP images, PDF documents or plain text; this file's content is %s, whatever its name or Content-Type says",
			mediaType)
	}
	att := ward.Attachment{ID: newID(), OrgID: p.User.OrgID, ConversationID: conv.ID, UploaderID: p.User.ID,
		Name: ward.AttachmentName(up.Name, mediaType), ContentType: sniffed}
	row := store.Attachment{Attachment: att, BlobKey: newBlobKey()}
	row.Name = ""
	if row.NameSealed, err = a.keys.Seal(ctx, attachmentNameRef(att.OrgID, conv.ID, att.ID), []byte(att.Name)); err != nil {
		return ward.Attachment{}, err
	}
	content := io.MultiReader(bytes.NewReader(head), body)
	if imagemeta.Strippable(mediaType) {
		if content, err = stripImage(mediaType, content); err != nil {
			return ward.Attachment{}, err
		}
	}
	if row.Size, err = a.putBlob(ctx, attachmentRef(att.OrgID, conv.ID, att.ID), row.BlobKey, content); err != nil {
		return ward.Attachment{}, err
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		// Membership again, in the transaction: it may have changed since.
		if ok, err := tx.IsMember(ctx, conv.ID, p.User.ID); err != nil || !ok {
			return cmpErr(err, errNoConversation())
		}
		if err := tx.InsertAttachment(ctx, &row); err != nil {
			return err
		}
		e := p.Event(audit.AttachmentUploaded, "attachment", att.ID)
		e.PatientID = conv.PatientID
		e.Reason = fmt.Sprintf("conversation %s, %s, %d bytes", conv.ID, mediaType, row.Size)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		a.deleteBlob(ctx, row.BlobKey)
		return ward.Attachment{}, err
	}
	att.Size, att.CreatedAt = row.Size, row.CreatedAt
	return att, nil
}

// stripImage reads a JPEG, PNG, WebP or GIF upload whole and returns it without
// its metadata (EXIF with GPS, XMP, IPTC, comments, text chunks): see
// internal/imagemeta. Reading whole is bounded: content is capped at
// MaxAttachmentSize, and the body is still read as it arrives (the
// client's upload progress is unchanged); only the sealing waits for the
// last byte. An image whose structure cannot be walked is refused like a
// file of the wrong type.
func stripImage(mediaType string, content io.Reader) (io.Reader, error) {
	data, err := io.ReadAll(content)
	if err != nil {
		return nil, err
	}
	stripped, err := imagemeta.Strip(mediaType, data)
	if err != nil {
		return nil, ward.Errorf(ward.CodeUnsupported,
			"this file's content starts as %s but is not a well-formed image of that type; its metadata cannot be removed, so it is not stored", mediaType)
	}
	return bytes.NewReader(stripped), nil
}

// newBlobKey is a random blob key: it says nothing about the attachment.
func newBlobKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// putBlob seals body for ref while it streams into the blob store under
// key, and returns the plaintext size. On error nothing is left behind.
func (a *App) putBlob(ctx context.Context, ref keyring.Ref, key string, body io.Reader) (int64, error) {
	type result struct {
		n   int64
		err error
	}
	pr, pw := io.Pipe()
	done := make(chan result, 1)
	go func() {
		n, err := a.encryptTo(ctx, ref, pw, body)
		pw.CloseWithError(err) // nil: the blob store reads io.EOF
		done <- result{n, err}
	}()
	_, putErr := a.blobs.Put(ctx, key, pr)
	pr.CloseWithError(errors.New("blob store stopped reading")) // unblocks the writer after a failed Put
	res := <-done
	switch {
	case res.err != nil:
		if putErr == nil {
			a.deleteBlob(ctx, key)
		}
		return 0, res.err
	case putErr != nil:
		return 0, putErr
	}
	return res.n, nil
}

// encryptTo seals everything body yields for ref into w.
func (a *App) encryptTo(ctx context.Context, ref keyring.Ref, w io.Writer, body io.Reader) (int64, error) {
	ew, err := a.keys.NewEncryptWriter(ctx, ref, w)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(ew, body)
	if err != nil {
		return n, err
	}
	return n, ew.Close()
}

// capReader reads at most max bytes of r: reading more is too_large.
type capReader struct {
	r         io.Reader
	left, max int64 // left starts at max+1
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left <= 0 {
		return 0, ward.Errorf(ward.CodeTooLarge, "the file is over the limit of %d MiB", c.max>>20)
	}
	return n, err
}

// deleteBlob deletes a blob, logging (only the key) when it cannot.
func (a *App) deleteBlob(ctx context.Context, key string) {
	if err := a.blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		a.log.WarnContext(ctx, "blob delete failed", "blob", key, "err", err.Error())
	}
}

// Download is an attachment opened for reading. Body yields the content,
// each chunk only once it authenticates: altered or truncated content
// makes Read fail with CodeIntegrity, never return wrong bytes. The caller
// closes Body.
type Download struct {
	ward.Attachment
	Body io.ReadCloser
}

// OpenAttachment opens an attachment of a sent message in one of the
// caller's conversations (or one the caller uploaded and has not sent
// yet); to anyone else it does not exist. The download is audited
// (attachment.downloaded, with the conversation and patient) durably
// before it is returned.
func (a *App) OpenAttachment(ctx context.Context, p *Principal, id string) (Download, error) {
	if err := p.Can(authz.AttachmentDownload); err != nil {
		return Download{}, err
	}
	if a.blobs == nil {
		return Download{}, errNoBlobs()
	}
	if id == "" || len(id) > 64 {
		return Download{}, errNoAttachment()
	}
	var row store.Attachment
	var conv store.Conversation
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if row, err = tx.AttachmentByID(ctx, p.User.OrgID, id); err != nil {
			return errNoAttachmentIf(err)
		}
		if conv, err = member(ctx, tx, p, row.ConversationID); err != nil {
			return errNoAttachmentIf(err)
		}
		if m, _ := conv.Member(p.User.ID); m.HistoryFrom > 0 && row.MessageID != "" {
			// A backup reads from the urgent message on: not an earlier message's attachments.
			msg, err := tx.MessageByID(ctx, p.User.OrgID, row.MessageID)
			if err != nil {
				return errNoAttachmentIf(err)
			}
			if msg.Seq < m.HistoryFrom {
				return errNoAttachment()
			}
		}
		switch {
		case row.MessageID == "" && row.UploaderID != p.User.ID:
			return errNoAttachment()
		case !row.DeletedAt.IsZero() || row.BlobKey == "":
			return ward.Errorf(ward.CodeNotFound, "the attachment was deleted (its message was recalled or purged, or it was never sent)")
		}
		return nil
	})
	if err != nil {
		return Download{}, err
	}
	att, err := a.openAttachment(ctx, row)
	if err != nil {
		return Download{}, err
	}
	rc, err := a.blobs.Open(ctx, row.BlobKey)
	if err != nil {
		return Download{}, err
	}
	pt, err := a.keys.NewDecryptReader(ctx, attachmentRef(row.OrgID, row.ConversationID, row.ID), rc)
	if err != nil {
		rc.Close()
		return Download{}, err
	}
	e := p.Event(audit.AttachmentDownloaded, "attachment", row.ID)
	e.PatientID, e.Reason = conv.PatientID, "conversation "+conv.ID
	if err := a.audit.Record(ctx, e); err != nil {
		rc.Close()
		return Download{}, err
	}
	return Download{Attachment: att, Body: readCloser{pt, rc}}, nil
}

// errNoAttachmentIf turns not_found into the answer for an attachment that
// does not exist or is not the caller's to see.
func errNoAttachmentIf(err error) error {
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return errNoAttachment()
	}
	return err
}

type readCloser struct {
	io.Reader
	io.Closer
}

// openAttachment opens a stored attachment's name.
func (a *App) openAttachment(ctx context.Context, row store.Attachment) (ward.Attachment, error) {
	att := row.Attachment
	name, err := a.keys.Open(ctx, attachmentNameRef(row.OrgID, row.ConversationID, row.ID), row.NameSealed)
	if err != nil {
		return ward.Attachment{}, err
	}
	att.Name = string(name)
	return att, nil
}

// openAttachments opens the names of a message's attachments.
func (a *App) openAttachments(ctx context.Context, rows []store.Attachment) ([]ward.Attachment, error) {
	var out []ward.Attachment
	for _, r := range rows {
		att, err := a.openAttachment(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, att)
	}
	return out, nil
}

// liveMessageIDs lists the ids of the messages that are not tombstones.
func liveMessageIDs(rows []store.Message) []string {
	var ids []string
	for _, r := range rows {
		if !r.Tombstone() {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// validAttachmentIDs checks the shape of a send's attachment ids.
func validAttachmentIDs(ids []string) error {
	if len(ids) > ward.MaxAttachmentsPerMessage {
		return ward.Errorf(ward.CodeInvalid, "a message carries at most %d attachments", ward.MaxAttachmentsPerMessage)
	}
	for i, id := range ids {
		if id == "" || len(id) > 64 || strings.TrimSpace(id) != id {
			return ward.Errorf(ward.CodeInvalid, "attachment_ids must be attachment ids")
		}
		if slices.Contains(ids[:i], id) {
			return ward.Errorf(ward.CodeInvalid, "attachment_ids names an attachment twice")
		}
	}
	return nil
}

// sentAttachments loads and opens the attachments of one message.
func (a *App) sentAttachments(ctx context.Context, messageID string) ([]ward.Attachment, error) {
	var rows map[string][]store.Attachment
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = tx.MessageAttachments(ctx, []string{messageID})
		return err
	})
	if err != nil {
		return nil, err
	}
	return a.openAttachments(ctx, rows[messageID])
}

// retriedWithAttachments answers a retried send (see retried): the earlier
// message with its attachments, or a conflict when the retry names other
// attachments than the first send did.
func (a *App) retriedWithAttachments(ctx context.Context, earlier store.Message, req SendRequest) (ward.Message, bool, error) {
	m, created, err := a.retried(ctx, earlier, req.Body)
	if err != nil {
		return m, created, err
	}
	if m.Attachments, err = a.sentAttachments(ctx, m.ID); err != nil {
		return ward.Message{}, false, err
	}
	sent := make([]string, len(m.Attachments))
	for i, att := range m.Attachments {
		sent[i] = att.ID
	}
	want := slices.Clone(req.AttachmentIDs)
	slices.Sort(sent)
	slices.Sort(want)
	if !slices.Equal(sent, want) {
		return ward.Message{}, false, ward.Errorf(ward.CodeConflict,
			"client_id was already used for a message with other attachments; use a new client_id for a new message")
	}
	return m, created, nil
}
