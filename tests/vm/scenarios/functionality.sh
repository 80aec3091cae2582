# The cover letter's Functionality Test: alloc_data on node 0, numaweave at
# 1:1, then live bpftool edits to 3:1 and 1:0; contents checked after each step.
. /tests/lib.sh
SIZE=${SIZE:-256M}
echo 0 > /proc/sys/kernel/numa_balancing
log "kernel $(uname -r), nodes with memory $(cat /sys/devices/system/node/has_memory), THP $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
taskset -c 0 true 2>/dev/null && PIN="taskset -c 0" || PIN=
start_alloc $SIZE --nothp || exit 1
s=$(split_pct $PID)
log "alloc_data $SIZE: node0 ${s}%"
near $s 100 1 && pass "allocated on node 0" || fail "allocated on node 0 (${s}%)"
numaweave numastat $PID

t0=$(date +%s)
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms -v 2>/tmp/nw.log &
NW=$!
wait_split $PID 50 1 120 && pass "1:1 -> 50/50" || fail "1:1 -> 50/50"
verify_alloc
numaweave numastat $PID

log "bpftool map update pinned /sys/fs/bpf/numaweave/weights key 0 0 0 0 value 3 0 0 0"
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 0 0 0 0 value 3 0 0 0
wait_split $PID 75 1 120 && pass "3:1 -> 75/25" || fail "3:1 -> 75/25"
verify_alloc

log "bpftool: node 1 weight 0, node 0 weight 1 (1:0)"
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 1 0 0 0 value 0 0 0 0
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 0 0 0 0 value 1 0 0 0
wait_split $PID 100 1 120 && pass "1:0 -> all on node 0" || fail "1:0 -> all on node 0"
verify_alloc
# every page bound for one node, nothing left behind: one migrate_pages(2) (issue 31)
numaweave status | grep -q ' [1-9][0-9]* migrate_pages calls, [1-9][0-9]* pages by migrate_pages' &&
	pass "1:0 went by the bulk path (migrate_pages)" ||
	fail "1:0 did not use migrate_pages: $(numaweave status | grep -o '[0-9]* migrate_pages calls')"
numaweave numastat $PID
numaweave status
kill -TERM $NW
wait $NW
rc=$?
[ $rc -eq 0 ] && pass "controller exits 0 on SIGTERM" || fail "controller exit $rc"
[ -e /sys/fs/bpf/numaweave/weights ] && pass "weights stay pinned" || fail "weights unpinned"
grep -q 'programs: tp_btf page_fault_user + fentry task_numa_fault' /tmp/nw.log &&
	pass "fentry on task_numa_fault loaded on $(uname -r)" || fail "fentry variant not chosen: $(grep programs /tmp/nw.log)"
log "total $(( $(date +%s) - t0 ))s"
tail -n 5 /tmp/nw.log
kill $PID
finish
