package server

import "github.com/wardhealth/ward/internal/conformance"

// Deployment is how cfg serves ward, as the conformance report states it:
// ward terminates TLS itself unless it runs behind a TLS proxy.
func Deployment(cfg Config) conformance.Deployment {
	return conformance.Deployment{TLS: !cfg.InsecureBehindTLSProxy, BehindTLSProxy: cfg.InsecureBehindTLSProxy,
		CheckpointSink: cfg.AuditCheckpointSink}
}
