# kernel.numa_balancing on. The target keeps reading its memory from CPU 0
# (node 0), so NUMA balancing pulls pages to node 0.
#  A. default (--numa-balancing keep): numaweave backs off regions the kernel
#     moves back and leaves them to it after MAX_CONTESTS: re-moves bounded.
#  B. --numa-balancing off: the sysctl is off while numaweave runs, the
#     placement holds under the same accesses, and it is restored on exit;
#     pages A's scans armed fault once more (the kernel migrates them), then
#     the kernel moves nothing.
. /tests/lib.sh
echo 1 > /proc/sys/kernel/numa_balancing
log "kernel $(uname -r), numa_balancing $(cat /proc/sys/kernel/numa_balancing)"
taskset -c 0 true 2>/dev/null || { echo "SKIP: no taskset"; exit 0; }
PIN="taskset -c 0"
start_alloc 128M --nothp || exit 1
PAGES=32768
access() {
	h0=$(vmstat_of numa_hint_faults); m0=$(vmstat_of numa_pages_migrated)
	t0=$(date +%s)
	while [ $(( $(date +%s) - t0 )) -lt $1 ]; do verify_alloc >/dev/null; done
	HINTS=$(( $(vmstat_of numa_hint_faults) - h0 )); MIGR=$(( $(vmstat_of numa_pages_migrated) - m0 ))
	log "kernel: numa_hint_faults +$HINTS, numa_pages_migrated +$MIGR"
}

log "A: --numa-balancing keep (default)"
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms -v 2>/tmp/nw.log &
NW=$!
wait_split $PID 50 1 60 && pass "A: 1:1 -> 50/50 with balancing on" || fail "A: initial split"
moved0=$(json_field "$(numaweave status --json)" pages_moved)
log "A: 40 s of accesses from node 0"
access 40
numaweave status
js=$(numaweave status --json)
moved1=$(json_field "$js" pages_moved)
rm=$(json_field "$js" removes)
km=$(json_field "$js" kernel_moves)
ct=$(json_field "$js" contested)
again=$((moved1 - moved0))
log "A: kernel moves seen $km, pages moved back after placing $rm, numaweave moved again $again, regions left to the kernel $ct"
[ "$km" -gt 0 ] && pass "A: kernel NUMA-balancing moves seen by fentry ($km)" || fail "A: no kernel moves seen"
[ "$ct" -gt 0 ] && pass "A: contested regions left to the kernel ($ct)" || fail "A: no region left to the kernel"
# each contested page is placed again at most MAX_CONTESTS - 1 = 1 time
[ "$again" -le $PAGES ] && pass "A: no ping-pong: re-moves $again <= $PAGES" || fail "A: ping-pong: $again pages moved again"
grep "pass " /tmp/nw.log | awk "NR % 20 == 0" | tail -n 10
kill -TERM $NW; wait $NW

log "B: --numa-balancing off"
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms --numa-balancing off -v 2>/tmp/nw2.log &
NW=$!
sleep 1
nb=$(cat /proc/sys/kernel/numa_balancing)
[ "$nb" = 0 ] && pass "B: numa_balancing off while running" || fail "B: numa_balancing $nb"
wait_split $PID 50 1 60 && pass "B: 1:1 -> 50/50" || fail "B: split"
# Turning the sysctl off arms nothing more, but does not disarm what A's last
# scans armed: such a page still faults once, and the kernel still migrates
# it to the reader (a CI run saw 2,109 of them). One full read of the buffer
# (access reads all of it, repeatedly) answers them all; then nothing moves.
access 10
log "B: pages armed before the sysctl went off, answered once: $MIGR migrated"
[ "$HINTS" -le $PAGES ] && pass "B: at most one hinting fault a page after the sysctl went off ($HINTS)" ||
	fail "B: $HINTS hinting faults for $PAGES pages: still arming"
access 20
[ "$MIGR" -eq 0 ] && [ "$HINTS" -eq 0 ] && pass "B: the kernel moved nothing" ||
	fail "B: kernel moved $MIGR pages ($HINTS hinting faults)"
s=$(split_pct $PID)
near $s 50 1 && pass "B: placement holds under the accesses (${s}%)" || fail "B: placement ${s}%"
kill -TERM $NW; wait $NW
nb=$(cat /proc/sys/kernel/numa_balancing)
[ "$nb" = 1 ] && pass "B: numa_balancing restored to 1 on exit" || fail "B: numa_balancing left at $nb"
verify_alloc
echo 0 > /proc/sys/kernel/numa_balancing
kill $PID
finish
