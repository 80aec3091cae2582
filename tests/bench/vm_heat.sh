# Heat in steady state, side by side in one boot of the 7.x guest (issue 12):
# the heat.sh workload (40 MiB read in a loop by a thread, 216 MiB idle, a busy
# co-runner on the reader's CPU, all on node 0) under
#   migrate_cold to node 1, nr_accesses 0, age >= 3 s, 15 s:
#     DAMON's own scheme (sysfs, the cover letter's system) as the reference;
#     numaweave with DAMON as its heat source; numaweave without DAMON, with
#     kernel.numa_balancing 0 (--force-blind), 1 and 2.
# Prints CSV: bench,tool,balancing,read_on_node1_pct,idle_on_node1_pct,
#             tool_cpu_s,kdamond_cpu_s
. /tests/lib.sh
PIN="taskset -c 0"
D=/sys/kernel/mm/damon/admin/kdamonds
[ -d $D ] || { echo "SKIP: no DAMON sysfs in $(uname -r)"; exit 0; }
[ -e /sys/module/damon_stat/parameters/enabled ] && echo N > /sys/module/damon_stat/parameters/enabled
cpu_of() { awk '{ printf "%.2f\n", ($14 + $15) / 100 }' /proc/$1/stat 2>/dev/null || echo 0; }
fresh() {
	[ -n "$PID" ] && { kill $PID; wait $PID 2>/dev/null; }
	echo 0 > /proc/sys/kernel/numa_balancing
	start_alloc 216M --nothp --hot 40M || exit 1
	HOT=$(sed -n 's/^hot [0-9]* at 0x//p' "$OUT")
	IDLE=$(sed -n 's/^ready [0-9]* at 0x//p' "$OUT")
}
taskset -c 0 sh -c 'while :; do :; done' &
CO=$!
row() { echo "heat,$1,$2,$(vma_share $PID $HOT),$(vma_share $PID $IDLE),$3,$4"; }

# DAMON's own migrate_cold (DAMON's defaults: sample 5 ms, aggr 100 ms)
fresh
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
K=$(cat $D/0/pid)
sleep 15
row damon 0 0 "$(cpu_of $K)"
echo off > $D/0/state
while [ "$(cat $D/0/state)" != off ]; do sleep 0.1; done
echo 0 > $D/nr_kdamonds

# numaweave: with DAMON, then without it under each balancing mode
for arm in "damon 0" "nodamon 0" "nodamon 1" "nodamon 2"; do
	set -- $arm
	fresh
	echo $2 > /proc/sys/kernel/numa_balancing
	extra=
	[ $1 = nodamon ] && extra="--no-damon --force-blind"
	numaweave run --pid $PID --config /yaml/cold_idle3s.yaml $extra 2>/tmp/nw.$1.$2.log &
	NW=$!
	sleep 15
	K=$(cat $D/0/pid 2>/dev/null)
	kc=0
	[ -n "$K" ] && kc=$(cpu_of $K)
	row "numaweave-$1" $2 "$(cpu_of $NW)" "$kc"
	kill -TERM $NW; wait $NW
done
echo 0 > /proc/sys/kernel/numa_balancing
kill $PID $CO
