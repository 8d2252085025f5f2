// Package client is a small Go client for ward's HTTP and WebSocket API,
// for Go programs, ward's own tests and `ward bench`. It speaks the JSON of
// api/openapi.yaml: sign in, conversations, messages, receipts, and the
// event socket, which can also send (Socket.Send: a frame instead of a POST
// per message). Errors from the server come back as *client.Error with the
// problem's stable code, over HTTP and over the socket alike.
package client
