#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The plan pass over 1 Mi resident pages (4 GiB), THP and 4 KiB, with
# PAGEMAP_SCAN's PAGE_IS_HUGE (6.7+) and with the fallback every older kernel
# takes (kpageflags for each physically contiguous run), alternating, on the
# host. Prints: pages,way,run,pages_scanned,seconds
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
nw=$top/build/numaweave
pin=/sys/fs/bpf/nw-scan-$$
tmp=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null; rm -rf "$pin" "$tmp"' EXIT
runs=${RUNS:-5}
echo "pages,way,run,pages_scanned,seconds"
for pages in thp nothp; do
	"$top/build/alloc_data" 4G --$pages >"$tmp/a" &
	pid=$!
	for _ in $(seq 600); do grep -q ready "$tmp/a" && break; sleep 0.1; done
	for i in $(seq "$runs"); do
		for way in pagemap_scan kpageflags; do
			env=()
			[[ $way = kpageflags ]] && env=(NUMAWEAVE_NO_PAGEMAP_SCAN=1)
			env "${env[@]}" "$nw" run --pid "$pid" --weights 0:1 --once --dry-run --json --pin-dir "$pin" 2>/dev/null |
				sed -n "s/.*\"pages_scanned\": \([0-9]*\).*\"seconds\": \([0-9.]*\).*/$pages,$way,$i,\1,\2/p"
		done
	done
	kill $pid; wait $pid 2>/dev/null || true
	pid=
done
