package ward

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ConversationKind says whether a conversation is between two people or a group.
type ConversationKind string

// Conversation kinds.
const (
	Direct ConversationKind = "direct" // exactly two people; one per pair
	Group  ConversationKind = "group"
)

// MemberRole is a member's standing in a conversation.
type MemberRole string

// Member roles.
const (
	MemberOwner  MemberRole = "owner" // started the conversation
	MemberMember MemberRole = "member"
)

// Priority is how urgently a message wants attention.
type Priority string

// Priorities. An urgent message re-notifies its recipients until one of them
// acknowledges it and escalates to a backup after the org's policy delay.
const (
	Normal Priority = "normal"
	Urgent Priority = "urgent"
)

// ReceiptKind is what a receipt says about a message.
type ReceiptKind string

// Receipt kinds. Acknowledged is written by Acknowledge, for urgent messages.
const (
	Delivered    ReceiptKind = "delivered"
	Read         ReceiptKind = "read"
	Acknowledged ReceiptKind = "acknowledged"
)

// Limits on conversation and message fields.
const (
	MaxBodyLen     = 16 << 10 // bytes of UTF-8
	MaxTitleLen    = 200      // characters
	MaxTopicLen    = 1000     // characters
	MaxClientIDLen = 64       // characters
	MaxMembers     = 500      // people in one conversation
	MaxPageSize    = 200      // messages in one listing
	MinLifespan    = time.Hour
)

// Conversation is a direct or group conversation. Title and Topic are PHI:
// the store holds them sealed; here they are plaintext.
type Conversation struct {
	ID        string
	OrgID     string
	Kind      ConversationKind
	Title     string
	Topic     string
	PatientID string // the patient the conversation is about, if any
	CreatedBy string
	CreatedAt time.Time
	Lifespan  time.Duration // 0: the org's policy decides; otherwise messages are purged after this long
	Members   []Member

	LastSeq       int64     // the sequence number of the newest message, 0 when none
	LastMessageAt time.Time // zero when none
}

// Member is one person in a conversation.
type Member struct {
	UserID   string
	Role     MemberRole
	JoinedAt time.Time
	// HistoryFrom is the first sequence number the member may read (0: all):
	// a backup an urgent message escalated to reads from that message on.
	HistoryFrom int64
}

// ConversationSummary is a conversation as one member sees it in a list.
type ConversationSummary struct {
	Conversation
	Unread        int // messages from others not yet read by the member
	UrgentUnacked int // urgent messages from others the member has not acknowledged
}

// Member returns userID's membership of c, and whether there is one.
func (c Conversation) Member(userID string) (Member, bool) {
	for _, m := range c.Members {
		if m.UserID == userID {
			return m, true
		}
	}
	return Member{}, false
}

// HasMember reports whether userID is a member of c.
func (c Conversation) HasMember(userID string) bool {
	for _, m := range c.Members {
		if m.UserID == userID {
			return true
		}
	}
	return false
}

// MemberIDs lists the user ids of c's members.
func (c Conversation) MemberIDs() []string {
	ids := make([]string, len(c.Members))
	for i, m := range c.Members {
		ids[i] = m.UserID
	}
	return ids
}

// Validate reports whether c can be stored.
func (c Conversation) Validate() error {
	if c.Kind != Direct && c.Kind != Group {
		return Errorf(CodeInvalid, "kind must be direct or group")
	}
	if c.Title != "" {
		if err := validText("title", c.Title, 1, MaxTitleLen); err != nil {
			return err
		}
	}
	if c.Topic != "" {
		if err := validText("topic", c.Topic, 1, MaxTopicLen); err != nil {
			return err
		}
	}
	if c.PatientID != "" {
		if err := validText("patient_id", c.PatientID, 1, 64); err != nil {
			return err
		}
	}
	if c.Lifespan < 0 || (c.Lifespan != 0 && c.Lifespan < MinLifespan) {
		return Errorf(CodeInvalid, "lifespan must be 0 (the org's policy) or at least one hour")
	}
	return nil
}

// Message is one message in a conversation. Body is PHI: the store holds it
// sealed; here it is plaintext, empty for a recalled or purged message (a
// tombstone).
type Message struct {
	ID             string
	ConversationID string
	Seq            int64 // 1, 2, 3, … within the conversation
	SenderID       string
	ClientID       string // the sender's idempotency key
	Body           string
	Priority       Priority
	CreatedAt      time.Time
	RecalledAt     time.Time // zero unless the sender recalled it
	PurgedAt       time.Time // zero unless retention purged it
	BackupUserID   string    // urgent only: who it escalates to
	// Kind is "" for a user's message and MessageAutoReply for a care
	// team's after-hours auto-reply, whose SenderID is the team's id.
	Kind string
	// Receipts are the other members' receipts, filled in for the caller's
	// own messages when listing.
	Receipts []Receipt
	// Attachments are the files sent with the message (none on a tombstone).
	Attachments []Attachment
}

// MessageAutoReply is the kind of a care team's after-hours auto-reply: a
// message sent by the team (no user), to the patient who wrote.
const MessageAutoReply = "auto_reply"

// Tombstone reports whether m's content was destroyed (recalled or purged).
func (m Message) Tombstone() bool { return !m.RecalledAt.IsZero() || !m.PurgedAt.IsZero() }

// Validate checks the sender-supplied parts of m: the body, the client id
// and the priority.
func (m Message) Validate() error {
	if err := ValidBody(m.Body); err != nil {
		return err
	}
	if err := validText("client_id", m.ClientID, 1, MaxClientIDLen); err != nil {
		return err
	}
	if m.Priority != Normal && m.Priority != Urgent {
		return Errorf(CodeInvalid, "priority must be normal or urgent")
	}
	if m.BackupUserID != "" && m.Priority != Urgent {
		return Errorf(CodeInvalid, "backup_user_id is only for urgent messages")
	}
	return nil
}

// ValidBody checks a message body: 1 to MaxBodyLen bytes of UTF-8, not only
// white space, with no NUL.
func ValidBody(body string) error {
	switch {
	case len(body) > MaxBodyLen:
		return Errorf(CodeTooLarge, "body is over %d KiB", MaxBodyLen>>10)
	case strings.TrimSpace(body) == "":
		return Errorf(CodeInvalid, "body is empty")
	case !utf8.ValidString(body):
		return Errorf(CodeInvalid, "body is not valid UTF-8")
	case strings.IndexByte(body, 0) >= 0:
		return Errorf(CodeInvalid, "body must not contain NUL characters")
	}
	return nil
}

// Receipt is what one member has done with one message. Zero times mean
// not yet.
type Receipt struct {
	MessageID   string
	UserID      string
	DeliveredAt time.Time
	ReadAt      time.Time
	AckedAt     time.Time
}
