package server

import (
	"context"
	"fmt"
	"os"

	"github.com/wardhealth/ward/internal/store"
)

// OpenStore opens the store cfg names for an administrative command. For
// SQLite the data dir must exist already: admin commands never create one.
func OpenStore(ctx context.Context, cfg Config) (*store.Store, error) {
	cfg = withDefaults(cfg)
	if err := store.CheckURL(cfg.DBURL); err != nil {
		return nil, err
	}
	if cfg.DBURL == "" {
		exists, err := checkDataDir(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		if !exists {
			return nil, fmt.Errorf("data dir %s does not exist (ward serve creates it)", cfg.DataDir)
		}
	}
	return store.Open(ctx, store.Options{URL: cfg.DBURL, DataDir: cfg.DataDir, Now: cfg.Now})
}

// Migrate applies pending migrations and returns their names and the schema
// version. It creates the data dir for SQLite if needed.
func Migrate(ctx context.Context, cfg Config) ([]string, int, error) {
	cfg = withDefaults(cfg)
	if cfg.DBURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, 0, err
		}
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, 0, err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return applied, 0, err
	}
	v, err := st.SchemaVersion(ctx)
	return applied, v, err
}
