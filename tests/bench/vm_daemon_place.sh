# Guest script (tests/vm/vm-run ... -- tests/bench/vm_daemon_place.sh): the
# time for a running daemon to place a new target that joins its cgroup, as a
# ratio to migratepages(8) on the same buffer in the same boot. REPS rounds
# (3), alternating which arm goes first; SIZE (256M) per target; the daemon
# arms: "default" and, with ARMS containing them, "nodamon" (--no-damon) and
# "mN" (N movers: --move-threads N).
# Both arms are timed by the same sampler (numa_maps every 0.1 s) from the
# moment the target is handed over until at most 0.1 % of it is on node 0.
# Prints "place ARM ROUND ms" lines and the daemon's own pass lines.
. /tests/lib.sh
REPS=${REPS:-3} SIZE=${SIZE:-256M} ARMS=${ARMS:-default}
echo 0 > /proc/sys/kernel/numa_balancing
[ -w /sys/module/damon_stat/parameters/enabled ] && echo N >/sys/module/damon_stat/parameters/enabled
grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || { mkdir -p /sys/fs/cgroup; mount -t cgroup2 none /sys/fs/cgroup; }
mkdir -p /sys/fs/cgroup/bench
log "kernel $(uname -r), $REPS rounds of $SIZE, daemon arms: $ARMS"
conf=/tmp/nwconf
mkdir -p $conf
chmod 755 $conf
policy_yaml cgroup /sys/fs/cgroup/bench 0 1 >$conf/bench.yaml
chmod 644 $conf/bench.yaml
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
wait_node1() {
	i=0
	while ! near "$(split_pct $1)" 0 0.1; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 1200 ] || { fail "pid $1 not on node 1 after 120 s"; return 1; }
	done
}
fresh() {	# a new target, all on node 0
	start_alloc $SIZE --nothp || exit 1
	migratepages $PID 1 0
}
daemon_arm() {	# ARM ROUND
	case $1 in
	nodamon) opts=--no-damon ;;
	m[0-9]*) opts="--move-threads ${1#m}" ;;
	*) opts= ;;
	esac
	numaweave daemon --config-dir $conf $opts -v 2>/tmp/nwd.$1.log &
	D=$!
	i=0
	while ! grep -q 'start-up' /tmp/nwd.$1.log && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	fresh
	t0=$(ms)
	echo $PID >/sys/fs/cgroup/bench/cgroup.procs
	wait_node1 $PID
	echo "place $1 $2 $(( $(ms) - t0 ))"
	verify_alloc
	kill $PID
	wait $PID 2>/dev/null
	grep "pass .*moved [1-9]" /tmp/nwd.$1.log | sed 's/^numaweave: /   /'
	kill $D
	wait $D
	sleep 1
}
mp_arm() {	# ROUND
	fresh
	t0=$(ms)
	migratepages $PID 0 1 &
	MP=$!
	wait_node1 $PID
	wait $MP
	echo "place migratepages $1 $(( $(ms) - t0 ))"
	verify_alloc
	kill $PID
	wait $PID 2>/dev/null
	sleep 1
}
r=1
while [ $r -le $REPS ]; do
	if [ $((r % 2)) -eq 1 ]; then
		for a in $ARMS; do daemon_arm $a $r; done
		mp_arm $r
	else
		mp_arm $r
		for a in $ARMS; do daemon_arm $a $r; done
	fi
	r=$((r + 1))
done
finish
