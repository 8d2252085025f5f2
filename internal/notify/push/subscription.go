package push

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// Subscription is a browser's PushSubscription (its toJSON form): where to
// push and the keys to encrypt for.
type Subscription struct {
	Endpoint string `json:"endpoint"`
	Keys     Keys   `json:"keys"`
	// ExpirationTime is what toJSON gives (null in the browsers of 2026);
	// accepted and not kept: a 404 or 410 is what ends a subscription.
	ExpirationTime *float64 `json:"expirationTime,omitempty"`
}

// Keys are the subscription's keys, base64url: P256DH the browser's P-256
// public key (65 bytes, uncompressed), Auth its 16-byte secret.
type Keys struct {
	P256DH string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// maxEndpoint bounds an endpoint's length (push services use a few hundred).
const maxEndpoint = 2048

// Validate checks s against RFC 8030 and 8291: an https endpoint on one of
// hosts (a host, or ".suffix" for its subdomains; nil: any host), a valid
// P-256 public key and a 16-byte auth secret.
func (s Subscription) Validate(hosts []string) error {
	if s.Endpoint == "" || len(s.Endpoint) > maxEndpoint {
		return ward.Errorf(ward.CodeInvalid, "endpoint: required, at most %d characters", maxEndpoint)
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return ward.Errorf(ward.CodeInvalid, "endpoint: must be an https URL of a push service")
	}
	if !hostAllowed(u.Hostname(), hosts) {
		return ward.Errorf(ward.CodeInvalid, "endpoint: %s is not a push service this server sends to", u.Hostname())
	}
	pub, err := decodeKey(s.Keys.P256DH)
	if err != nil || len(pub) != 65 {
		return ward.Errorf(ward.CodeInvalid, "keys.p256dh: must be a base64url P-256 public key (65 bytes)")
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return ward.Errorf(ward.CodeInvalid, "keys.p256dh: not a point on P-256")
	}
	if auth, err := decodeKey(s.Keys.Auth); err != nil || len(auth) != 16 {
		return ward.Errorf(ward.CodeInvalid, "keys.auth: must be a base64url 16-byte secret")
	}
	return nil
}

// decodeKey decodes base64url, padded or not (browsers send it unpadded).
func decodeKey(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func hostAllowed(host string, hosts []string) bool {
	if hosts == nil {
		return true
	}
	host = strings.ToLower(host)
	return slices.ContainsFunc(hosts, func(h string) bool {
		if strings.HasPrefix(h, ".") {
			return strings.HasSuffix(host, h)
		}
		return host == h
	})
}

// DefaultHosts are the push services of the browsers ward supports:
// Chrome and Edge (FCM, WNS), Firefox (Mozilla autopush), Safari (Apple).
var DefaultHosts = []string{"fcm.googleapis.com", ".notify.windows.com", "updates.push.services.mozilla.com", ".push.apple.com"}

// sealRef is where a device's subscription is sealed: one data key per org
// for every subscription, so that opening a thousand of them for one page
// unwraps one key.
func sealRef(orgID, deviceID string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: "push:" + orgID, Record: deviceID, Field: "push_subscription"}
}

// Subscribe stores sub as the subscription of p's device, replacing the one
// it had. It lives while p's session does (see store.PushSubscription).
func (s *Service) Subscribe(ctx context.Context, p *access.Principal, sub Subscription) error {
	if err := p.Can(authz.PushSubscribe); err != nil {
		return err
	}
	if err := sub.Validate(s.hosts); err != nil {
		return err
	}
	sub.Keys.P256DH = strings.TrimRight(sub.Keys.P256DH, "=")
	sub.Keys.Auth = strings.TrimRight(sub.Keys.Auth, "=")
	sub.ExpirationTime = nil
	plain, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	defer clear(plain)
	sealed, err := s.keys.Seal(ctx, sealRef(p.User.OrgID, p.Device.ID), plain)
	if err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		row := store.PushSubscription{DeviceID: p.Device.ID, OrgID: p.User.OrgID, UserID: p.User.ID,
			SessionID: p.Session.ID, Sealed: sealed}
		if err := tx.PutPushSubscription(ctx, &row); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p.Event(audit.PushSubscribed, "device", p.Device.ID))
	})
}

// Unsubscribe drops the subscription of p's device, if it has one.
func (s *Service) Unsubscribe(ctx context.Context, p *access.Principal) error {
	if err := p.Can(authz.PushUnsubscribe); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeletePushSubscription(ctx, p.Device.ID)
		if err != nil || !ok {
			return err
		}
		return audit.Append(ctx, tx, p.Event(audit.PushUnsubscribed, "device", p.Device.ID))
	})
}

// open returns a stored subscription's plaintext.
func (s *Service) open(ctx context.Context, row store.PushSubscription) (Subscription, error) {
	plain, err := s.keys.Open(ctx, sealRef(row.OrgID, row.DeviceID), row.Sealed)
	if err != nil {
		return Subscription{}, err
	}
	defer clear(plain)
	var sub Subscription
	err = json.Unmarshal(plain, &sub)
	return sub, err
}
