#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# wake_latency.sh [join|batch|entry]: how long a running controller takes to
# act on what it is woken for (polled `numaweave status`; each call costs a
# few ms, which is the resolution):
#   join   a daemon follows a process written into a cgroup a policy names,
#          from the write to cgroup.procs until status lists the pid;
#   batch  `numaweave weights` writes a whole table: until status shows it in
#          force;
#   entry  bpftool writes one entry: until status shows it in force (such a
#          table settles for a quarter interval first).
# Root, cgroup v2 (join), any number of nodes. NW=binary (build/numaweave),
# ROUNDS (20), INTERVAL (the controller's --interval, 1s: without a wake-up it
# reads cgroups and weights every quarter of it). Prints one line per round
# and the median, min and max in ms.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
nw=${NW:-$top/build/numaweave}
kind=${1:-join}
rounds=${ROUNDS:-20}
interval=${INTERVAL:-1s}
[[ $kind =~ ^(join|batch|entry)$ ]] || { echo "usage: wake_latency.sh [join|batch|entry]" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "wake_latency: needs root" >&2; exit 2; }
cgroot=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[[ -n $cgroot ]] || { echo "wake_latency: no cgroup2 mount" >&2; exit 2; }
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
# default.yaml: its table is the documented `weights`, the one status shows
cat >"$tmp/conf/default.yaml" <<EOF
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
echo "wake_latency: $("$nw" --version 2>&1 | head -n 1), $(uname -r), interval $interval; $(grep -o 'programs: .*' "$tmp/d.log")"
ns() { date +%s%N; }
out=()
for r in $(seq "$rounds"); do
	sleep 0.$((RANDOM % 10))	# not in step with the daemon's reads
	if [[ $kind == join ]]; then
		sleep 100 &
		sp=$!
		t0=$(ns)
		echo "$sp" >"$cg/cgroup.procs"
		want=".targets | map(.pid) | index($sp) != null"
	else
		v=$((2 + r % 2))
		t0=$(ns)
		if [[ $kind == batch ]]; then
			"$nw" weights --pin-dir "$pin" "0:$v" >/dev/null
		else
			bpftool map update pinned "$pin/weights" key 0 0 0 0 value "$v" 0 0 0
		fi
		want=".weights == {\"0\": $v}"
	fi
	until "$nw" status --pin-dir "$pin" --json | jq -e "$want" >/dev/null; do
		(( $(ns) - t0 < 5000000000 )) || { echo "round $r: not done in 5 s" >&2; break; }
	done
	ms=$(( ($(ns) - t0) / 1000000 ))
	echo "round $r: $kind done after $ms ms"
	out+=("$ms")
	if [[ -n ${sp:-} ]]; then
		kill "$sp"
		wait "$sp" 2>/dev/null || true
		sp=
	fi
done
printf '%s\n' "${out[@]}" | sort -n | awk '{ a[NR] = $1 } END {
	printf "wake_latency: %s, %d rounds, median %d ms (min %d, max %d)\n", kind, NR, a[int((NR + 1) / 2)], a[1], a[NR] }' kind="$kind"
