package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// Config is what an App is built from.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	Now    func() time.Time // nil means time.Now
}

// App is ward's use cases over one store.
type App struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
}

// New builds an App.
func New(cfg Config) *App {
	a := &App{store: cfg.Store, log: cfg.Logger, now: cfg.Now}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a
}

// Ready reports whether ward can serve: the database answers.
func (a *App) Ready(ctx context.Context) error {
	return a.store.Ping(ctx)
}
