#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# ratios.sh CSV: issue 17's ratios from a vm_damon CSV (run,bench,tool,setting,
# pages,seconds,cpu_s,final), per boot (run) and their median over boots:
#   first placement 1:1 by numaweave (its daemon already running, and a run
#   launched on the target), over DAMON at its fastest intervals (time,
#   CPU) and over the bound (migratepages' time for half the buffer, sampled);
#   the live 1:1 -> 3:1 change, numaweave over DAMON at its fastest (time, CPU);
#   and with the floor arm (bare move_pages of the same number of scattered
#   pages), DAMON and the daemon over the floor, both steps, time and CPU.
# A boot that lacks one of the figures gives no ratio for it.
set -euo pipefail
csv=${1:?usage: ratios.sh VM_DAMON_CSV}
awk -F, -f "$(dirname "$0")/stats.awk" -f /dev/stdin "$csv" <<'EOF'
function ratio(name, a, b,    x) {
	if (a == "" || b == "" || b + 0 <= 0 || a == "timeout" || b == "timeout") return
	x = a / b; printf "  %s %.2f\n", name, x; all[name] = all[name] " " x
}
NR > 1 && $2 != "trace" {
	runs[$1] = 1; pages = $5
	if ($2 == "converge-1:1" && $3 == "numaweave") { fpl[$1] = $6; fplc[$1] = $7 }
	if ($2 == "converge-1:1" && $3 == "numaweave-daemon") { fpn[$1] = $6; fpnc[$1] = $7 }
	if ($2 == "converge-1:1" && $3 == "damon" && $4 == "fastest") { fpd[$1] = $6; fpdc[$1] = $7 }
	if ($2 == "change-1:1-3:1" && $3 == "numaweave") { chl[$1] = $6; chlc[$1] = $7 }
	if ($2 == "change-1:1-3:1" && $3 == "numaweave-daemon") { chn[$1] = $6; chnc[$1] = $7 }
	if ($2 == "change-1:1-3:1" && $3 == "damon" && $4 == "fastest") { chd[$1] = $6; chdc[$1] = $7 }
	if ($2 == "bound" && $4 ~ /at that rate sampled/) bound[$1] = $6
	if ($2 == "converge-1:1" && $3 == "floor") { fpf[$1] = $6; fpfc[$1] = $7 }
	if ($2 == "change-1:1-3:1" && $3 == "floor") { chf[$1] = $6; chfc[$1] = $7 }
}
END {
	for (r in runs) {
		printf "boot %s (%s):\n", r, pages
		ratio("first placement (daemon running) / DAMON, time", fpn[r], fpd[r])
		ratio("first placement (daemon running) / DAMON, CPU", fpnc[r], fpdc[r])
		ratio("first placement (daemon running) / bound", fpn[r], bound[r])
		ratio("first placement (run launched on it) / DAMON, time", fpl[r], fpd[r])
		ratio("first placement (run launched on it) / bound", fpl[r], bound[r])
		ratio("live change (daemon) / DAMON, time", chn[r], chd[r])
		ratio("live change (daemon) / DAMON, CPU", chnc[r], chdc[r])
		ratio("live change (run) / DAMON, time", chl[r], chd[r])
		ratio("live change (run) / DAMON, CPU", chlc[r], chdc[r])
		ratio("first placement, DAMON / floor, time", fpd[r], fpf[r])
		ratio("first placement, DAMON / floor, CPU", fpdc[r], fpfc[r])
		ratio("first placement (daemon running) / floor, time", fpn[r], fpf[r])
		ratio("first placement (daemon running) / floor, CPU", fpnc[r], fpfc[r])
		ratio("live change, DAMON / floor, time", chd[r], chf[r])
		ratio("live change, DAMON / floor, CPU", chdc[r], chfc[r])
		ratio("live change (daemon) / floor, time", chn[r], chf[r])
		ratio("live change (daemon) / floor, CPU", chnc[r], chfc[r])
	}
	for (k in all) printf "median over boots: %s %.2f (%s)\n", k, med(all[k]), rng(all[k])
}
EOF
