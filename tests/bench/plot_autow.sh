#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# plot_autow.sh PNG [BG1]: the weights controller on the toy example (build/sim_autow).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
png=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$top/build/sim_autow" "${2:-0}" | tr ',' ' ' | tail -n +2 >"$tmp/d"
gnuplot <<GP
set terminal pngcairo size 900,600
set output '$png'
set multiplot layout 2,1 title 'numaweave --weights auto on the model: one job, a second from 100 to 200 s (node 0: 100, node 1: 50)'
set grid
set ylabel 'weight (of 100)'
set yrange [-5:105]
plot '$tmp/d' using 1:2 with steps lw 2 title 'node 0', '' using 1:3 with steps lw 2 title 'node 1'
set ylabel 'traffic'
set xlabel 'seconds'
set yrange [0:160]
plot '$tmp/d' using 1:4 with lines lw 2 title 'node 0', '' using 1:5 with lines lw 2 title 'node 1', '' using 1:6 with lines dt 2 title 'served to the jobs'
unset multiplot
GP
echo "$png"
