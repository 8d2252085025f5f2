#!/usr/bin/env bash
# bench-backup.sh: issue 26's backup figures. Builds a data dir of GIB GiB
# (default 10; WARD_BENCH_BACKUP_GIB) of 1 MiB attachment blobs (random
# bytes, as sealed ones are) beside a SQLite database, starts a real
# 'ward serve' on it, offers 2,000 msgs/s with 'ward bench --target' and,
# for the whole measured window, runs 'ward backup' back to back; then
# restores the last backup into an empty data dir. Prints backup MiB/s,
# the messaging p99 during the backups, restore MiB/s and the load average.
# Everything is made under WORK (default a new folder in /var/tmp) and
# removed at the end (WARD_BENCH_KEEP=1 keeps it).
#
#   make build && scripts/bench-backup.sh [GIB]       # or: make bench-backup
set -euo pipefail
BIN=${BIN:-bin/ward}
GIB=${1:-${WARD_BENCH_BACKUP_GIB:-10}}
RATE=${WARD_BENCH_BACKUP_RATE:-2000}
WINDOW=${WARD_BENCH_BACKUP_WINDOW:-150s}
BASELINE=${WARD_BENCH_BACKUP_BASELINE:-30s} # messaging without a backup first (0: skip)
WORK=${WARD_BENCH_BACKUP_DIR:-$(mktemp -d /var/tmp/ward-bench-backup.XXXXXX)}
PORT=${WARD_BENCH_BACKUP_PORT:-18443}
PW='bench backup admin passphrase'
export WARD_BACKUP_PASSPHRASE='bench backup passphrase'
DATA=$WORK/data OUT=$WORK/backups RESTORED=$WORK/restored
SERVER=''
cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
	[ -n "${WARD_BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$OUT"
log() { echo "bench-backup: $*" >&2; }

log "data dir $DATA: $GIB GiB of blobs"
printf '%s' "$PW" | "$BIN" init --data "$DATA" --org 'Bench Clinic' --admin admin@bench.test --mfa optional --password-stdin >/dev/null
# 1 MiB blobs, named as ward names them (letters, digits, dashes), fanned
# out by their last two characters; AES-CTR output is as random as sealed.
per=$(( (GIB * 1024 + 255) / 256 ))
start=$(date +%s.%N)
for i in $(seq 0 255); do
	sub=$(printf '%02x' "$i")
	mkdir -p "$DATA/blobs/$sub"
	{ openssl enc -aes-128-ctr -nosalt -pass "pass:ward$sub" -pbkdf2 -in /dev/zero 2>/dev/null || true; } | head -c $((per << 20)) |
		split -b 1048576 -a 4 --additional-suffix="-$sub" - "$DATA/blobs/$sub/bench-$sub-"
done
sync # on disk before anything is measured, not flushed during the baseline
log "blobs written in $(echo "$(date +%s.%N) - $start" | bc) s"

"$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" --public-url "https://localhost:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -skf "https://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
curl -skf "https://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$WORK/serve.log"; exit 1; }

load() { # load DURATION OUTPUT: ward bench against the server
	"$BIN" bench --target "https://127.0.0.1:$PORT" --insecure-skip-verify --org bench-clinic --admin-email admin@bench.test \
		--admin-password "$PW" --rate "$RATE" --duration "$1" --warmup 5s >"$2" 2>&1
}
if [ "$BASELINE" != 0 ]; then
	log "messaging alone for $BASELINE (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	load "$BASELINE" "$WORK/baseline.txt"
	sed -n '/^ward bench:/,/^send→answer/p' "$WORK/baseline.txt" >&2
fi
log "messaging for $WINDOW with backups back to back"
load "$WINDOW" "$WORK/bench.txt" &
BENCH=$!
until grep -q '^offering' "$WORK/bench.txt" 2>/dev/null; do
	kill -0 "$BENCH" 2>/dev/null || { cat "$WORK/bench.txt"; exit 1; }
	sleep 0.5
done
sleep 5 # the warm-up
n=0
while kill -0 "$BENCH" 2>/dev/null; do
	n=$((n + 1))
	rm -f "$OUT"/*.wardbackup # room for the next
	"$BIN" backup --data "$DATA" --to "$OUT" ${WARD_BENCH_BACKUP_FLAGS:-} 2>"$WORK/backup-$n.txt" >"$WORK/backup-$n.path"
	log "backup $n (load average $(cut -d' ' -f1-3 /proc/loadavg)): $(grep 'backup written' "$WORK/backup-$n.txt")"
done
wait "$BENCH"
sed -n '/^ward bench:/,/^send→answer/p' "$WORK/bench.txt" >&2
kill "$SERVER" && wait "$SERVER" 2>/dev/null || true
SERVER=''

file=$(cat "$WORK/backup-$n.path") # the last; the others made room for it
mkdir -p "$RESTORED"
cp "$DATA/master.key" "$DATA/shred.keys" "$RESTORED/"
size=$(stat -c %s "$file")
start=$(date +%s.%N)
"$BIN" restore --from "$file" --data "$RESTORED" 2>"$WORK/restore.txt" | head -1 >&2
secs=$(echo "$(date +%s.%N) - $start" | bc)
log "restore of $(( size >> 20 )) MiB in $secs s: $(echo "$size / 1048576 / $secs" | bc) MiB/s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
