package app

import (
	"encoding/json"
	"time"

	"github.com/wardhealth/ward"
)

// The Data of the messaging events the app publishes (internal/realtime
// delivers them to the members' sockets). They go only to members, over
// TLS; a message.created event carries the body so that clients need not
// fetch it, re-notifications and escalations do not.

// convEvent is the Data of conversation.updated.
type convEvent struct {
	ID            string                `json:"id"`
	Kind          ward.ConversationKind `json:"kind,omitempty"`
	Change        string                `json:"change"` // created | member_added | purged
	UserID        string                `json:"user_id,omitempty"`
	PurgedUpToSeq int64                 `json:"purged_up_to_seq,omitempty"`
}

// messageEvent is the Data of message.created and message.recalled.
type messageEvent struct {
	ID             string            `json:"id"`
	ConversationID string            `json:"conversation_id"`
	Seq            int64             `json:"seq"`
	SenderID       string            `json:"sender_id,omitempty"`
	ClientID       string            `json:"client_id,omitempty"`
	Body           string            `json:"body,omitempty"`
	Priority       ward.Priority     `json:"priority,omitempty"`
	Kind           string            `json:"kind,omitempty"` // "auto_reply": sent by the team SenderID names
	CreatedAt      *time.Time        `json:"created_at,omitempty"`
	RecalledAt     *time.Time        `json:"recalled_at,omitempty"`
	Renotify       bool              `json:"renotify,omitempty"`  // an urgent message is still unacknowledged
	Escalated      bool              `json:"escalated,omitempty"` // it escalated to the receiver as backup
	Attachments    []attachmentEvent `json:"attachments,omitempty"`
}

// attachmentEvent is an attachment of a message.created event.
type attachmentEvent struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

func attachmentEvents(atts []ward.Attachment) []attachmentEvent {
	var out []attachmentEvent
	for _, a := range atts {
		out = append(out, attachmentEvent{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size})
	}
	return out
}

// eventJSON encodes an event's Data. The payloads above always encode.
func eventJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("app: event does not encode: " + err.Error())
	}
	return b
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
