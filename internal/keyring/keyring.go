package keyring

import (
	"context"
	"crypto/cipher"
	"errors"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// Config is what New needs.
type Config struct {
	Store    *store.Store
	Provider Provider
	// CacheSize bounds how many unwrapped data keys are kept in memory;
	// 0 means DefaultCacheSize.
	CacheSize int
	// CacheTTL bounds how long a cached data key is used before it is read
	// again from the database. It is how long another node may still open a
	// scope after Shred on this one. 0 means DefaultCacheTTL.
	CacheTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ShredKeys, when set, wraps every new data key under a leaf key too,
	// so that shredding reaches backups (shredkeys.go). nil: data keys are
	// wrapped by their org key alone.
	ShredKeys *ShredKeys
}

// Defaults for Config.
const (
	DefaultCacheSize = 10000
	DefaultCacheTTL  = 5 * time.Minute
)

// ErrKeyDestroyed is wrapped by the error (CodeNotFound, "key destroyed")
// that Open and NewDecryptReader return for data whose scope was shredded.
var ErrKeyDestroyed = errors.New("keyring: data key destroyed")

// Ref says where a ciphertext belongs. Org, Scope and Field are required;
// Record may be empty when the scope itself is the record. A ciphertext
// opens only with the Ref it was sealed with.
type Ref struct {
	Org    string // the org id
	Scope  string // what shares one data key: "conv:<id>", "patient:<id>"
	Record string // the row: a message id, an attachment id
	Field  string // the column: "body", "title", "content"
}

func (r Ref) validate() error {
	if r.Org == "" || r.Scope == "" || r.Field == "" {
		return ward.Errorf(ward.CodeInvalid, "keyring: a ref needs an org, a scope and a field")
	}
	return nil
}

// Keyring seals and opens PHI and manages the keys. It is safe for
// concurrent use.
type Keyring struct {
	st    *store.Store
	p     Provider
	now   func() time.Time
	deks  *dekCache
	shred *ShredKeys

	kekMu sync.Mutex
	keks  map[kekKey]cipher.AEAD // unwrapped org KEKs
}

type kekKey struct {
	org     string
	version int
}

// New returns a Keyring over cfg.Store and cfg.Provider, after checking
// that the provider answers.
func New(ctx context.Context, cfg Config) (*Keyring, error) {
	if cfg.Store == nil || cfg.Provider == nil {
		return nil, errors.New("keyring: Config needs a Store and a Provider")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if _, err := cfg.Provider.CurrentKeyID(ctx); err != nil {
		return nil, err
	}
	return &Keyring{
		st:    cfg.Store,
		p:     cfg.Provider,
		now:   cfg.Now,
		deks:  newDEKCache(cfg.CacheSize, cfg.CacheTTL, cfg.Now),
		shred: cfg.ShredKeys,
		keks:  map[kekKey]cipher.AEAD{},
	}, nil
}

func errDestroyed() error {
	return ward.Wrap(ward.CodeNotFound, ErrKeyDestroyed, "key destroyed: this data was crypto-shredded and cannot be read")
}
