// Package server wires ward together from one Config: it checks the data dir,
// listens, loads or creates the TLS certificate, opens and migrates the store,
// builds app and httpapi, serves, and shuts down gracefully. It is the only
// place that knows every part; cmd/ward only fills in a Config.
package server
