package push

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Kind says why a push was sent.
type Kind string

// Kinds of push.
const (
	NewMessage    Kind = "new_message"
	UrgentMessage Kind = "urgent_message" // sent, or re-notified while unacknowledged
	Escalated     Kind = "escalated"      // an unacknowledged urgent message escalated to the receiver
	// BreakGlass tells a compliance officer that a clinician broke the
	// glass on a patient (internal/compliance): no conversation, no who.
	BreakGlass Kind = "break_glass"
	// Compliance officers' notices (Notify), PHI-free like BreakGlass: no
	// incident, vendor, user or patient; Days or Count only.
	IncidentDeadline Kind = "incident_deadline" // a breach incident's notification deadline is Days away
	BAAExpiry        Kind = "baa_expiry"        // a business associate agreement expires in Days
	ActivityAlert    Kind = "activity_alert"    // Count new activity-monitoring alerts
)

// reminder reports whether kind is a reminder: urgent, but kept by the
// push service for a day, not an hour, while the device is offline.
func reminder(kind Kind) bool { return kind == IncidentDeadline || kind == BAAExpiry }

// breakGlassOpened is the event internal/compliance publishes to the org's
// compliance officers when a clinician breaks the glass (its
// compliance.BreakGlassOpened; named here so push does not import it).
const breakGlassOpened = "breakglass.opened"

// Payload is all a push carries, encrypted for the device (RFC 8291): no
// PHI, by construction. Count is how many messages the push stands for.
type Payload struct {
	Kind           Kind   `json:"kind"`
	ConversationID string `json:"conversation_id"`
	Count          int    `json:"count"`
	Days           int    `json:"days,omitempty"` // a reminder's days left
}

// How long a push service keeps a push for a device that is offline
// (RFC 8030 TTL): an urgent one is re-notified anyway while it waits.
const (
	ttlNormal = 24 * time.Hour
	ttlUrgent = time.Hour
)

// job is one event's pushes, before its subscriptions are looked up.
type job struct {
	payload Payload
	users   []string
}

// delivery is one push to one device.
type delivery struct {
	row     store.PushSubscription
	sub     Subscription
	payload []byte
	kind    Kind
	attempt int
}

// messageFields are the fields of a message event's Data that decide a
// push; the rest (a body) is never decoded.
type messageFields struct {
	SenderID  string        `json:"sender_id"`
	Priority  ward.Priority `json:"priority"`
	Renotify  bool          `json:"renotify"`
	Escalated bool          `json:"escalated"`
}

// Observe turns an event the app published after commit into pushes: a
// message.created to its receivers other than the sender. A new message
// is pushed only to receivers with no live socket (Config.Online); an
// urgent message, its re-notifications and its escalation to everyone's
// subscribed devices, since a browser tab left open on a workstation is
// not the clinician. It never blocks: a full queue drops the event and
// counts it.
func (s *Service) Observe(ev realtime.Event) {
	if ev.Type == breakGlassOpened && len(ev.Users) > 0 { // to every officer's devices, as an urgent one
		s.queue(job{payload: Payload{Kind: BreakGlass, Count: 1}, users: ev.Users})
		return
	}
	if ev.Type != realtime.MessageCreated || len(ev.Users) == 0 {
		return
	}
	var f messageFields
	if err := json.Unmarshal(ev.Data, &f); err != nil {
		return
	}
	kind := NewMessage
	switch {
	case f.Escalated:
		kind = Escalated
	case f.Priority == ward.Urgent:
		kind = UrgentMessage
	}
	users := make([]string, 0, len(ev.Users))
	for _, u := range ev.Users {
		if u == f.SenderID || (kind == NewMessage && s.isOnline(u)) {
			continue
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return
	}
	s.queue(job{payload: Payload{Kind: kind, ConversationID: ev.ConversationID, Count: 1}, users: users})
}

// Notify pushes p to every subscribed device of users: the compliance
// officers' notices (deadline and expiry reminders, activity alerts), as
// urgent pushes, past quiet hours as break-glass is. p must be PHI-free
// (a kind and counts). It never blocks: a full queue drops it and counts it.
func (s *Service) Notify(users []string, p Payload) {
	if len(users) == 0 {
		return
	}
	s.queue(job{payload: p, users: slices.Clone(users)})
}

// queue hands j to the resolver, or drops and counts it when it is behind.
func (s *Service) queue(j job) {
	select {
	case s.jobs <- j:
	default:
		s.metrics.dropped.Inc()
	}
}

func (s *Service) resolveLoop() {
	defer s.wg.Done()
	for {
		select {
		case j := <-s.jobs:
			s.resolve(s.drain(j))
		case <-s.stop:
			return
		}
	}
}

// maxResolveJobs bounds the jobs resolve takes at once.
const maxResolveJobs = 32

// drain returns j and the jobs queued behind it, up to maxResolveJobs.
func (s *Service) drain(j job) []job {
	jobs := []job{j}
	for len(jobs) < maxResolveJobs {
		select {
		case j := <-s.jobs:
			jobs = append(jobs, j)
		default:
			return jobs
		}
	}
	return jobs
}

// resolve looks up the subscriptions of the jobs' users, in one read, and
// queues one push per live one that their preferences let through; those
// it finds dead (ended session, locked or wiped device, disabled user) it
// deletes. The devices come first: most receivers of a message without a
// socket to this node have none (or their socket is to another node of a
// cluster), and then there is nothing to gate.
func (s *Service) resolve(jobs []job) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var users []string
	for _, j := range jobs {
		users = append(users, j.users...)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	var rows []store.PushSubscription
	if err := s.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = tx.PushSubscriptions(ctx, users)
		return err
	}); err != nil {
		s.log.Warn("push: reading subscriptions failed", "err", err.Error())
		s.metrics.failed.Add(float64(len(jobs)))
		return
	}
	byUser := make(map[string][]store.PushSubscription)
	for _, r := range rows {
		byUser[r.UserID] = append(byUser[r.UserID], r)
	}
	for _, j := range jobs {
		var subscribed []string
		var rows []store.PushSubscription
		for _, u := range j.users {
			if rs := byUser[u]; len(rs) > 0 {
				subscribed, rows = append(subscribed, u), append(rows, rs...)
			}
		}
		if len(rows) > 0 {
			s.push(ctx, j, subscribed, rows)
		}
	}
}

// push sends j to rows, the subscriptions of its users subscribed, that
// their preferences let through.
func (s *Service) push(ctx context.Context, j job, subscribed []string, rows []store.PushSubscription) {
	if s.gate != nil { // preferences: quiet hours, do-not-disturb, off duty, what wakes them
		users, err := s.gate.Allow(ctx, j.payload.Kind != NewMessage, j.payload.ConversationID, subscribed)
		if err != nil {
			s.log.Warn("push: reading notification preferences failed", "err", err.Error())
		}
		if held := len(subscribed) - len(users); held > 0 {
			s.metrics.held.Add(float64(held))
		}
		rows = slices.DeleteFunc(rows, func(r store.PushSubscription) bool { return !slices.Contains(users, r.UserID) })
		if len(rows) == 0 {
			return
		}
	}
	payload, _ := json.Marshal(j.payload)
	// webpush-go appends its padding to the message it is given: with spare
	// capacity, the workers sending one payload to many devices would write
	// into one array at once. Clipped, each append copies.
	payload = slices.Clip(payload)
	var dead []store.PushSubscription
	for _, row := range rows {
		if !row.Live {
			dead = append(dead, row)
			continue
		}
		sub, err := s.open(ctx, row)
		if err != nil {
			s.log.Warn("push: a subscription does not open", "device", row.DeviceID, "err", err.Error())
			s.metrics.failed.Inc()
			continue
		}
		s.enqueue(delivery{row: row, sub: sub, payload: payload, kind: j.payload.Kind})
	}
	if len(dead) > 0 {
		s.drop(ctx, dead...)
	}
}

// enqueue hands d to the workers, or drops and counts it when they are
// all behind.
func (s *Service) enqueue(d delivery) {
	select {
	case s.deliveries <- d:
	default:
		s.metrics.dropped.Inc()
	}
}

// drop deletes subscriptions that will never be pushed to again, unless
// their device made a new one since.
func (s *Service) drop(ctx context.Context, rows ...store.PushSubscription) {
	if err := s.store.Write(ctx, func(tx *store.Tx) error {
		for _, r := range rows {
			if err := tx.DeletePushSubscriptionIf(ctx, r.DeviceID, r.Sealed); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		s.log.Warn("push: deleting subscriptions failed", "count", len(rows), "err", err.Error())
		return
	}
	s.metrics.removed.Add(float64(len(rows)))
}

func (s *Service) sendLoop() {
	defer s.wg.Done()
	for {
		select {
		case d := <-s.deliveries:
			s.send(d)
		case <-s.stop:
			for { // what is queued still goes out (Close bounds the wait)
				select {
				case d := <-s.deliveries:
					s.send(d)
				default:
					return
				}
			}
		}
	}
}

// send makes one push request. A 404 or 410 deletes the subscription (the
// browser dropped it); a 429, a 5xx or a network error retries after a
// backoff (the push service's Retry-After when it gives one), MaxAttempts
// in all; any other answer is a failure. Only counts are logged: never an
// endpoint.
func (s *Service) send(d delivery) {
	urgency, ttl := webpush.UrgencyNormal, ttlNormal
	if d.kind != NewMessage {
		urgency, ttl = webpush.UrgencyHigh, ttlUrgent
	}
	if reminder(d.kind) {
		ttl = ttlNormal
	}
	if !hostAllowed(endpointHost(d.sub.Endpoint), s.hosts) { // the allowed hosts may have changed since
		s.metrics.failed.Inc()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start := time.Now()
	resp, err := webpush.SendNotificationWithContext(ctx, d.payload, &webpush.Subscription{Endpoint: d.sub.Endpoint,
		Keys: webpush.Keys{P256dh: d.sub.Keys.P256DH, Auth: d.sub.Keys.Auth}}, &webpush.Options{
		HTTPClient: s.client, Subscriber: s.subject, Topic: topic(d), TTL: int(ttl.Seconds()), Urgency: urgency,
		VAPIDPublicKey: s.pub, VAPIDPrivateKey: s.priv})
	var status int
	var retryAfter time.Duration
	if err == nil {
		status = resp.StatusCode
		retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	s.metrics.latency.Observe(time.Since(start).Seconds())
	switch {
	case err == nil && status >= 200 && status < 300:
		s.metrics.sent.WithLabelValues(string(d.kind)).Inc()
	case status == http.StatusNotFound || status == http.StatusGone:
		s.drop(ctx, d.row)
	case err != nil || status == http.StatusTooManyRequests || status >= 500:
		s.retry(d, retryAfter)
	default:
		s.metrics.failed.Inc()
		s.log.Warn("push: refused by the push service", "status", status)
	}
}

// retry sends d again after its backoff, unless it has had its attempts or
// the service is closing.
func (s *Service) retry(d delivery, after time.Duration) {
	d.attempt++
	if d.attempt >= MaxAttempts {
		s.metrics.failed.Inc()
		return
	}
	if after <= 0 {
		after = s.backoff << (d.attempt - 1)
	}
	s.metrics.retried.Inc()
	time.AfterFunc(min(after, maxRetryAfter), func() {
		select {
		case <-s.stop:
		default:
			s.enqueue(d)
		}
	})
}

// topic collapses a device's pushes of one kind for one conversation that
// its push service still holds into the newest (RFC 8030 Topic: at most 32
// base64url characters; a hash, so it names nothing).
func topic(d delivery) string {
	h := sha256.Sum256([]byte(string(d.kind) + "\x00" + d.row.DeviceID + "\x00" + string(d.payload)))
	return base64.RawURLEncoding.EncodeToString(h[:24])
}

func parseRetryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}
