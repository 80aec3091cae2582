# numaweave 1:0 -> 0:1 (everything moves) vs migratepages on the same memory.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
PIN="taskset -c 0"
start_alloc 256M --nothp || exit 1
out=$(numaweave run --pid $PID --weights 1:1 --once --json 2>/dev/null)
out=$(numaweave run --pid $PID --weights 0:1 --once --json 2>/dev/null)
echo "numaweave all to node 1: $out" | sed 's/, "failed".*//'
out=$(numaweave run --pid $PID --weights 0:1 --once --json 2>/dev/null)
if command -v migratepages >/dev/null; then
	t0=$(date +%s%N 2>/dev/null || echo 0)
	migratepages $PID 1 0
	t1=$(date +%s%N 2>/dev/null || echo 0)
	echo "migratepages 1 -> 0: $(( (t1 - t0) / 1000000 )) ms for $(node_pages $PID 0) pages now on node 0"
fi
kill $PID
