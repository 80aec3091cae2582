#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Controller cost on the host: plan time for 1 Mi resident pages, RSS for a
# 64 GiB sparse target, CPU in an idle steady state (nothing to move).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
nw=$top/build/numaweave
pin=/sys/fs/bpf/nw-scale-$$
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$pin" "$tmp"' EXIT
. "$top/tests/bench/lib.sh"

"$top/build/alloc_data" 4G --nothp >"$tmp/a" &
pids+=($!)
ready "$tmp/a" 60
for i in 1 2 3; do
	"$nw" run --pid "${pids[0]}" --weights 0:1 --once --dry-run --json --pin-dir "$pin" |
		sed -n 's/.*"pages_scanned": \([0-9]*\).*"seconds": \([0-9.]*\).*"max_rss_kib": \([0-9]*\).*/plan: \1 pages scanned in \2 s, controller max RSS \3 KiB/p'
done

"$top/build/bench_sparse" 64 >"$tmp/s" &
pids+=($!)
ready "$tmp/s" 60
"$nw" run --pid "${pids[1]}" --weights 0:1 --once --dry-run --json --pin-dir "$pin" |
	sed -n 's/.*"pages_scanned": \([0-9]*\).*"seconds": \([0-9.]*\).*"max_rss_kib": \([0-9]*\).*/sparse 64 GiB: \1 pages scanned in \2 s, controller max RSS \3 KiB/p'

"$nw" run --pid "${pids[0]}" --weights 0:1 --pin-dir "$pin" &
npid=$!
sleep 3
t0=$(ticks "$npid")
sleep 20
t1=$(ticks "$npid")
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$npid/status")
kill -TERM "$npid"
wait "$npid" || true
hz=$(getconf CLK_TCK)
awk -v d=$((t1 - t0)) -v hz="$hz" -v rss="$rss" 'BEGIN {
	printf "idle steady state (4 GiB target, default 200 ms interval): %.2f%% of a core over 20 s, max RSS %d KiB\n", 100 * d / hz / 20, rss }'
