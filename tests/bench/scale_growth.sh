#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scale_growth.sh: how the controller's costs grow (issue 31), on this host,
# as root, at the daemon's 1 s interval. One row per case:
#   targets   N idle processes in one cgroup (run --cgroup): 1 .. 32,768
#   vmas      one process with N VMAs (run --pid): 10 .. 65,000
#   resident  one process with N GiB written (run --pid): 1 .. 16
#   policies  64 processes of 64 MiB under 1 policy, then under 64 (daemon)
#   faults    one process taking N page faults a second (bench_faultrate, 256
#             MiB dropped and touched again), pages in order (-seq: one record
#             per 2 MiB region folds 512 faults) and in a random order (-rand:
#             a record for nearly every fault); 0 is as fast as it can
# Columns: seconds from start until every target is followed and passed over
# once (up), the controller's CPU seconds until then (start CPU), its CPU in
# the steady state over WINDOW s after that (idle, % of a core; the periodic
# full pass falls outside it), its RSS, and the targets status lists.
# OUT=DIR takes the binaries from DIR (default build); CASES="targets vmas"
# runs some; SIZES_TARGETS etc. override the values.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
out=${OUT:-$top/build}
nw=$out/numaweave
window=${WINDOW:-20}
cases=${CASES:-targets vmas resident policies faults}
tck=$(getconf CLK_TCK)
pin=/sys/fs/bpf/nw-growth-$$
tmp=$(mktemp -d)
cgbase=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cg=$cgbase/nw-growth-$$
pids=()
pid_max0=$(cat /proc/sys/kernel/pid_max)
cleanup() {
	[[ -n ${npid:-} ]] && kill "$npid" 2>/dev/null
	for p in "${pids[@]}"; do kill -TERM -- "$p" 2>/dev/null; done
	wait 2>/dev/null
	rmdir "$cg" 2>/dev/null
	rm -rf "$tmp" "$pin"
	echo "$pid_max0" >/proc/sys/kernel/pid_max
}
trap cleanup EXIT
# 32,768 processes need more pids than the default pid_max (32,768): raised
# for the run (the machine's own processes need theirs too), restored at exit
[[ $pid_max0 -lt 262144 ]] && echo 262144 >/proc/sys/kernel/pid_max
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
sysctl -qw vm.max_map_count=262144


# measure NAME VALUE WANT CMD...: start the controller CMD, wait until it
# lists WANT targets and has made 2 passes, then the steady-state window
measure() {
	local name=$1 value=$2 want=$3 t0 up ts n tick0 tick1 rss
	shift 3
	t0=$(date +%s.%N)
	"$@" --pin-dir "$pin" --interval 1s 2>"$tmp/nw.err" &
	npid=$!
	for _ in $(seq 6000); do
		n=$("$nw" status --pin-dir "$pin" --json 2>/dev/null | jq -r 'if .passes >= 2 then (.targets | length) else 0 end' 2>/dev/null)
		[[ ${n:-0} -ge $want ]] && break
		kill -0 $npid 2>/dev/null || break
		sleep 0.2
	done
	up=$(echo "$(date +%s.%N) - $t0" | bc)
	ts=$(ticks $npid)
	sleep 2
	tick0=$(ticks $npid)
	sleep "$window"
	tick1=$(ticks $npid)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$npid/status")
	n=$("$nw" status --pin-dir "$pin" --json | jq '.targets | length')
	printf "%-9s %7s %8.1f %9.2f %8.3f%% %8.1f %9s\n" "$name" "$value" "$up" "$(echo "$ts / $tck" | bc -l)" \
		"$(echo "100 * ($tick1 - $tick0) / $tck / $window" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$n"
	kill -TERM $npid
	wait $npid 2>/dev/null
	npid=
}

echo "scale_growth on $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); interval 1 s, idle window $window s"
printf "%-9s %7s %8s %9s %9s %8s %9s\n" case value "up (s)" "start CPU" "idle" "RSS MiB" "targets"

if [[ $cases == *targets* ]]; then
	mkdir -p "$cg"
	for n in ${SIZES_TARGETS:-1 100 1000 10000 32768}; do
		"$out/bench_procs" "$n" "$cg" >"$tmp/procs" &
		pids=($!)
		ready "$tmp/procs" || { echo "bench_procs $n never ready"; exit 1; }
		measure targets "$n" "$n" "$nw" run --cgroup "$cg" --weights 0:1 --max-targets 65536
		kill -TERM "${pids[0]}"
		wait "${pids[0]}" 2>/dev/null
		until grep -q 'populated 0' "$cg/cgroup.events"; do sleep 0.2; done
		pids=()
	done
	for _ in $(seq 50); do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
fi
# one NAME VALUE CMD...: CMD makes one target (it prints ready), followed by pid
one() {
	local name=$1 value=$2
	shift 2
	"$@" >"$tmp/one" &
	pids=($!)
	ready "$tmp/one"
	measure "$name" "$value" 1 "$nw" run --pid "${pids[0]}" --weights 0:1
	kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null; pids=()
}

if [[ $cases == *vmas* ]]; then
	for n in ${SIZES_VMAS:-10 1000 65000}; do one vmas "$n" "$out/bench_vmas" "$n"; done
fi
if [[ $cases == *resident* ]]; then
	for g in ${SIZES_RESIDENT:-1 4 16}; do one resident "${g}GiB" "$out/alloc_data" "${g}G" --nothp; done
fi
if [[ $cases == *faults* ]]; then
	for pat in seq rand; do
		for r in ${SIZES_FAULTS:-1000 10000 100000 0}; do
			one faults "$r-$pat" "$out/bench_faultrate" "$r" 256 "$pat"
			echo "#   faults $r-$pat: the job took $(awk '$1 == "faults" { n++; s += $2 } END { printf "%.0f", n ? s / n : 0 }' "$tmp/one") faults/s"
		done
	done
fi
if [[ $cases == *policies* ]]; then
	for np in 1 64; do
		conf=$tmp/conf$np
		mkdir -p "$conf"
		chmod 700 "$conf"
		pids=()
		for i in $(seq 64); do
			"$out/alloc_data" 64M >"$tmp/a$i" &
			pids+=($!)
		done
		for i in $(seq 64); do ready "$tmp/a$i"; done
		for i in $(seq 64); do
			k=$(( np == 1 ? 1 : i ))
			echo "${pids[$((i - 1))]}" >>"$conf/p$k.pids"
		done
		for k in $(seq "$np"); do
			if [[ $np -eq 1 ]]; then
				targets=$(sed 's/^/    - pid: /' "$conf/p1.pids")
			else
				targets="    - pid: $(cat "$conf/p$k.pids")"
			fi
			printf 'kdamonds:\n- contexts:\n  - targets:\n%s\n    schemes:\n    - action: migrate_hot\n      dests: [{id: 0, weight: 1}]\n' "$targets" >"$conf/p$k.yaml"
			rm "$conf/p$k.pids"
		done
		measure policies "$np" 64 "$nw" daemon --config-dir "$conf"
		for p in "${pids[@]}"; do kill "$p"; done
		wait "${pids[@]}" 2>/dev/null
		pids=()
	done
fi
