#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# plot_autow.sh PNG [BG1 [LAT_K]]: the weights controller on the toy example
# (build/sim_autow); with LAT_K > 0 the loaded-latency law, and a third panel
# with the nodes' loaded latency.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
png=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$top/build/sim_autow" "${2:-0}" "${3:-0}" | tr ',' ' ' | tail -n +2 >"$tmp/d"
lat=0 law=
if awk -v k="${3:-0}" 'BEGIN { exit !(k > 0) }'; then
	lat=1 law=', loaded-latency law'
fi
gnuplot <<GP
set terminal pngcairo size 900,$((lat ? 850 : 600))
set output '$png'
set multiplot layout $((lat ? 3 : 2)),1 title 'weights auto on the model$law: a job, a second 100-200 s (node 0: 100, node 1: 50)'
set grid
set ylabel 'share of pages (%)'
set yrange [-5:105]
plot '$tmp/d' using 1:(100*\$2/(\$2+\$3)) with steps lw 2 title 'node 0', '' using 1:(100*\$3/(\$2+\$3)) with steps lw 2 title 'node 1'
set ylabel 'traffic'
set yrange [0:160]
if ($lat == 0) { set xlabel 'seconds' }
plot '$tmp/d' using 1:4 with lines lw 2 title 'node 0', '' using 1:5 with lines lw 2 title 'node 1', '' using 1:6 with lines dt 2 title 'served to the jobs'
if ($lat) {
	set xlabel 'seconds'
	set ylabel 'loaded latency (ns)'
	set logscale y
	set yrange [50:10000]
	plot '$tmp/d' using 1:8 with lines lw 2 title 'node 0 (100 ns idle)', '' using 1:9 with lines lw 2 title 'node 1 (200 ns idle)'
}
unset multiplot
GP
echo "$png"
