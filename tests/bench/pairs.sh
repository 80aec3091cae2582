#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# pairs.sh CSV: from a vm_damon CSV whose boots alternate the floor and the
# daemon (ARMS='floor daemon floor daemon ...'), the daemon's CPU over the
# floor's in each adjacent pair (the i-th daemon arm of a boot with its i-th
# floor arm), for first placement and the live change: median (range) over
# every pair, and the two arms' own CPU seconds.
set -euo pipefail
csv=${1:?usage: pairs.sh VM_DAMON_CSV}
awk -F, -f "$(dirname "$0")/stats.awk" -f /dev/stdin "$csv" <<'AWK'
NR > 1 && ($2 == "converge-1:1" || $2 == "change-1:1-3:1") {
	k = $1 SUBSEP $2; step[k] = $2
	if ($3 == "floor") fl[k, ++nf[k]] = $7
	if ($3 == "numaweave-daemon") nw[k, ++nn[k]] = $7
}
END {
	for (k in step) for (i = 1; i <= nf[k] && i <= nn[k]; i++) {
		if (fl[k, i] + 0 <= 0) continue
		s = step[k]; n[s]++
		r[s] = r[s] " " nw[k, i] / fl[k, i]; f[s] = f[s] " " fl[k, i]; d[s] = d[s] " " nw[k, i]
	}
	for (s in r) printf "%s: daemon / floor, CPU, per pair %.2f (%s), %d pairs; floor %.2f s (%s), daemon %.2f s (%s)\n",
		s, med(r[s]), rng(r[s]), n[s], med(f[s]), rng(f[s]), med(d[s]), rng(d[s])
}
AWK
