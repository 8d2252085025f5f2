// Package deploy holds what self-hosting ward takes besides the binary: the
// container image (Dockerfile) and a hardened systemd unit (ward.service).
// It has no Go code; its tests check that the image builds ward as `make
// build` does and runs it unprivileged, and that systemd accepts the unit.
// docs/deploy.md is the guide.
package deploy
