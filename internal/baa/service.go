package baa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/orgrows"
	"github.com/wardhealth/ward/internal/reminders"
	"github.com/wardhealth/ward/internal/sealedblob"
	"github.com/wardhealth/ward/internal/store"
)

// MaxDocumentSize is the largest document accepted.
const MaxDocumentSize = 20 << 20

// Config is what a Service is built from; Blobs, Mailer, Logger and Now
// may be nil (no blobs: documents answer unavailable).
type Config struct {
	Store   *store.Store
	Keyring *keyring.Keyring
	Blobs   blob.Store
	// Mailer, when set, mails compliance officers the expiry reminders,
	// linking to ConsoleLink.
	Mailer reminders.Mailer
	// Pusher, when set, pushes the reminders to compliance officers'
	// subscribed devices too (internal/notify/push, PHI-free).
	Pusher      reminders.Pusher
	ConsoleLink string
	Logger      *slog.Logger
	Now         func() time.Time
}

// Service is the BAA registry's use cases.
type Service struct {
	store  *store.Store
	keys   *keyring.Keyring
	blobs  blob.Store
	mailer reminders.Mailer
	pusher reminders.Pusher
	link   string
	log    *slog.Logger
	now    func() time.Time
}

// New builds a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: cfg.Store, keys: cfg.Keyring, blobs: cfg.Blobs, mailer: cfg.Mailer, pusher: cfg.Pusher, link: cfg.ConsoleLink, log: cfg.Logger, now: cfg.Now}
}

func (s *Service) view(b store.BAARow) Agreement {
	a := Agreement{ID: b.ID, Vendor: b.Vendor, Service: b.Service, PHI: b.PHI, Status: b.Status, CreatedBy: b.CreatedBy,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
	if !b.SignedAt.IsZero() {
		a.SignedAt = &b.SignedAt
	}
	if !b.ExpiresAt.IsZero() {
		a.ExpiresAt = &b.ExpiresAt
		if b.Status == StatusSigned {
			d := reminders.DaysLeft(s.now(), b.ExpiresAt)
			a.DaysLeft = &d
			if d <= 0 {
				a.Status = StatusExpired
			}
		}
	}
	if b.DocBlob != "" {
		a.Document = &Document{Name: b.DocName, ContentType: b.DocType, Size: b.DocSize}
	}
	return a
}

// List lists the org's agreements by vendor.
func (s *Service) List(ctx context.Context, p *access.Principal) ([]Agreement, error) {
	return orgrows.List(ctx, s.store, p, authz.BAAManage, (*store.Tx).BAAs, s.view)
}

func row(ctx context.Context, tx *store.Tx, orgID, id string) (store.BAARow, error) {
	return orgrows.ByID(ctx, tx, orgID, id, "agreement", (*store.Tx).BAAByID)
}

// Get reads one agreement.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (Agreement, error) {
	if err := p.Can(authz.BAAManage); err != nil {
		return Agreement{}, err
	}
	var b store.BAARow
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		b, err = row(ctx, tx, p.User.OrgID, id)
		return err
	})
	return s.view(b), err
}

func reason(d Draft) string {
	date := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.DateOnly)
	}
	return fmt.Sprintf("vendor %q; status %s; signed %s; expires %s", d.Vendor, d.Status, date(d.SignedAt), date(d.ExpiresAt))
}

// Create registers an agreement.
func (s *Service) Create(ctx context.Context, p *access.Principal, d Draft) (Agreement, error) {
	if err := p.Can(authz.BAAManage); err != nil {
		return Agreement{}, err
	}
	if err := d.validate(); err != nil {
		return Agreement{}, err
	}
	b := store.BAARow{ID: uuid.Must(uuid.NewV7()).String(), OrgID: p.User.OrgID, Vendor: d.Vendor, Service: d.Service, PHI: d.PHI,
		Status: d.Status, SignedAt: d.SignedAt, ExpiresAt: d.ExpiresAt, CreatedBy: p.User.ID}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertBAA(ctx, &b); err != nil {
			return err
		}
		e := p.Event(audit.BAACreated, "baa", b.ID)
		e.Reason = reason(d)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Agreement{}, err
	}
	return s.view(b), nil
}

// Update replaces an agreement's vendor, service, PHI, status and dates.
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, d Draft) (Agreement, error) {
	if err := p.Can(authz.BAAManage); err != nil {
		return Agreement{}, err
	}
	if err := d.validate(); err != nil {
		return Agreement{}, err
	}
	var b store.BAARow
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
		if b, err = row(ctx, tx, p.User.OrgID, id); err != nil {
			return err
		}
		b.Vendor, b.Service, b.PHI, b.Status, b.SignedAt, b.ExpiresAt = d.Vendor, d.Service, d.PHI, d.Status, d.SignedAt, d.ExpiresAt
		if err := tx.UpdateBAA(ctx, &b); err != nil {
			return err
		}
		e := p.Event(audit.BAAUpdated, "baa", b.ID)
		e.Reason = reason(d)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Agreement{}, err
	}
	return s.view(b), nil
}

// docRef is where an agreement's document is sealed: the org's BAA data
// key, bound to the agreement.
func docRef(orgID, id string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: "baa:" + orgID, Record: id, Field: "document"}
}

// Upload is a document to store.
type Upload struct {
	Name string
	Body io.Reader
}

// PutDocument stores an agreement's document, sealed as it streams into
// the blob store (plaintext never touches disk), replacing any before it.
// More than MaxDocumentSize is too_large; an empty one invalid_input.
func (s *Service) PutDocument(ctx context.Context, p *access.Principal, id string, up Upload) (Agreement, error) {
	if err := p.Can(authz.BAAManage); err != nil {
		return Agreement{}, err
	}
	if s.blobs == nil {
		return Agreement{}, ward.Errorf(ward.CodeUnavailable, "documents are not available: no blob store is configured")
	}
	if err := checkText("name", up.Name, 255, true); err != nil {
		return Agreement{}, err
	}
	if err := s.store.Read(ctx, func(tx *store.Tx) error {
		_, err := row(ctx, tx, p.User.OrgID, id)
		return err
	}); err != nil {
		return Agreement{}, err
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(up.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Agreement{}, err
	}
	if n == 0 {
		return Agreement{}, invalid("the document is empty")
	}
	ctype := http.DetectContentType(head[:n])
	key := sealedblob.NewKey()
	body := io.MultiReader(bytes.NewReader(head[:n]), up.Body)
	size, err := sealedblob.Put(ctx, s.keys, s.blobs, s.log, docRef(p.User.OrgID, id), key, sealedblob.Cap(body, MaxDocumentSize, "document"))
	if err != nil {
		return Agreement{}, err
	}
	var b store.BAARow
	old := ""
	err = s.store.Write(ctx, func(tx *store.Tx) (err error) {
		if b, err = row(ctx, tx, p.User.OrgID, id); err != nil {
			return err
		}
		old = b.DocBlob
		b.DocBlob, b.DocName, b.DocType, b.DocSize = key, up.Name, ctype, size
		if err := tx.UpdateBAA(ctx, &b); err != nil {
			return err
		}
		e := p.Event(audit.BAADocumentStored, "baa", b.ID)
		e.Reason = fmt.Sprintf("%s, %d bytes", ctype, size)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		sealedblob.Delete(ctx, s.blobs, s.log, key)
		return Agreement{}, err
	}
	if old != "" {
		sealedblob.Delete(ctx, s.blobs, s.log, old)
	}
	return s.view(b), nil
}

// OpenDocument opens an agreement's document for reading, audited
// (baa.document_read) before it is answered. The caller closes it.
func (s *Service) OpenDocument(ctx context.Context, p *access.Principal, id string) (Document, io.ReadCloser, error) {
	if err := p.Can(authz.BAAManage); err != nil {
		return Document{}, nil, err
	}
	if s.blobs == nil {
		return Document{}, nil, ward.Errorf(ward.CodeUnavailable, "documents are not available: no blob store is configured")
	}
	var b store.BAARow
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
		if b, err = row(ctx, tx, p.User.OrgID, id); err != nil {
			return err
		}
		if b.DocBlob == "" {
			return ward.Errorf(ward.CodeNotFound, "the agreement has no document")
		}
		return audit.Append(ctx, tx, p.Event(audit.BAADocumentRead, "baa", b.ID))
	})
	if err != nil {
		return Document{}, nil, err
	}
	rc, err := s.blobs.Open(ctx, b.DocBlob)
	if err != nil {
		return Document{}, nil, err
	}
	dr, err := s.keys.NewDecryptReader(ctx, docRef(b.OrgID, b.ID), rc)
	if err != nil {
		rc.Close()
		return Document{}, nil, err
	}
	return Document{Name: b.DocName, ContentType: b.DocType, Size: b.DocSize}, readCloser{dr, rc}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}
