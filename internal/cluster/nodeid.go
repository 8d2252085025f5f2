package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// validNodeID is what --node-id accepts: what a log line or a metric label
// takes without quoting.
var validNodeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// NodeID returns the id a node goes by in its logs: given when not empty
// (checked), else the host name and a random suffix, new for every
// process, so two processes on one host differ and a restarted one is told
// apart from its predecessor.
func NodeID(given string) (string, error) {
	if given != "" {
		if !validNodeID.MatchString(given) {
			return "", fmt.Errorf("node id %q: use 1 to 63 letters, digits, '.', '_' or '-'", given)
		}
		return given, nil
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "ward"
	}
	host, _, _ = strings.Cut(host, ".")
	host = strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, host)
	if len(host) > 48 {
		host = host[:48]
	}
	b := make([]byte, 4)
	rand.Read(b)
	id := host + "-" + hex.EncodeToString(b)
	if !validNodeID.MatchString(id) {
		id = "ward-" + hex.EncodeToString(b)
	}
	return id, nil
}
