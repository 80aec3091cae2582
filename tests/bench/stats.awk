# SPDX-License-Identifier: GPL-2.0
# Helpers for the benchmark summaries (awk -f stats.awk -f PROGRAM):
# med(s): the median of the numbers in the space-separated string s;
# rng(s): "MIN-MAX" of them, two decimals.
function med(s,    v, n, i, j, t) {
	n = split(s, v, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function rng(s,    v, n, i, lo, hi) {
	n = split(s, v, " "); lo = hi = v[1]
	for (i = 2; i <= n; i++) { if (v[i] + 0 < lo + 0) lo = v[i]; if (v[i] + 0 > hi + 0) hi = v[i] }
	return sprintf("%.2f-%.2f", lo, hi)
}
