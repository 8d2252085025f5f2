#!/usr/bin/env bash
# Offline govulncheck: scans the Go module in $PWD against a vulnerability
# database built locally from a pinned golang.org/x/vulndb module version,
# fetched through the Go module proxy (vuln.go.dev is never contacted).
#
# Usage (from a module root):  bash scripts/vulncheck.sh [govulncheck args...]
#   With no arguments it scans ./... ; any arguments replace ./... verbatim
#   (e.g. `bash scripts/vulncheck.sh -show verbose ./...`).
#
# Cache (gitignored), relative to this script's repo root:
#   .cache/bin/govulncheck            pinned govulncheck binary
#   .cache/vulndb/<vulndb version>/   v1 database (index/, ID/) built by cmd/indexdb
# Each is built only when missing. Exit status is govulncheck's
# (0 clean, 3 when a reachable vulnerability is found, other on error).
set -euo pipefail

# Pins. To bump the database:
#   go list -m golang.org/x/vulndb@latest
GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-v1.9.0}"
VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"

# Project convention: Go 1.27.3 (the go command fetches it via the module proxy).
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"

MODULE_ROOT="$PWD"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$REPO_ROOT/.cache"
BIN_DIR="$CACHE/bin"
GOVULNCHECK="$BIN_DIR/govulncheck"
DB_DIR="$CACHE/vulndb/$VULNDB_VERSION"

log() { echo "vulncheck: $*" >&2; }

# Build-time env for the tools: ignore the caller's workspace / GOFLAGS
# (e.g. -mod=vendor) so they can't break building third-party code.
tool_env=(env GOWORK=off GOFLAGS=)

# Tool installs/downloads run from an empty scratch dir, outside any module,
# so nothing can touch the project's go.mod / go.sum.
scratch="$(mktemp -d)"
tmp_db=""
cleanup() { rm -rf "$scratch" ${tmp_db:+"$tmp_db"}; }
trap cleanup EXIT

# 1. govulncheck (only if missing or a different version).
have_version=""
if [[ -x "$GOVULNCHECK" ]]; then
  have_version="$("$GOVULNCHECK" -version 2>/dev/null || true)"
fi
if [[ "$have_version" != *"govulncheck@${GOVULNCHECK_VERSION}"* ]]; then
  log "installing golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION} into ${BIN_DIR}"
  mkdir -p "$BIN_DIR"
  (cd "$scratch" && "${tool_env[@]}" GOBIN="$BIN_DIR" \
    go install "golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION}")
fi

# 2. Vulnerability database (only if missing).
if [[ ! -f "$DB_DIR/index/db.json" ]]; then
  log "building vulnerability database from golang.org/x/vulndb@${VULNDB_VERSION}"
  mod_json="$(cd "$scratch" && "${tool_env[@]}" go mod download -json "golang.org/x/vulndb@${VULNDB_VERSION}")" || true
  src_dir="$(printf '%s\n' "$mod_json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  if [[ -z "$src_dir" || ! -d "$src_dir/data/osv" ]]; then
    log "go mod download did not give a usable module dir:"
    printf '%s\n' "$mod_json" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$DB_DIR")"
  tmp_db="$(mktemp -d "${DB_DIR}.tmp.XXXXXX")"
  chmod 755 "$tmp_db"
  # cmd/indexdb: -vulns <dir of OSV JSON> -out <db dir>. Its deps come from
  # the proxy using the vulndb module's own go.mod/go.sum (read-only is enough).
  (cd "$src_dir" && "${tool_env[@]}" GOFLAGS=-mod=readonly \
    go run ./cmd/indexdb -vulns "$src_dir/data/osv" -out "$tmp_db")
  # Atomic publish; if a concurrent run won the race, keep theirs.
  if mv -T "$tmp_db" "$DB_DIR" 2>/dev/null; then
    tmp_db=""
  fi
fi

n_entries="$(find "$DB_DIR/ID" -name '*.json' -type f | wc -l | tr -d ' ')"
log "govulncheck ${GOVULNCHECK_VERSION}, vulndb golang.org/x/vulndb@${VULNDB_VERSION} (${n_entries} entries), module ${MODULE_ROOT}"

if [[ $# -eq 0 ]]; then
  set -- ./...
fi
cd "$MODULE_ROOT"
status=0
"$GOVULNCHECK" -db "file://${DB_DIR}" "$@" || status=$?
exit "$status"
