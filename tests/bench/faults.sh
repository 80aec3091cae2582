#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fault-path overhead on the host: median ns per first-touch fault over
# $MIB MiB, alone and with numaweave following the process (weights 0:1 on one
# node: no moves, so only the BPF programs and the controller are measured).
# The host is a shared VM whose speed drifts by 2x from minute to minute, so
# the runs are interleaved (alone, tp_btf, classic; $PAIRS times) and the
# ratio reported is the median of the per-pair ratios.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/build/bench_faults
mib=${MIB:-2048} rounds=${ROUNDS:-5} pairs=${PAIRS:-7}
pin=/sys/fs/bpf/nw-bench-$$
trap 'rm -rf "$pin"' EXIT
echo "host: $(uname -r), $(nproc) cores, $(date -u +%F)"
med() { sed -n 's/^median \([0-9.]*\).*/\1/p'; }
rows=()
for i in $(seq "$pairs"); do
	a=$("$b" "$mib" "$rounds" | med)
	w=$("$top/build/numaweave" run --weights 0:1 --pin-dir "$pin" -- "$b" "$mib" "$rounds" | med)
	c=$("$top/build/numaweave" run --classic-tp --weights 0:1 --pin-dir "$pin" -- "$b" "$mib" "$rounds" | med)
	echo "pair $i: alone $a, tp_btf $w, classic $c ns/fault"
	rows+=("$a $w $c")
done
printf '%s\n' "${rows[@]}" | awk '
function median(v, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{ n++; a[n] = $1; w[n] = $2; c[n] = $3; rw[n] = $2 / $1; rc[n] = $3 / $1 }
END {
	printf "first-touch fault, median ns over %d interleaved runs: alone %.1f, numaweave tp_btf %.1f, classic tracepoint %.1f\n", n, median(a, n), median(w, n), median(c, n)
	printf "median per-pair ratio: tp_btf %.3fx, classic %.3fx\n", median(rw, n), median(rc, n)
}'
# In-kernel cost of the fault program itself, robust to the drift: the
# kernel's own per-program run time (kernel.bpf_stats_enabled, restored after).
prog_ns() {	# prog_ns NAME [numaweave options]: mean ns per run of program NAME
	local name=$1 last= x p
	shift
	"$top/build/numaweave" run --weights 0:1 --pin-dir "$pin" "$@" -- "$b" "$mib" 3 >/dev/null &
	p=$!
	while kill -0 "$p" 2>/dev/null; do
		x=$(bpftool prog show name "$name" 2>/dev/null | grep -o "run_time_ns [0-9]* run_cnt [0-9]*") || true
		[[ -n $x ]] && last=$x
		sleep 0.2
	done
	wait "$p" || true
	echo "$last" | awk '{ if ($4) printf "%.0f ns per run over %d runs", $2 / $4, $4; else print "?" }'
}
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
# Interleaved, $PAIRS rounds: faults folded per region (the default) and a
# record per fault (--fold-window 0); the median of each.
# The floor: the same figure for an empty program on the same tracepoint
# (bench_tpfloor), i.e. the kernel's two clock reads around every run, which
# the figure includes and a run without bpf_stats does not pay.
fold=() each=() classic=() floor=()
for i in $(seq "$pairs"); do
	fold+=("$(prog_ns handle_fault | cut -d' ' -f1)")
	each+=("$(prog_ns handle_fault --fold-window 0 | cut -d' ' -f1)")
	classic+=("$(prog_ns handle_fault_tp --classic-tp | cut -d' ' -f1)")
	floor+=("$("$top/build/bench_tpfloor" -- "$b" "$mib" 3 | sed -n 's/^floor \([0-9.]*\).*/\1/p')")
	echo "round $i: BPF ns per target fault: tp_btf folded ${fold[-1]}, tp_btf a record each ${each[-1]}, classic folded ${classic[-1]}; an empty program ${floor[-1]}"
done
medof() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "BPF program time per target fault, median of $pairs: tp_btf handle_fault $(medof "${fold[@]}") ns (folded), $(medof "${each[@]}") ns (--fold-window 0); classic handle_fault_tp $(medof "${classic[@]}") ns (folded); an empty tp_btf program $(medof "${floor[@]}") ns (bpf_stats' own clock reads)"
awk -v f="$(medof "${fold[@]}")" -v z="$(medof "${floor[@]}")" 'BEGIN { printf "handle_fault above the empty program (folded): %.1f ns\n", f - z }'
sysctl -qw kernel.bpf_stats_enabled="$old_stats"

# (not tee /dev/stderr: that reopens a redirected stderr with O_TRUNC)
# -vv: at -v an idle controller prints no pass line, so no drops count
out=$("$top/build/numaweave" run --weights 0:1 --pin-dir "$pin" -- "$b" "$mib" 3 2)
echo "$out"
two=$(echo "$out" | sed -n 's/.*best \([0-9]*\) faults.*/\1/p')
for fold in 10ms 0; do
	drops=$("$top/build/numaweave" run --weights 0:1 --fold-window $fold --pin-dir "$pin" -v -v -- "$b" "$mib" 3 2 2>&1 >/dev/null |
		sed -n 's/.*events \([0-9]*\) drops \([0-9]*\);.*/\1 records, \2 drops/p' | tail -n 1)
	echo "2 faulting threads under numaweave (best $two faults/s above), --fold-window $fold: at the last pass ${drops:-?}"
done
