# Heat in steady state, side by side in one boot of a guest (issue 12): the
# heat.sh workload (40 MiB read in a loop by a thread, 216 MiB idle, a busy
# co-runner on the reader's CPU, all on node 0) under migrate_cold to node 1,
# nr_accesses 0, age >= 3 s, for each kernel.numa_balancing mode 0, 1, 2:
#   DAMON's own scheme (sysfs, the cover letter's system) as the reference,
#   where the kernel has DAMON;
#   numaweave with DAMON as its heat source (where the kernel has it);
#   numaweave without DAMON (--force-blind where nothing sees reads, so the
#   blind answer is on record too).
# Placement is read after 15 s; the tool's CPU (and its kdamond's) after 15 s,
# then again 10 s later, when everything has moved: the second delta is the
# cost of sampling alone, per second, at the same truth.
# Prints CSV: bench,tool,balancing,read_on_node1_pct,idle_on_node1_pct,
#             tool_cpu_s,kdamond_cpu_s,steady_tool_cpu_per_s,steady_kdamond_cpu_per_s
. /tests/lib.sh
PIN="taskset -c 0"
D=/sys/kernel/mm/damon/admin/kdamonds
[ -e /sys/module/damon_stat/parameters/enabled ] && echo N > /sys/module/damon_stat/parameters/enabled
fresh() {
	[ -n "$PID" ] && { kill $PID; wait $PID 2>/dev/null; }
	echo 0 > /proc/sys/kernel/numa_balancing
	start_alloc 216M --nothp --hot 40M || exit 1
	HOT=$(sed -n 's/^hot [0-9]* at 0x//p' "$OUT")
	IDLE=$(sed -n 's/^ready [0-9]* at 0x//p' "$OUT")
}
taskset -c 0 sh -c 'while :; do :; done' &
CO=$!
kdamond() { cat $D/0/pid 2>/dev/null; }
# measure NAME BALANCING TOOL_PID: placement and CPU at 15 s, CPU again at 25 s
measure() {
	sleep 15
	read_pct=$(vma_share $PID $HOT) idle_pct=$(vma_share $PID $IDLE)
	k=$(kdamond)
	t1=0 k1=0 t2=0 k2=0
	[ "$3" != 0 ] && t1=$(cpu_of $3)
	[ -n "$k" ] && k1=$(cpu_of $k)
	sleep 10
	[ "$3" != 0 ] && t2=$(cpu_of $3)
	[ -n "$k" ] && k2=$(cpu_of $k)
	echo "heat,$1,$2,$read_pct,$idle_pct,$t1,$k1,$(awk -v a=$t1 -v b=$t2 'BEGIN { printf "%.3f", (b - a) / 10 }'),$(awk -v a=$k1 -v b=$k2 'BEGIN { printf "%.3f", (b - a) / 10 }')"
}

# DAMON's own migrate_cold (DAMON's defaults: sample 5 ms, aggr 100 ms)
damon_arm() {
	fresh
	echo $1 > /proc/sys/kernel/numa_balancing
	echo 1 > $D/nr_kdamonds
	C=$D/0/contexts/0
	echo 1 > $D/0/contexts/nr_contexts
	echo vaddr > $C/operations
	echo 1 > $C/targets/nr_targets
	echo $PID > $C/targets/0/pid_target
	echo 1 > $C/schemes/nr_schemes
	S=$C/schemes/0
	echo migrate_cold > $S/action
	echo 18446744073709551615 > $S/access_pattern/sz/max
	echo 0 > $S/access_pattern/nr_accesses/max
	echo 30 > $S/access_pattern/age/min
	echo 4294967295 > $S/access_pattern/age/max
	echo 1 > $S/target_nid 2>/dev/null
	if [ -d $S/dests ]; then echo 1 > $S/dests/nr_dests; echo 1 > $S/dests/0/id; echo 1 > $S/dests/0/weight; fi
	echo on > $D/0/state
	measure damon $1 0
	echo off > $D/0/state
	while [ "$(cat $D/0/state)" != off ]; do sleep 0.1; done
	echo 0 > $D/nr_kdamonds
}

# numaweave ARM BALANCING: ARM damon (its own kdamond) or nodamon
nw_arm() {
	fresh
	echo $2 > /proc/sys/kernel/numa_balancing
	extra=
	[ $1 = nodamon ] && extra=--no-damon
	[ $1 = nodamon ] && [ $2 != 1 ] && extra="--no-damon --force-blind"
	numaweave run --pid $PID --config /yaml/cold_idle3s.yaml $extra 2>/tmp/nw.$1.$2.log &
	NW=$!
	measure numaweave-$1 $2 $NW
	kill -TERM $NW; wait $NW
}

for nb in 0 1 2; do
	if [ -d $D ]; then
		damon_arm $nb
		nw_arm damon $nb
	fi
	nw_arm nodamon $nb
done
echo 0 > /proc/sys/kernel/numa_balancing
kill $PID $CO
