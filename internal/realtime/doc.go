// Package realtime carries events to connected clients: a Broker moves
// events between nodes (in-process by default, NATS across nodes), and a Hub
// holds this node's WebSocket connections and hands each event to the
// sockets of the users or devices it names. internal/app publishes events
// after its transaction commits; nothing here reads the store.
package realtime
