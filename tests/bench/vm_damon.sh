# Convergence side by side in the 7.x guest: DAMON migrate_hot with weighted
# dests (sysfs), numaweave, and migratepages as the bound. The buffer uses THP
# when the guest's THP mode is "always" (vm-run --thp always), else 4 KiB
# pages. Prints CSV rows:
# bench,tool,setting,pages,seconds,cpu_s,final_node0_pct
# and, with 4 KiB pages, trace rows (trace,tool,ms,node0_pct) for plot.sh.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
PIN="taskset -c 0"
# MOVER_CPU=N runs every arm's mover (the kdamond, numaweave, migratepages,
# bench_movepages) on CPU N, the target's being 0; empty (the default) leaves
# them where the scheduler puts them. Under single-threaded TCG a freshly
# faulted THP moved from the other vCPU than its faulting one took 2-3x as
# long in one-boot A/Bs (twelfth session), but pinning every arm to CPU 0 did
# not steady the THP arms and slowed numaweave's 4 KiB arms (docs/benchmarks.md,
# "The floor"), so it is not the default.
MOVER_CPU=${MOVER_CPU-}
MOVER=${MOVER_CPU:+taskset -c $MOVER_CPU}
SIZE=${SIZE:-256M}
MOVERS=${MOVERS:-1}	# numaweave's --move-threads
HZ=100
D=/sys/kernel/mm/damon/admin/kdamonds
[ -d $D ] || { echo "SKIP: no DAMON sysfs in $(uname -r)"; exit 0; }
[ -e /sys/module/damon_stat/parameters/enabled ] && echo N > /sys/module/damon_stat/parameters/enabled
if grep -q '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled; then
	PAGES=thp ALLOC=--thp
else
	PAGES=4k ALLOC=--nothp
fi

numfmt_mib() { case $1 in *G) echo $(( ${1%G} * 1024 )) ;; *M) echo ${1%M} ;; esac; }
now_ms() { bench_sample --now; }
# converge PCT [TIMEOUT_MS]: sample the buffer's node-0 share every 100 ms
# (bench_sample: C, so the sampler takes little of the guest's one emulated
# CPU thread) until it is within 0.5 of PCT; sets SECS and FINAL.
converge() {
	if [ -n "$TRACE" ] && [ $PAGES = 4k ]; then
		r=$(bench_sample $PID $BUF $1 ${2:-120000} $TRACE $TRACE0)
	else
		r=$(bench_sample $PID $BUF $1 ${2:-120000})
	fi
	echo "$r" | grep '^trace,'
	set -- $(echo "$r" | tail -n 1)
	SECS=$2 FINAL=$3
	[ "$1" = done ] && return 0
	SECS=timeout
	return 1
}
fresh() {
	[ -n "$PID" ] && { kill $PID; wait $PID 2>/dev/null; }
	start_alloc $SIZE $ALLOC || exit 1
	BUF=$(sed -n 's/^ready [0-9]* at 0x\([0-9a-f]*\)/\1/p' $OUT)
	BUF=$(printf '%x' $((0x$BUF)))
	if [ $PAGES = thp ]; then
		thp_kb=$(awk '/AnonHugePages/ { s += $2 } END { print s + 0 }' /proc/$PID/smaps)
		echo "# AnonHugePages of the target: $thp_kb kB" >&2
	fi
}

damon() {	# sample aggr update weight0 weight1
	damon_start $PID "$@" || return 1
	[ -z "$MOVER_CPU" ] || taskset -p -c $MOVER_CPU $KPID >/dev/null ||
		echo "# cannot pin kdamond $KPID to CPU $MOVER_CPU" >&2
}

echo "bench,tool,setting,pages,seconds,cpu_s,final_node0_pct"
TRACE=
# The arms, each on a fresh buffer with the same sampler (bench_sample, every
# 100 ms) running while it works; ROT (set by tests/bench/run per boot)
# rotates their order so that no arm always runs first in a boot.
arm_damon() {	# sample_us aggr_us update_us name
	set -- $*
	fresh
	TRACE="damon-$4"; TRACE0=$(now_ms)
	damon $1 $2 $3 1 1 || { echo "damon: cannot start kdamond" >&2; return 0; }
	converge 50 180000
	c0=$(cpu_of $KPID)
	echo "converge-1:1,damon,$4,$PAGES,$SECS,$c0,$FINAL"
	echo 3 > $S/dests/0/weight
	echo commit > $K/state
	converge 75 180000
	# the change's own CPU, as numaweave's below (it was the kdamond's total
	# since it started, first placement included, until the eighth session)
	echo "change-1:1-3:1,damon,$4,$PAGES,$SECS,$(awk -v a=$(cpu_of $KPID) -v b=$c0 'BEGIN { printf "%.2f", a - b }'),$FINAL"
	TRACE=
	damon_stop
}

arm_numaweave() {
	fresh
	TRACE=numaweave; TRACE0=$(now_ms)
	$MOVER numaweave run --pid $PID --weights 0:1,1:1 --move-threads $MOVERS -v 2>/tmp/nw.log &
	NW=$!
	converge 50
	echo "converge-1:1,numaweave,defaults,$PAGES,$SECS,$(cpu_of $NW),$FINAL"
	c0=$(cpu_of $NW)
	numaweave weights 0:3,1:1 >/dev/null
	converge 75
	echo "change-1:1-3:1,numaweave,defaults,$PAGES,$SECS,$(awk -v a=$(cpu_of $NW) -v b=$c0 'BEGIN { printf "%.2f", a - b }'),$FINAL"
	numaweave weights 0:1 >/dev/null
	converge 100
	TRACE=
	kill -TERM $NW; wait $NW
	# where start-up went (-v): "start-up: exec to main N ms, kernel BTF N ms, ..."
	sed -n 's/.*start-up: //p' /tmp/nw.log | head -1 | tr ',;' '\n\n' | sed 's/^ *//' |
		awk -v p=$PAGES '{ ms = $(NF - 1); $(NF - 1) = ""; $NF = ""; sub(/ +$/, ""); printf "startup,numaweave,%s,%s,%.3f,,\n", $0, p, ms / 1000 }'
}

# numaweave as a service: the daemon is up before the target exists, and a
# policy names a pid file the target is written to (first placement of a new
# target under a running controller, issue 17's measure once issue 14 landed).
arm_daemon() {
	mkdir -p /tmp/nwc
	rm -f /tmp/bench.pid
	policy_yaml pid_file /tmp/bench.pid 1 1 >/tmp/nwc/bench.yaml
	$MOVER numaweave daemon --config-dir /tmp/nwc --interval 200ms --move-threads $MOVERS -v 2>/tmp/nwd.log &
	NWD=$!
	i=0
	while [ ! -e /sys/fs/bpf/numaweave/stats ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	fresh
	c0=$(cpu_of $NWD)
	TRACE=numaweave-daemon; TRACE0=$(now_ms)
	echo $PID >/tmp/bench.pid
	converge 50
	c1=$(cpu_of $NWD)
	echo "converge-1:1,numaweave-daemon,running,$PAGES,$SECS,$(awk -v a=$c1 -v b=$c0 'BEGIN { printf "%.2f", a - b }'),$FINAL"
	numaweave weights --policy bench 0:3,1:1 >/dev/null
	converge 75
	echo "change-1:1-3:1,numaweave-daemon,running,$PAGES,$SECS,$(awk -v a=$(cpu_of $NWD) -v b=$c1 'BEGIN { printf "%.2f", a - b }'),$FINAL"
	TRACE=
	kill -TERM $NWD; wait $NWD
	rm -rf /tmp/nwc /tmp/bench.pid
}

# The bound: migratepages moving the whole buffer, timed by the same sampler
# as the others (it used to be timed alone, without one).
arm_bound() {
	command -v migratepages >/dev/null || return 0
	fresh
	TRACE=
	$MOVER migratepages $PID 0 1 &
	MP=$!
	converge 0 180000
	wait $MP
	awk -v s=$SECS -v sz=$(( $(numfmt_mib $SIZE) )) -v p=$PAGES 'BEGIN {
		printf "bound,migratepages,all %d MiB 0->1 sampled,%s,%.2f,,\n", sz, p, s
		printf "bound,migratepages,%d MiB at that rate sampled,%s,%.2f,,\n", sz / 2, p, s / 2
		printf "throughput,migratepages,MiB/s sampled,%s,%.1f,,\n", p, sz / s }'
}

# The floor: bare move_pages(2) (bench_movepages, no numaweave, no BPF, no
# heat) moving exactly as many pages, as scattered, as a controller must for
# each step: every other page of the fresh buffer to node 1 (1:1), then every
# other page on node 1 back (3:1), in numaweave's 8192-page calls, timed by
# the same sampler. Its CPU is the copies' own, the least any tool that moves
# these pages in the kernel can spend; reading the pages' nodes first is not
# counted in it.
arm_floor() {
	command -v bench_movepages >/dev/null || return 0
	fresh
	TRACE=
	step=1
	[ $PAGES = thp ] && step=512
	for s in "converge-1:1 1 0 50" "change-1:1-3:1 0 1 75"; do
		set -- $s
		$MOVER bench_movepages $PID $BUF $SIZE $2 8192 --step $step --from $3 --every 2 >/tmp/floor.out &
		F=$!
		converge $4 180000
		wait $F
		echo "$1,floor,bare move_pages,$PAGES,$SECS,$(awk '{ for (i = 1; i < NF; i++) if ($i == "cpu_s") print $(i + 1) }' /tmp/floor.out),$FINAL"
	done
}

# ROT turns the order of the arms by one per boot; ARMS picks some of them
# (cover: DAMON at the cover letter's intervals, fastest: at its fastest
# working ones); THROUGHPUT=0 leaves out the throughput rows below.
ROT=${ROT:-0}
set -- ${ARMS:-cover fastest numaweave daemon bound floor}
i=0
while [ $i -lt $(( ROT % $# )) ]; do a=$1; shift; set -- "$@" "$a"; i=$((i + 1)); done
echo "# arms in this boot: $*; numaweave with $MOVERS mover(s); movers on CPU ${MOVER_CPU:-any}" >&2
for a in "$@"; do
	case $a in
	cover) arm_damon 500000 5000000 20000000 cover-letter ;;
	fastest) arm_damon 1000 20000 1000000 fastest ;;
	numaweave) arm_numaweave ;;
	daemon) arm_daemon ;;
	bound) arm_bound ;;
	floor) arm_floor ;;
	esac
done

if command -v migratepages >/dev/null && [ "${THROUGHPUT:-1}" = 1 ]; then
	# Everything moves, tools taking turns on the same buffer so that both
	# see the same memory state and both directions: numaweave to node 1,
	# migratepages back, twice, then migratepages to node 1 and numaweave back.
	fresh
	mib=$(numfmt_mib $SIZE)
	nw_all() {
		out=$($MOVER numaweave run --pid $PID --weights $1 --once --json 2>/dev/null)
		echo "throughput,numaweave,MiB/s (all to node ${1%%:*}),$PAGES,$(json_field "$out" mib_per_s),,"
	}
	mp_all() {
		t0=$(now_ms)
		$MOVER migratepages $PID $1 $2
		awk -v ms=$(( $(now_ms) - t0 )) -v mib=$mib -v p=$PAGES -v d=$2 'BEGIN {
			printf "throughput,migratepages,MiB/s (all to node %d),%s,%.1f,,\n", d, p, mib * 1000 / ms }'
	}
	nw_all 1:1; mp_all 1 0; nw_all 1:1; mp_all 1 0; mp_all 0 1; nw_all 0:1
fi
kill $PID
