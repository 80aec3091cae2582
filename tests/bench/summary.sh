#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# summary.sh CSV: median, min and max over runs of each (bench, tool, setting,
# pages) row of a vm_damon CSV (run,bench,tool,setting,pages,seconds,cpu_s,final).
set -euo pipefail
awk -F, 'NR > 1 && $2 != "trace" {
	k = $2 "," $3 "," $4 "," $5
	if (!(k in n)) order[++nk] = k
	s[k, ++n[k]] = $6; c[k, n[k]] = $7; f[k, n[k]] = $8
}
function med(a, k, m,    i, j, t, v) {
	for (i = 1; i <= m; i++) v[i] = a[k, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	lo = v[1]; hi = v[m]
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
BEGIN { print "bench,tool,setting,pages,runs,seconds_median,seconds_min,seconds_max,cpu_s_median,final_node0_pct_last" }
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]; m = n[k]
		sm = med(s, k, m); slo = lo; shi = hi
		cm = c[k, 1] != "" ? med(c, k, m) : ""
		printf "%s,%d,%s,%s,%s,%s,%s\n", k, m, sm, slo, shi, cm, f[k, m]
	}
}' "$1"
