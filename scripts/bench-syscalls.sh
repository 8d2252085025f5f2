#!/usr/bin/env bash
# Syscalls and context switches per message of the server that `ward bench` starts: runs the bench
# with the flags given (one-to-one over 400 sockets at 10,000/s offered by default), attaches
# `perf stat` to the child `ward serve` for 8 s of the measured window, and divides the counts by
# the messages sent. Counts are steadier than throughput on a shared, virtualised machine.
#
#   scripts/bench-syscalls.sh [WARD_BINARY] [ward bench flags…]
#
# Needs perf (Debian: linux-perf); docs/BENCHMARKS.md has the figures it gave.
set -euo pipefail
bin=${1:-bin/ward}
shift || true
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(--group-ratio 0 --users 400 --sockets 400 --rate 10000 --senders 256)
command -v perf >/dev/null || { echo "bench-syscalls: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" bench "${flags[@]}" --duration 12s >"$out/bench.log" 2>&1 &
bench=$!
until grep -q 'measure' "$out/bench.log" 2>/dev/null; do
  kill -0 "$bench" 2>/dev/null || { cat "$out/bench.log" >&2; exit 1; }
  sleep 0.5
done
server=$(pgrep -n -f -- "$bin serve")
events=syscalls:sys_enter_pwrite64,syscalls:sys_enter_pread64,syscalls:sys_enter_write,syscalls:sys_enter_read
events+=,syscalls:sys_enter_futex,syscalls:sys_enter_nanosleep,syscalls:sys_enter_fsync,syscalls:sys_enter_epoll_pwait
events+=,context-switches,task-clock
perf stat -x, -e "$events" -p "$server" -o "$out/perf.csv" -- sleep 8
wait "$bench"
grep -E '^(sent|send→deliver|CPU per message)' "$out/bench.log"
sent=$(awk '/^sent/ {print $2}' "$out/bench.log")
awk -F, -v s="$sent" '$1 ~ /^[0-9.]+$/ { name = $3; sub(/^syscalls:sys_enter_/, "", name);
  if (name == "task-clock") printf "%s %.0f µs\n", name, $1 * 1000 / (s * 8); else printf "%s %.2f\n", name, $1 / (s * 8) }' "$out/perf.csv" |
  paste -sd' ' | sed 's/^/per message: /'
