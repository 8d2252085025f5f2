package receipts

import (
	"context"
	"encoding/json"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Core is what receipts ask of internal/app, which owns sessions,
// conversations and the live events.
type Core interface {
	// Refresh keeps p's session alive: a read mark is a person's action.
	Refresh(p *access.Principal)
	// Member reads conversation convID in tx if p is one of its members;
	// to anyone else it does not exist (NoConversation).
	Member(ctx context.Context, tx *store.Tx, p *access.Principal, convID string) (store.Conversation, error)
	// NoConversation is what a caller who is not a member is told.
	NoConversation() error
	// Publish publishes events after the commit that made them.
	Publish(ctx context.Context, events []realtime.Event)
}

// Service is the receipt use cases.
type Service struct {
	store *store.Store
	now   func() time.Time
	core  Core
}

// New builds a Service over st at the clock now.
func New(st *store.Store, now func() time.Time, core Core) *Service {
	return &Service{store: st, now: now, core: core}
}

// event is the Data of a realtime receipt event.
type event struct {
	ConversationID string           `json:"conversation_id"`
	UserID         string           `json:"user_id"`
	Kind           ward.ReceiptKind `json:"kind"`
	UpToSeq        int64            `json:"up_to_seq,omitempty"`
	MessageIDs     []string         `json:"message_ids"`
	At             time.Time        `json:"at"`
}

func eventJSON(ev event) json.RawMessage {
	b, err := json.Marshal(ev)
	if err != nil {
		panic("receipts: event does not encode: " + err.Error())
	}
	return b
}
