# A live weight change under the daemon at its default interval (1 s), in
# the 7.x guest: 128 MiB of 4 KiB pages placed 1:1 by a running daemon
# through a pid-file policy, then `numaweave weights --policy bench 0:3,1:1`,
# timed (bench_sample, every 100 ms) until 75 % of the buffer is on node 0.
# The same with an older build when one is copied in as build/bench_nwbase
# (tests/vm/vm-run copies build/bench_*), arms alternated in one boot.
# Prints CSV rows: bench,tool,setting,pages,seconds,cpu_s,final_node0_pct
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
PIN="taskset -c 0"
SIZE=${SIZE:-128M}
ROUNDS=${ROUNDS:-3}
INTERVAL=${INTERVAL:-1s}
converge() {	# PCT: sets SECS and FINAL
	set -- $(bench_sample $PID $BUF $1 120000 | tail -n 1)
	SECS=$2 FINAL=$3
	[ "$1" = done ] || SECS=timeout
}
arm() {	# BINARY NAME
	[ -n "$PID" ] && { kill $PID; wait $PID 2>/dev/null; }
	start_alloc $SIZE --nothp || exit 1
	BUF=$(sed -n 's/^ready [0-9]* at 0x\([0-9a-f]*\)/\1/p' $OUT)
	mkdir -p /tmp/nwc
	rm -f /tmp/bench.pid
	policy_yaml pid_file /tmp/bench.pid 1 1 >/tmp/nwc/bench.yaml
	$1 daemon --config-dir /tmp/nwc --interval $INTERVAL 2>/tmp/nwd.log &
	NWD=$!
	i=0
	while [ ! -e /sys/fs/bpf/numaweave/policies/bench/weights ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1)); done
	echo $PID >/tmp/bench.pid
	converge 50
	[ "$SECS" = timeout ] && { cat /tmp/nwd.log; fail "$2: never placed 1:1"; }
	sleep 0.$((RANDOM % 10))	# not in step with the daemon's reads
	c0=$(cpu_of $NWD)
	$1 weights --policy bench 0:3,1:1 >/dev/null
	converge 75
	echo "change-1:1-3:1,$2,interval $INTERVAL,4k,$SECS,$(awk -v a=$(cpu_of $NWD) -v b=$c0 'BEGIN { printf "%.2f", a - b }'),$FINAL"
	kill -TERM $NWD; wait $NWD
	rm -rf /tmp/nwc /tmp/bench.pid /sys/fs/bpf/numaweave
}
echo "bench,tool,setting,pages,seconds,cpu_s,final_node0_pct"
for r in $(seq $ROUNDS); do
	arm numaweave numaweave
	[ -x /build/bench_nwbase ] && arm /build/bench_nwbase numaweave-base
done
kill $PID 2>/dev/null
echo "== $FAILS failure(s)"
