package attachments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/imagemeta"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/sealedblob"
	"github.com/wardhealth/ward/internal/store"
)

// Conversations is what attachments ask of internal/app, which owns
// conversations and who is in them.
type Conversations interface {
	// Member reads conversation convID in tx if p is one of its members;
	// to anyone else it does not exist (NoConversation).
	Member(ctx context.Context, tx *store.Tx, p *access.Principal, convID string) (store.Conversation, error)
	// NoConversation is what a caller who is not a member is told.
	NoConversation() error
}

// Config is what a Service is built from.
type Config struct {
	Store *store.Store
	Keys  *keyring.Keyring
	Audit *audit.Recorder // durable audit of downloads
	// Blobs keeps the sealed content; nil: attachments are unavailable.
	Blobs blob.Store
	// MaxSize is the most bytes an attachment may have; 0 means
	// ward.MaxAttachmentSize.
	MaxSize       int64
	Logger        *slog.Logger
	Conversations Conversations
}

// Service is the attachment use cases.
type Service struct {
	store *store.Store
	keys  *keyring.Keyring
	audit *audit.Recorder
	blobs blob.Store
	max   int64
	log   *slog.Logger
	conv  Conversations
}

// New builds a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, keys: cfg.Keys, audit: cfg.Audit, blobs: cfg.Blobs, max: cfg.MaxSize,
		log: cfg.Logger, conv: cfg.Conversations}
	if s.max <= 0 {
		s.max = ward.MaxAttachmentSize
	}
	return s
}

// MaxSize is the most bytes of content an attachment may have.
func (s *Service) MaxSize() int64 { return s.max }

// contentRef is the keyring ref of an attachment's content.
func contentRef(orgID, convID, id string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: convScope(convID), Record: id, Field: "attachment"}
}

// nameRef is the keyring ref of an attachment's file name.
func nameRef(orgID, convID, id string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: convScope(convID), Record: id, Field: "attachment_name"}
}

// maxRawNameLen bounds the file name a client sends, before sanitising.
const maxRawNameLen = 1024

// convScope is a conversation's keyring scope, as internal/app seals its
// other fields: shredding the conversation's key destroys its attachments.
func convScope(id string) string { return "conv:" + id }

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

// Upload stores a file in one of the caller's conversations,
// unsent. The type is sniffed from the first 512 bytes and must be one of
// ward.AttachmentTypes; the content is sealed while it streams into the
// blob store, so plaintext never touches disk, and more than
// MaxSize bytes is too_large. A refused upload leaves no blob and
// no row behind.
func (s *Service) Upload(ctx context.Context, p *access.Principal, up Upload) (ward.Attachment, error) {
	if err := p.Can(authz.AttachmentUpload); err != nil {
		return ward.Attachment{}, err
	}
	if s.blobs == nil {
		return ward.Attachment{}, errNoBlobs()
	}
	if len(up.Name) > maxRawNameLen {
		return ward.Attachment{}, ward.Errorf(ward.CodeInvalid, "the file name is over %d bytes", maxRawNameLen)
	}
	var conv store.Conversation
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		conv, err = s.conv.Member(ctx, tx, p, up.ConversationID)
		return err
	})
	if err != nil {
		return ward.Attachment{}, err
	}
	body := sealedblob.Cap(up.Body, s.max, "file")
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
	att := ward.Attachment{ID: uuid.Must(uuid.NewV7()).String(), OrgID: p.User.OrgID, ConversationID: conv.ID, UploaderID: p.User.ID,
		Name: ward.AttachmentName(up.Name, mediaType), ContentType: sniffed}
	row := store.Attachment{Attachment: att, BlobKey: sealedblob.NewKey()}
	row.Name = ""
	if row.NameSealed, err = s.keys.Seal(ctx, nameRef(att.OrgID, conv.ID, att.ID), []byte(att.Name)); err != nil {
		return ward.Attachment{}, err
	}
	content := io.MultiReader(bytes.NewReader(head), body)
	if imagemeta.Strippable(mediaType) {
		if content, err = stripImage(mediaType, content); err != nil {
			return ward.Attachment{}, err
		}
	}
	if row.Size, err = s.putBlob(ctx, contentRef(att.OrgID, conv.ID, att.ID), row.BlobKey, content); err != nil {
		return ward.Attachment{}, err
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		// Membership again, in the transaction: it may have changed since.
		if ok, err := tx.IsMember(ctx, conv.ID, p.User.ID); err != nil {
			return err
		} else if !ok {
			return s.conv.NoConversation()
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
		s.deleteBlob(ctx, row.BlobKey)
		return ward.Attachment{}, err
	}
	att.Size, att.CreatedAt = row.Size, row.CreatedAt
	return att, nil
}

// stripImage reads a JPEG, PNG, WebP or GIF upload whole and returns it without
// its metadata (EXIF with GPS, XMP, IPTC, comments, text chunks): see
// internal/imagemeta. Reading whole is bounded: content is capped at
// MaxSize, and the body is still read as it arrives (the
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

// putBlob seals body for ref while it streams into the blob store under
// key, and returns the plaintext size. On error nothing is left behind.
func (s *Service) putBlob(ctx context.Context, ref keyring.Ref, key string, body io.Reader) (int64, error) {
	return sealedblob.Put(ctx, s.keys, s.blobs, s.log, ref, key, body)
}

// deleteBlob deletes a blob, logging (only the key) when it cannot.
func (s *Service) deleteBlob(ctx context.Context, key string) {
	sealedblob.Delete(ctx, s.blobs, s.log, key)
}
