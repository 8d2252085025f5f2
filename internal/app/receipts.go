package app

import (
	"context"

	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/receipts"
)

// Receipts is the delivered, read and acknowledged marks of messages
// (internal/receipts).
func (a *App) Receipts() *receipts.Service { return a.receipts }

// receiptCore is what receipts ask of the app (receipts.Core).
type receiptCore struct {
	memberCheck
	a *App
}

func (c receiptCore) Refresh(p *Principal) { c.a.refresh(p) }

func (c receiptCore) Publish(ctx context.Context, events []realtime.Event) { c.a.Publish(ctx, events) }
