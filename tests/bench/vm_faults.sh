# Fault-path overhead in the 7.x guest, where the fentry on task_numa_fault
# (NUMA-hinting detection) loads: median ns per first-touch fault over
# $MIB MiB, alone, with numaweave's default variant (tp_btf + fentry) and with
# --no-fentry (hints inferred from repeat faults). Weights 0:1: nothing moves.
# Prints CSV rows: bench,tool,setting,ns_per_fault,ratio
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
MIB=${MIB:-128} ROUNDS=${ROUNDS:-7}
med() { sed -n 's/^median \([0-9.]*\).*/\1/p'; }
alone=$(taskset -c 0 bench_faults $MIB $ROUNDS | med)
fentry=$(numaweave run --weights 0:1 -v -- taskset -c 0 bench_faults $MIB $ROUNDS 2>/tmp/f.log | med)
grep -q 'fentry task_numa_fault' /tmp/f.log && variant=fentry || variant=none
nofentry=$(numaweave run --weights 0:1 --no-fentry -- taskset -c 0 bench_faults $MIB $ROUNDS | med)
echo "bench,tool,setting,ns_per_fault,ratio"
echo "fault,alone,,$alone,1.000"
awk -v a=$alone -v f=$fentry -v n=$nofentry -v v=$variant 'BEGIN {
	printf "fault,numaweave,tp_btf + fentry task_numa_fault (loaded: %s),%s,%.3f\n", v, f, f / a
	printf "fault,numaweave,tp_btf --no-fentry,%s,%.3f\n", n, n / a }'
