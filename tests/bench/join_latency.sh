#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# How long a running daemon takes to follow a process written into a cgroup a
# policy names: from the write to cgroup.procs until `numaweave status` lists
# the pid (polled; each status call costs a few ms, which is the resolution).
# Root, cgroup v2, any number of nodes. NW=binary (build/numaweave), ROUNDS
# (20), INTERVAL (the daemon's --interval, 1s: cgroups are read every quarter
# of it). Prints one line per round and the median, min and max in ms.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
nw=${NW:-$top/build/numaweave}
rounds=${ROUNDS:-20}
interval=${INTERVAL:-1s}
[[ $(id -u) -eq 0 ]] || { echo "join_latency: needs root" >&2; exit 2; }
cgroot=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[[ -n $cgroot ]] || { echo "join_latency: no cgroup2 mount" >&2; exit 2; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
tmp=$(mktemp -d)
pin=/sys/fs/bpf/nw-join-$$
cg=$cgroot/nw-join-$$
mkdir "$cg"
mkdir -m 0755 "$tmp/conf"
cleanup() {
	[[ -n ${dpid:-} ]] && kill "$dpid" 2>/dev/null
	[[ -n ${sp:-} ]] && kill "$sp" 2>/dev/null
	wait 2>/dev/null
	rmdir "$cg" 2>/dev/null
	rm -rf "$tmp" "$pin"
}
trap cleanup EXIT
cat >"$tmp/conf/j.yaml" <<EOF
kdamonds:
- contexts:
  - targets:
    - cgroup: $cg
    schemes:
    - action: migrate_hot
      dests:
      - id: 0
        weight: 1
EOF
"$nw" daemon --config-dir "$tmp/conf" --pin-dir "$pin" --interval "$interval" -v 2>"$tmp/d.log" &
dpid=$!
for _ in $(seq 100); do grep -q start-up "$tmp/d.log" && break; sleep 0.1; done
grep -q start-up "$tmp/d.log" || { cat "$tmp/d.log"; exit 1; }
echo "join_latency: $("$nw" --version 2>&1 | head -n 1), $(uname -r), interval $interval; $(grep -o 'programs: .*' "$tmp/d.log")"
ns() { date +%s%N; }
out=()
for r in $(seq "$rounds"); do
	sleep 100 &
	sp=$!
	sleep 0.$((RANDOM % 10))	# not in step with the daemon's reads
	t0=$(ns)
	echo "$sp" >"$cg/cgroup.procs"
	until "$nw" status --pin-dir "$pin" --json | jq -e ".targets | map(.pid) | index($sp) != null" >/dev/null; do
		(( $(ns) - t0 < 5000000000 )) || { echo "round $r: not followed in 5 s" >&2; break; }
	done
	ms=$(( ($(ns) - t0) / 1000000 ))
	echo "round $r: followed after $ms ms"
	out+=("$ms")
	kill "$sp"
	wait "$sp" 2>/dev/null || true
	sp=
done
printf '%s\n' "${out[@]}" | sort -n | awk '{ a[NR] = $1 } END {
	printf "join_latency: %d rounds, median %d ms (min %d, max %d)\n", NR, a[int((NR + 1) / 2)], a[1], a[NR] }'
