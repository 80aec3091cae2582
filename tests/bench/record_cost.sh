#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# record_cost.sh [SECONDS]: what `numaweave record` costs at a 1 s interval,
# for a 1 GiB target (alloc_data, anonymous) and a 64 GiB one (bench_alias:
# a 1 GiB memfd mapped 64 times, 32,768 resident 2 MiB regions), each placed
# by a controller at a 1 s interval. For each: the controller's CPU over
# SECONDS (default 60) without and then with a recorder, the recorder's own
# CPU, and the file's size, first frame and growth, put per hour. Prints a
# table; run as root on an otherwise idle host.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
nw=$top/build/numaweave
secs=${1:-60}
pin=/sys/fs/bpf/nw-reccost-$$
tmp=$(mktemp -d)
tck=$(getconf CLK_TCK)
cleanup() { kill ${npid:-} ${tpid:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp" "$pin"; }
trap cleanup EXIT
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# the controller's CPU outside its scans, moves and event intake (the stats map
# publication, where recording's work is), then its total, in seconds
cpu_s() {
	"$nw" status --pin-dir "$pin" --json | jq -r '.cpu_s | "\(.total - .scan - .move - .events) \(.total)"'
}

measure() {	# NAME CMD...: the target, then the three windows
	local name=$1
	shift
	"$@" >"$tmp/target" 2>&1 &
	tpid=$!
	until grep -q '^ready' "$tmp/target" 2>/dev/null; do sleep 0.5; done
	sleep 2	# every mapping of bench_alias populated
	"$nw" run --pid $tpid --weights 0:1 --interval 1s --pin-dir "$pin" 2>"$tmp/run.log" &
	npid=$!
	# the first full pass over it done
	until "$nw" status --pin-dir "$pin" --json 2>/dev/null | jq -e '.passes >= 2' >/dev/null; do sleep 1; done
	local c0 c1 c2 size0 size1 rec
	c0=$(cpu_s)
	sleep $secs
	c1=$(cpu_s)
	TIMEFORMAT='%U %S'
	{ time "$nw" record --pin-dir "$pin" --output "$tmp/$name.rec" --interval 1s \
		--duration ${secs}s 2>/dev/null; } 2>"$tmp/rectime"
	c2=$(cpu_s)
	rec=$(awk '{ print $1 + $2 }' "$tmp/rectime")
	# the first frame (every region) and what the rest added
	size0=$(awk '/^F/ { n++ } n == 2 { exit } { s += length($0) + 1 } END { print s }' "$tmp/$name.rec")
	size1=$(stat -c %s "$tmp/$name.rec")
	regions=$(awk '/^F/ { print $4; exit }' "$tmp/$name.rec")
	awk -v n="$name" -v s=$secs -v a="$c0" -v b="$c1" -v c="$c2" -v r=$rec -v z0=$size0 \
		-v z1=$size1 -v reg=$regions 'BEGIN {
		split(a, A, " "); split(b, B, " "); split(c, C, " ")
		base = 100 * (B[1] - A[1]) / s; with = 100 * (C[1] - B[1]) / s
		printf "%-8s %8d %8.2f%% %8.2f%% %8.2f%% %8.2f%% %8.2f%% %10.1f %8.1f %8.2f\n", n, reg,
		       100 * (B[2] - A[2]) / s, 100 * (C[2] - B[2]) / s, base, with, 100 * r / s,
		       z0 / 1024, (z1 - z0) / 1024 * 3600 / s, (z0 + (z1 - z0) * 3600 / s) / 1048576 }'
	kill $npid $tpid
	wait $npid $tpid 2>/dev/null || true
	npid= tpid=
}

echo "numaweave record at 1 s on $(uname -r), $(nproc) CPUs; windows of $secs s"
echo "ctl: the controller's CPU (% of a core), all of it and outside scans/moves/events"
printf "%-8s %8s %9s %9s %9s %9s %9s %10s %8s %8s\n" target regions "ctl" "ctl+rec" \
	"publ" "publ+rec" recorder "frame1 KiB" "KiB/h" "MiB/h"
measure 1GiB "$top/build/alloc_data" 1G --nothp
measure 64GiB "$top/build/bench_alias" 1024 64
