# kernel.numa_balancing on: numaweave's placement holds and the two do not
# ping-pong. The target keeps reading its memory from CPU 0 (node 0), which
# makes NUMA balancing pull pages to node 0; numaweave puts them back with a
# per-region backoff, so re-moves stay bounded.
. /tests/lib.sh
echo 1 > /proc/sys/kernel/numa_balancing
log "kernel $(uname -r), numa_balancing $(cat /proc/sys/kernel/numa_balancing)"
taskset -c 0 true 2>/dev/null || { echo "SKIP: no taskset"; exit 0; }
PIN="taskset -c 0"
start_alloc 128M --nothp || exit 1
PAGES=32768
vm() { grep -E "^$1 " /proc/vmstat | awk '{ print $2 }'; }
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms -v 2>/tmp/nw.log &
NW=$!
wait_split $PID 50 1 60 && pass "1:1 -> 50/50 with balancing on" || fail "initial split"
moved0=$(json_field "$(numaweave status --json)" pages_moved)
log "30 s of accesses from node 0"
h0=$(vm numa_hint_faults); m0=$(vm numa_pages_migrated)
t0=$(date +%s)
while [ $(( $(date +%s) - t0 )) -lt 30 ]; do verify_alloc >/dev/null; done
log "kernel: numa_hint_faults +$(( $(vm numa_hint_faults) - h0 )), numa_pages_migrated +$(( $(vm numa_pages_migrated) - m0 ))"
numaweave status
js=$(numaweave status --json)
moved1=$(json_field "$js" pages_moved)
rm=$(json_field "$js" removes)
km=$(json_field "$js" kernel_moves)
mv=$(json_field "$js" pages_moved)
log "kernel moves seen $km, numaweave re-moves $rm, moved total $mv"
again=$((moved1 - moved0))
log "pages numaweave moved again while the kernel was pulling: $again (buffer $PAGES)"
# numaweave never moves more than the kernel pulled (no amplification), and it
# backed off contested regions (re-moves counted in status).
[ "$again" -le "$km" ] && pass "re-moves bounded by the kernel's moves ($again <= $km)" || fail "ping-pong: $again pages moved again for $km kernel moves"
[ "$rm" -gt 0 ] && pass "contested regions detected and backed off ($rm)" || fail "no backoff engaged"
[ "$km" -gt 0 ] && pass "kernel NUMA-balancing moves seen by fentry ($km)" || fail "no kernel moves seen"
log "quiet: placement must hold"
wait_split $PID 50 1 120 && pass "placement holds after the accesses stop" || fail "placement lost"
verify_alloc
grep "pass " /tmp/nw.log | awk "NR % 10 == 0" | tail -n 25
kill -TERM $NW; wait $NW
echo 0 > /proc/sys/kernel/numa_balancing
kill $PID
finish
