// Package push wakes people's phones and browsers with Web Push: RFC 8030
// delivery, RFC 8291 message encryption and RFC 8292 VAPID, through
// github.com/SherClockHolmes/webpush-go.
//
// It owns the signed-in device's subscription (Subscribe, Unsubscribe:
// sealed by the keyring, one per device, alive while the session that made
// it is and its device and user are active), and the sender: Tap wraps the
// app's broker, so every event the app publishes after commit is also
// looked at here, on the node that made it (never once per node). A new,
// urgent or escalated message becomes one push per subscribed device of its
// recipients, queued and sent by worker goroutines: a full queue drops and
// counts, never blocks a send. The payload is PHI-free by construction: a
// kind, the conversation's opaque id and a count (Payload); the app fetches
// the content once the user is signed in.
//
// package pushtest is a real push service for tests: it checks the VAPID
// JWT and decrypts what it receives with the subscription's private key.
package push
