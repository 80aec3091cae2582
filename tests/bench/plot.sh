#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# plot.sh CSV PNG: node-0 share of the buffer over time (trace rows of vm_damon.sh).
set -euo pipefail
csv=$1 png=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plots=()
for tool in $(awk -F, '$1 == "trace" { print $2 }' "$csv" | sort -u); do
	awk -F, -v t="$tool" '$1 == "trace" && $2 == t { print $3 / 1000, $4 }' "$csv" >"$tmp/$tool.dat"
	plots+=("'$tmp/$tool.dat' with lines lw 2 title '$tool'")
done
((${#plots[@]})) || { echo "plot: no trace rows in $csv" >&2; exit 1; }
gnuplot <<GP
set terminal pngcairo size 900,500
set output '$png'
set title 'Buffer pages on node 0 (256 MiB, weights 1:1 then 3:1), Debian 7.3 guest, TCG'
set xlabel 'seconds since start'
set ylabel '% on node 0'
set yrange [40:101]
set grid
plot $(IFS=,; echo "${plots[*]}")
GP
echo "$png"
