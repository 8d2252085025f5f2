package client

import "context"

// PushSubscription is a Web Push subscription as a browser's
// PushSubscription.toJSON() gives it.
type PushSubscription struct {
	Endpoint string   `json:"endpoint"`
	Keys     PushKeys `json:"keys"`
}

// PushKeys are a subscription's keys, base64url: the browser's P-256 public
// key and its 16-byte auth secret.
type PushKeys struct {
	P256DH string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// PushKey returns the server's VAPID public key (base64url), the
// applicationServerKey a browser subscribes with.
func (c *Client) PushKey(ctx context.Context) (string, error) {
	var out struct {
		Key string `json:"key"`
	}
	return out.Key, c.do(ctx, "GET", "/api/v1/push/vapid-key", nil, &out)
}

// SubscribePush registers the signed-in device's push subscription,
// replacing the one it had.
func (c *Client) SubscribePush(ctx context.Context, sub PushSubscription) error {
	return c.do(ctx, "POST", "/api/v1/devices/current/push", sub, nil)
}

// UnsubscribePush removes the signed-in device's push subscription.
func (c *Client) UnsubscribePush(ctx context.Context) error {
	return c.do(ctx, "DELETE", "/api/v1/devices/current/push", nil, nil)
}
