#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fault-path overhead on the host: median ns per first-touch fault over 2 GiB,
# alone and with numaweave following the process (weights 0:1 on one node: no
# moves, so only the BPF programs and the controller's passes are measured).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/build/bench_faults
mib=${MIB:-2048} rounds=${ROUNDS:-9}
pin=/sys/fs/bpf/nw-bench-$$
trap 'rm -rf "$pin"' EXIT
echo "host: $(uname -r), $(nproc) cores, $(date -u +%F)"
alone=$("$b" "$mib" "$rounds" | tee /dev/stderr | sed -n 's/^median \([0-9.]*\).*/\1/p')
with=$("$top/build/numaweave" run --weights 0:1 --pin-dir "$pin" -- "$b" "$mib" "$rounds" |
	tee /dev/stderr | sed -n 's/^median \([0-9.]*\).*/\1/p')
classic=$("$top/build/numaweave" run --classic-tp --weights 0:1 --pin-dir "$pin" -- "$b" "$mib" "$rounds" |
	tee /dev/stderr | sed -n 's/^median \([0-9.]*\).*/\1/p')
two=$("$top/build/numaweave" run --weights 0:1 --pin-dir "$pin" -- "$b" "$mib" 3 2 |
	tee /dev/stderr | sed -n 's/.*best \([0-9]*\) faults.*/\1/p')
drops=$("$top/build/numaweave" run --weights 0:1 --pin-dir "$pin" -v -- "$b" "$mib" 3 2 2>&1 >/dev/null |
	sed -n 's/.*drops \([0-9]*\);.*/\1/p' | tail -n 1)
awk -v a="$alone" -v w="$with" -v c="$classic" 'BEGIN {
	printf "first-touch fault, median ns: alone %.1f, numaweave tp_btf %.1f (%.3fx), classic tracepoint %.1f (%.3fx)\n", a, w, w / a, c, c / a }'
echo "2 faulting threads under numaweave: best $two faults/s, drops at the last pass: ${drops:-?}"
