package client

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Device identifies the client's device to the server. Secret is what the
// server issued the device at its first sign-in (LoginResponse.DeviceSecret,
// or Error.DeviceSecret with device_pending); without it a sign-in is a new
// device. Client.Login fills it in from what it kept.
type Device struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret,omitempty"`
}

// LoginRequest signs in.
type LoginRequest struct {
	Org          string `json:"org,omitempty"`
	Email        string `json:"email"`
	Password     string `json:"password"`
	TOTP         string `json:"totp,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
	Device       Device `json:"device"`
}

// LoginResponse is a new session.
type LoginResponse struct {
	Token              string    `json:"token"`
	User               User      `json:"user"`
	ExpiresAt          time.Time `json:"expires_at"`
	IdleTimeout        int64     `json:"idle_timeout"`
	EnrollmentRequired []string  `json:"enrollment_required"`
	// DeviceSecret is issued on a device's first sign-in only: keep it
	// (Client.Login does, for its own later sign-ins).
	DeviceSecret string `json:"device_secret,omitempty"`
}

// User is a directory entry.
type User struct {
	ID       string `json:"id"`
	OrgID    string `json:"org_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

// Me is the signed-in user.
type Me struct {
	User        User  `json:"user"`
	IdleTimeout int64 `json:"idle_timeout"`
	Org         Org   `json:"org"`
}

// Org is the caller's org: the clinic's name and the slug to sign in with.
type Org struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// NewConversation starts a conversation.
type NewConversation struct {
	Kind      string   `json:"kind"` // "direct" or "group"
	Title     string   `json:"title,omitempty"`
	Members   []string `json:"members"`
	PatientID string   `json:"patient_id,omitempty"`
}

// Member is one person in a conversation.
type Member struct {
	UserID string `json:"user_id"`
	Role   string `json:"role"`
}

// Conversation is a conversation as its member sees it.
type Conversation struct {
	ID            string   `json:"id"`
	Kind          string   `json:"kind"`
	Title         string   `json:"title"`
	PatientID     string   `json:"patient_id,omitempty"` // the patient record (or patient user) it is about
	Members       []Member `json:"members"`
	LastSeq       int64    `json:"last_seq"`
	Unread        int      `json:"unread"`
	UrgentUnacked int      `json:"urgent_unacked"`
}

// SendRequest sends a message. ClientID makes retries safe: a send
// retried with the same ClientID stores one message. NewClientID makes one.
type SendRequest struct {
	ClientID     string `json:"client_id"`
	Body         string `json:"body"`
	Priority     string `json:"priority,omitempty"` // "normal" (default) or "urgent"
	BackupUserID string `json:"backup_user_id,omitempty"`
}

// Receipt is what one recipient did with a message.
type Receipt struct {
	UserID      string     `json:"user_id"`
	DeliveredAt *time.Time `json:"delivered_at"`
	ReadAt      *time.Time `json:"read_at"`
	AckedAt     *time.Time `json:"acked_at"`
}

// Message is one message; Body is empty on a tombstone.
type Message struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	SenderID       string `json:"sender_id"`
	ClientID       string `json:"client_id"`
	Body           string `json:"body"`
	Priority       string `json:"priority"`
	// Kind is "" for a user's message and "auto_reply" for a care team's
	// after-hours auto-reply, whose SenderID is the team's id.
	Kind       string     `json:"kind,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	RecalledAt *time.Time `json:"recalled_at"`
	Tombstone  bool       `json:"tombstone"`
	Receipts   []Receipt  `json:"receipts"`
}

// Event is a frame pushed on the socket.
type Event struct {
	Type           string          `json:"type"`
	ConversationID string          `json:"conversation_id,omitempty"`
	Seq            int64           `json:"seq,omitempty"`
	Data           json.RawMessage `json:"data,omitempty"`
}

// NewClientID returns a fresh client id for a send: a UUIDv7, which sorts
// by the time it was made. Any unique string of 1 to 64 characters will do,
// but ward keeps client ids in an index that leads with them, and ids that
// grow with time are added at its end, next to the ones sent just before:
// a busy server writes a page of that index for many sends instead of one
// each (api/openapi.yaml, client_id).
func NewClientID() string { return uuid.Must(uuid.NewV7()).String() }
