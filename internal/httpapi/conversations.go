package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/authz"
)

// messagingRoutes registers conversations, messages, receipts,
// acknowledgements and recall.
func (h *Handler) messagingRoutes() {
	h.route("POST /api/v1/conversations", authz.ConversationCreate, h.createConversation)
	h.route("GET /api/v1/conversations", authz.ConversationList, h.listConversations)
	h.route("GET /api/v1/conversations/{id}", authz.ConversationRead, h.getConversation)
	h.route("POST /api/v1/conversations/{id}/messages", authz.MessageSend, h.sendMessage)
	h.route("GET /api/v1/conversations/{id}/messages", authz.MessageRead, h.listMessages)
	h.automaticRoute("POST /api/v1/conversations/{id}/receipts", authz.ReceiptWrite, h.markReceipts)
	h.route("POST /api/v1/messages/{id}/ack", authz.ReceiptWrite, h.acknowledge)
	h.route("POST /api/v1/messages/{id}/recall", authz.MessageRecall, h.recall)
	h.attachmentRoutes()
}

type memberView struct {
	UserID   string          `json:"user_id"`
	Role     ward.MemberRole `json:"role"`
	JoinedAt time.Time       `json:"joined_at"`
}

type conversationView struct {
	ID            string                `json:"id"`
	Kind          ward.ConversationKind `json:"kind"`
	Title         string                `json:"title,omitempty"`
	Topic         string                `json:"topic,omitempty"`
	PatientID     string                `json:"patient_id,omitempty"`
	CreatedBy     string                `json:"created_by"`
	CreatedAt     time.Time             `json:"created_at"`
	Lifespan      int64                 `json:"lifespan,omitempty"` // seconds; 0: the org's policy
	Members       []memberView          `json:"members"`
	LastSeq       int64                 `json:"last_seq"`
	LastMessageAt *time.Time            `json:"last_message_at,omitempty"`
	Unread        int                   `json:"unread"`
	UrgentUnacked int                   `json:"urgent_unacked"`
	// OnCall, in the answer to a conversation started with an on-call
	// role, is whom the role reached.
	OnCall *onCallView `json:"on_call,omitempty"`
}

func viewConversation(s ward.ConversationSummary) conversationView {
	c := s.Conversation
	v := conversationView{ID: c.ID, Kind: c.Kind, Title: c.Title, Topic: c.Topic, PatientID: c.PatientID, CreatedBy: c.CreatedBy,
		CreatedAt: c.CreatedAt, Lifespan: int64(c.Lifespan / time.Second), Members: make([]memberView, len(c.Members)),
		LastSeq: c.LastSeq, LastMessageAt: optTime(c.LastMessageAt), Unread: s.Unread, UrgentUnacked: s.UrgentUnacked}
	for i, m := range c.Members {
		v.Members[i] = memberView{UserID: m.UserID, Role: m.Role, JoinedAt: m.JoinedAt}
	}
	return v
}

type receiptView struct {
	UserID      string     `json:"user_id"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
	AckedAt     *time.Time `json:"acked_at,omitempty"`
}

func viewReceipt(r ward.Receipt) receiptView {
	return receiptView{UserID: r.UserID, DeliveredAt: optTime(r.DeliveredAt), ReadAt: optTime(r.ReadAt), AckedAt: optTime(r.AckedAt)}
}

type messageView struct {
	ID             string           `json:"id"`
	ConversationID string           `json:"conversation_id"`
	Seq            int64            `json:"seq"`
	SenderID       string           `json:"sender_id"`
	ClientID       string           `json:"client_id"`
	Body           string           `json:"body,omitempty"` // absent on a tombstone
	Priority       ward.Priority    `json:"priority"`
	Kind           string           `json:"kind,omitempty"` // "auto_reply": sent by the care team sender_id names
	BackupUserID   string           `json:"backup_user_id,omitempty"`
	CreatedAt      time.Time        `json:"created_at"`
	RecalledAt     *time.Time       `json:"recalled_at,omitempty"`
	PurgedAt       *time.Time       `json:"purged_at,omitempty"`
	Tombstone      bool             `json:"tombstone,omitempty"`
	Receipts       []receiptView    `json:"receipts,omitempty"` // the caller's own messages only
	Attachments    []attachmentView `json:"attachments,omitempty"`
}

func viewMessage(m ward.Message) messageView {
	v := messageView{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, SenderID: m.SenderID, ClientID: m.ClientID,
		Body: m.Body, Priority: m.Priority, Kind: m.Kind, BackupUserID: m.BackupUserID, CreatedAt: m.CreatedAt,
		RecalledAt: optTime(m.RecalledAt), PurgedAt: optTime(m.PurgedAt), Tombstone: m.Tombstone(),
		Attachments: viewAttachments(m.Attachments)}
	for _, r := range m.Receipts {
		v.Receipts = append(v.Receipts, viewReceipt(r))
	}
	return v
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (h *Handler) createConversation(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		Kind      ward.ConversationKind `json:"kind"`
		Title     string                `json:"title"`
		Topic     string                `json:"topic"`
		Members   []string              `json:"members"`
		PatientID string                `json:"patient_id"`
		Lifespan  ward.Duration         `json:"lifespan"` // seconds
		// RoleID addresses a direct conversation to whoever is on call for
		// an on-call role now, instead of members.
		RoleID string `json:"role_id"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var (
		c       ward.Conversation
		created bool
		err     error
		onCall  *onCallView
	)
	if req.RoleID != "" {
		if req.Kind != ward.Direct || len(req.Members) > 0 || req.Title != "" || req.Topic != "" || req.PatientID != "" || req.Lifespan != 0 {
			return ward.Errorf(ward.CodeInvalid, "a conversation with an on-call role is direct, with role_id and no members, title, topic, patient_id or lifespan")
		}
		c, created, onCall, err = h.conversationWithRole(r, p, req.RoleID)
	} else {
		c, created, err = h.app.CreateConversation(r.Context(), p, app.NewConversation{Kind: req.Kind, Title: req.Title,
			Topic: req.Topic, Members: req.Members, PatientID: req.PatientID, Lifespan: req.Lifespan.D()})
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK // the existing direct conversation between the two
	}
	v := viewConversation(ward.ConversationSummary{Conversation: c})
	v.OnCall = onCall
	writeJSON(w, status, v)
	return nil
}

func (h *Handler) listConversations(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	list, err := h.app.ListConversations(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]conversationView, len(list))
	for i, s := range list {
		out[i] = viewConversation(s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": out})
	return nil
}

func (h *Handler) getConversation(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	s, err := h.app.GetConversation(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewConversation(s))
	return nil
}

func (h *Handler) sendMessage(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		ClientID      string        `json:"client_id"`
		Body          string        `json:"body"`
		Priority      ward.Priority `json:"priority"`
		BackupUserID  string        `json:"backup_user_id"`
		AttachmentIDs []string      `json:"attachment_ids"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	m, created, err := h.app.SendMessage(r.Context(), p, r.PathValue("id"), app.SendRequest{ClientID: req.ClientID,
		Body: req.Body, Priority: req.Priority, BackupUserID: req.BackupUserID, AttachmentIDs: req.AttachmentIDs})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK // a retry: the message sent the first time
	}
	writeJSON(w, status, viewMessage(m))
	return nil
}

func (h *Handler) listMessages(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	msgs, err := h.app.ListMessages(r.Context(), p, r.PathValue("id"), after, int(min(limit, ward.MaxPageSize+1)))
	if err != nil {
		return err
	}
	out := make([]messageView, len(msgs))
	for i, m := range msgs {
		out[i] = viewMessage(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
	return nil
}

// queryInt reads a non-negative integer query parameter; absent is 0.
func queryInt(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, ward.Errorf(ward.CodeInvalid, "%s must be a whole number, 0 or more", name)
	}
	return n, nil
}

func (h *Handler) markReceipts(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	var req struct {
		UpToSeq int64            `json:"up_to_seq"`
		Kind    ward.ReceiptKind `json:"kind"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	n, err := h.app.Receipts().Mark(r.Context(), p, r.PathValue("id"), req.UpToSeq, req.Kind)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"changed": n})
	return nil
}

func (h *Handler) acknowledge(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	rc, err := h.app.Receipts().Acknowledge(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewReceipt(rc))
	return nil
}

func (h *Handler) recall(w http.ResponseWriter, r *http.Request, p *app.Principal) error {
	m, err := h.app.Recall(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewMessage(m))
	return nil
}
