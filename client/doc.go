// Package client is a small Go client for ward's HTTP and WebSocket API,
// for Go programs, ward's own tests and `ward bench`. It speaks the JSON of
// api/openapi.yaml: sign in, conversations, messages, receipts, and the
// event socket. Errors from the server come back as *client.Error with the
// problem's stable code.
package client
