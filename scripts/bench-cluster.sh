#!/usr/bin/env bash
# bench-cluster.sh: issue 26's cluster figure, two ward nodes on one
# PostgreSQL against one. Runs 'ward bench' one-to-one at saturation on
# PostgreSQL, one node then two nodes sharing NATS, ROUNDS times alternated
# (default 3; WARD_BENCH_CLUSTER_ROUNDS), each run after a CHECKPOINT (when
# psql is there) so that none pays for the one before; prints every pair's
# msgs/s and the ratio two/one, then the median ratio. One pair moves by
# 10 points from one hour to the next on a shared 2-core host: read the
# median of several, alternated.
#
#   make build && BENCH_POSTGRES=postgres://… scripts/bench-cluster.sh   # or: make bench-cluster
set -euo pipefail
BIN=${BIN:-bin/ward}
DB=${BENCH_POSTGRES:-${WARD_TEST_POSTGRES:-}}
NATS=${WARD_BENCH_NATS:-nats://127.0.0.1:4222}
ROUNDS=${1:-${WARD_BENCH_CLUSTER_ROUNDS:-3}}
FLAGS=${WARD_BENCH_CLUSTER_FLAGS:---group-ratio 0 --users 400 --sockets 400 --rate 10000 --senders 256 --duration 15s}
if [ -z "$DB" ]; then
	echo "bench-cluster: set BENCH_POSTGRES (or WARD_TEST_POSTGRES) to a postgres:// URL" >&2
	exit 2
fi
log() { echo "bench-cluster: $*" >&2; }

# run NODES prints the run's sent msgs/s.
run() {
	local extra=() out
	[ "$1" -gt 1 ] && extra=(--nodes "$1" --nats "$NATS")
	if command -v psql >/dev/null; then psql -qtA -d "$DB" -c CHECKPOINT >/dev/null 2>&1 || true; fi
	# shellcheck disable=SC2086 # FLAGS is a list of flags
	out=$("$BIN" bench --db "$DB" "${extra[@]}" $FLAGS)
	echo "$out" | grep -E '^(sent  |send→deliver|CPU per|load gen|database|rest of host)' | sed "s/^/  [$1 node(s)] /" >&2
	echo "$out" | awk '/^sent /{print $2}'
}

ratios=()
for i in $(seq 1 "$ROUNDS"); do
	log "round $i of $ROUNDS: one node"
	one=$(run 1)
	log "round $i of $ROUNDS: two nodes"
	two=$(run 2)
	r=$(awk -v a="$one" -v b="$two" 'BEGIN{printf "%.1f", 100*b/a}')
	ratios+=("$r")
	echo "round $i: one node $one msgs/s, two nodes $two msgs/s: two/one $r %"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "two nodes / one node, median of $ROUNDS alternated pairs: $median %"
