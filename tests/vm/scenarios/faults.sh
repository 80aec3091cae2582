# Faults survived, bad pages counted (0 wanted). Each block asserts its outcome.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
PIN="taskset -c 0"
W=/sys/fs/bpf/numaweave/weights
nwst() { json_field "$(numaweave status --json)" $1; }
stop_nw() { kill -TERM $NW 2>/dev/null; wait $NW 2>/dev/null; }

log "torture: weights flipped every 200 ms for ${TORTURE_S:=60} s, target rewriting its memory, THP"
start_alloc 128M --thp --churn || exit 1
numaweave run --pid $PID --weights 0:1 --interval 100ms 2>/tmp/t.log &
NW=$!
sleep 1
t0=$(date +%s); flips=0
while [ $(( $(date +%s) - t0 )) -lt $TORTURE_S ]; do
	case $((flips % 4)) in
	0) numaweave weights 0:1 >/dev/null ;;
	1) numaweave weights 0:1,1:1 >/dev/null ;;
	2) numaweave weights 1:1 >/dev/null ;;
	3) numaweave weights 0:3,1:1 >/dev/null ;;
	esac
	flips=$((flips + 1))
	sleep 0.2
done
moved=$(nwst pages_moved); failed=$(nwst pages_failed)
stop_nw
verify_alloc
grep churn $OUT | tail -n 1
log "torture: $flips weight changes, $moved pages moved, $failed failed, bad pages $BAD"
[ "$BAD" = 0 ] && [ "$moved" -gt 65536 ] && pass "torture: 0 bad pages after $moved moves" || fail "torture: bad $BAD moved $moved"
kill $PID; wait $PID 2>/dev/null

log "SIGKILL mid-pass, then restart without --weights"
start_alloc 256M --nothp || exit 1
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms 2>/dev/null &
NW=$!
sleep 1.5
kill -KILL $NW; wait $NW 2>/dev/null
s=$(split_pct $PID)
log "killed at node0 ${s}%"
[ "$(numaweave weights)" = "0:1,1:1" ] && pass "weights kept across SIGKILL" || fail "weights after kill: $(numaweave weights)"
[ -e /sys/fs/bpf/numaweave/stats ] && log "stale stats pin left by the killed run"
numaweave run --pid $PID --interval 200ms 2>/tmp/r.log &
NW=$!
wait_split $PID 50 1 60 && pass "restart continues from the pinned weights" || fail "restart: no convergence"
stop_nw
verify_alloc
[ "$BAD" = 0 ] && pass "SIGKILL: target intact" || fail "SIGKILL: bad $BAD"
kill $PID; wait $PID 2>/dev/null

log "target exits mid-pass"
start_alloc 256M --nothp || exit 1
numaweave weights 0:1 >/dev/null
( sleep 0.7; kill -KILL $PID ) &
out=$(numaweave run --pid $PID --weights 0:1,1:1 --once --json 2>/tmp/e.log); rc=$?
echo "$out" | cut -c1-200
[ $rc = 0 ] && [ "$(json_field "$out" targets_exited)" = 1 ] && pass "exit mid-pass: quiet, exit 0, counted" || fail "exit mid-pass: rc $rc $(cat /tmp/e.log)"
wait

log "one of several targets exits"
start_alloc 32M --nothp || exit 1; A=$PID
start_alloc 32M --nothp || exit 1; B=$PID
numaweave run --pid $A,$B --weights 0:1,1:1 --interval 200ms 2>/dev/null &
NW=$!
sleep 2
kill $A; wait $A 2>/dev/null
sleep 1
kill -0 $NW && [ "$(nwst targets_exited)" = 1 ] && pass "controller goes on with the other target" || fail "one exited: controller gone or not counted"
kill $B; wait $B 2>/dev/null
sleep 2
kill -0 $NW 2>/dev/null && fail "controller still running after every target exited" || pass "controller exits when every target has"
wait $NW; rc=$?
[ $rc = 0 ] && pass "... with status 0" || fail "exit status $rc"

log "fork + exec with --children"
numaweave run --children --weights 0:1,1:1 --interval 200ms -- sh -c 'alloc_data 32M --nothp > /tmp/kid.out; exit 3' 2>/dev/null &
NW=$!
i=0; while ! grep -q ready /tmp/kid.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
KID=$(sed -n 's/^pid=//p' /tmp/kid.out)
numaweave status | grep targets
wait_split $KID 50 1 60 && pass "forked and exec-ed child followed and placed" || fail "child not placed"
kill $KID
wait $NW; rc=$?
[ $rc = 3 ] && pass "run -- CMD exits with CMD's status (3)" || fail "run -- CMD exit $rc"

log "target stopped (SIGSTOP) for the whole pass"
start_alloc 128M --nothp || exit 1
kill -STOP $PID
out=$(numaweave run --pid $PID --weights 0:1,1:1 --once --json 2>/dev/null)
kill -CONT $PID
s=$(split_pct $PID)
near $s 50 1 && pass "stopped target placed (${s}%)" || fail "stopped target: ${s}%"
verify_alloc
kill $PID; wait $PID 2>/dev/null

log "shared pages: CoW after fork"
start_alloc 64M --nothp --fork 1 || exit 1
out=$(numaweave run --pid $PID --weights 0:1,1:1 --once --json 2>/dev/null)
eacces=$(echo "$out" | sed -n 's/.*"eacces": \([0-9]*\).*/\1/p')
log "shared: $(echo "$out" | cut -c1-160) eacces $eacces"
[ "$eacces" -ge 8000 ] && pass "CoW-shared pages skipped and counted ($eacces)" || fail "eacces $eacces"
verify_alloc
kill $PID; wait $PID 2>/dev/null

log "destination node full"
HOGMB=$(( $(awk '/MemFree/ { print $4 }' /sys/devices/system/node/node1/meminfo) / 1024 - 24 ))
PIN="taskset -c 1"
start_alloc ${HOGMB}M --nothp || exit 1; HOG=$PID
PIN="taskset -c 0"
log "hog of ${HOGMB} MiB on node 1: $(node_pages $HOG 1) pages there"
# 256 MiB, so 128 MiB must go to node 1: a 128 MiB target once moved its 64
# MiB in full beside a hog that left 24 MiB free (node 1 had ~40 MiB more room
# than MemFree said, as partial.sh saw too; not explained)
start_alloc 256M --nothp || exit 1
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms 2>/dev/null &
NW=$!
# up to 15 s: under TCG the first pass's moves can start late (start-up and a
# kdamond to set up); the assertion itself is unchanged
en=0
for _ in $(seq 15); do
	sleep 1
	en=$(numaweave status --json | sed -n 's/.*"enomem": \([0-9]*\).*/\1/p')
	[ "${en:-0}" -gt 0 ] && break
done
[ "$en" -gt 0 ] && pass "full node: ENOMEM counted ($en), no crash" || fail "no ENOMEM ($en)"
kill $HOG; wait $HOG 2>/dev/null
wait_split $PID 50 1 60 && pass "the rest moves when room returns" || fail "no recovery after room returned"
stop_nw
verify_alloc
kill $PID; wait $PID 2>/dev/null

log "ring buffer overrun: 4 KiB buffer, fault storm"
out=$(numaweave run --ringbuf 4K --fold-window 0 --weights 0:1,1:1 --interval 100ms -v -- bench_faults 64 3 2>/tmp/rb.log)
rc=$?
drops=$(grep -o 'drops [0-9]*' /tmp/rb.log | tail -n 1 | cut -d' ' -f2)
[ $rc = 0 ] && [ "${drops:-0}" -gt 0 ] && pass "overrun: drops counted ($drops), run finished (exit 0)" || fail "overrun: rc $rc drops $drops"

log "bpffs not mounted"
rm -f $W
umount /sys/fs/bpf
start_alloc 16M --nothp || exit 1
numaweave run --pid $PID --weights 0:1 --once >/dev/null 2>&1; rc=$?
grep -q ' /sys/fs/bpf bpf' /proc/mounts && [ $rc = 0 ] && pass "bpffs mounted by numaweave" || fail "bpffs: rc $rc"

log "a pin dir with a map of another layout"
rm -f $W
bpftool map create $W type array key 4 value 8 entries 64 name weights
numaweave run --pid $PID --weights 0:1 --once >/dev/null 2>/tmp/lay.err; rc=$?
cat /tmp/lay.err
[ $rc = 1 ] && grep -q 'another layout' /tmp/lay.err && pass "wrong-layout map refused with a message (exit 1)" || fail "wrong layout: rc $rc"
bpftool map show pinned $W | grep -q 'value 8' && pass "the foreign map was left untouched" || fail "foreign map changed"
rm -f $W
kill $PID
finish
