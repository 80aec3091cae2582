# kernel.numa_balancing on: numaweave's placement holds and the two do not
# ping-pong. The target keeps reading its memory from CPU 0 (node 0), which
# makes NUMA balancing pull pages to node 0; numaweave puts them back with a
# per-region backoff, so re-moves stay bounded.
. /tests/lib.sh
echo 1 > /proc/sys/kernel/numa_balancing
log "kernel $(uname -r), numa_balancing $(cat /proc/sys/kernel/numa_balancing)"
taskset -c 0 true 2>/dev/null || { echo "SKIP: no taskset"; exit 0; }
start_alloc 64M --nothp || exit 1
taskset -p -c 0 $PID >/dev/null
PAGES=16384
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms -v 2>/tmp/nw.log &
NW=$!
wait_split $PID 50 1 120 && pass "1:1 -> 50/50 with balancing on" || fail "initial split"
log "20 s of accesses from node 0"
t=0
while [ $t -lt 10 ]; do verify_alloc >/dev/null; sleep 1; t=$((t + 1)); done
numaweave status
js=$(numaweave status --json)
rm=$(json_field "$js" removes)
km=$(json_field "$js" kernel_moves)
mv=$(json_field "$js" pages_moved)
log "kernel moves seen $km, numaweave re-moves $rm, moved total $mv"
[ "$rm" -le $((PAGES * 2)) ] && pass "re-moves bounded ($rm <= $((PAGES * 2)))" || fail "re-moves $rm"
log "quiet: placement must hold"
wait_split $PID 50 1 90 && pass "placement holds after the accesses stop" || fail "placement lost"
verify_alloc
kill -TERM $NW; wait $NW
echo 0 > /proc/sys/kernel/numa_balancing
kill $PID
finish
