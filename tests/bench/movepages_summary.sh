#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Summary of bench_movepages.csv (tests/bench/vm_movepages.sh rows prefixed
# with the boot): per page size and tool, the median and range over every
# round of MiB/s in the moving call(s), wall seconds and CPU seconds; then
# per boot the ratio of each tool's median MiB/s to migratepages', and the
# median of those ratios over the boots.
set -euo pipefail
csv=${1:?usage: movepages_summary.sh bench_movepages.csv}
head='pages tool              MiB/s median (range)     wall s median (range)  CPU s median'
awk -F, -f "$(dirname "$0")/stats.awk" -f /dev/stdin "$csv" <<'EOF' | sort | sed "1i $head"
$2 == "move" && $8 != "" {
	k = $5 SUBSEP $4; mps[k] = mps[k] " " $8; wall[k] = wall[k] " " $6; cpu[k] = cpu[k] " " $9
	b = $1 SUBSEP $4; bm[b] = bm[b] " " $8; boots[$1] = $5; tools[$4] = 1
}
END {
	for (k in mps) {
		split(k, p, SUBSEP)
		printf "%-5s %-17s %-24s %-22s %s\n", p[1], p[2], sprintf("%.1f (%s)", med(mps[k]), rng(mps[k])),
		       sprintf("%.2f (%s)", med(wall[k]), rng(wall[k])), sprintf("%.2f", med(cpu[k]))
	}
	for (bt in boots) for (t in tools) if (t != "migratepages" && (bt SUBSEP t) in bm && (bt SUBSEP "migratepages") in bm) {
		r = med(bm[bt SUBSEP t]) / med(bm[bt SUBSEP "migratepages"])
		printf "boot %s: %s at %.2fx migratepages MiB/s\n", bt, t, r
		ratios[boots[bt] SUBSEP t] = ratios[boots[bt] SUBSEP t] " " r
	}
	for (k in ratios) { split(k, p, SUBSEP); printf "%s %s: median ratio to migratepages over boots %.2f (%s)\n", p[1], p[2], med(ratios[k]), rng(ratios[k]) }
}
EOF
