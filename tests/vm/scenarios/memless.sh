# A node with a CPU and no memory: weights naming it are refused (exit 2, the
# message names it), on the command line and live through bpftool.
. /tests/lib.sh
log "nodes: $(ls -d /sys/devices/system/node/node* | tr '\n' ' '); with memory: $(cat /sys/devices/system/node/has_memory)"
# which node the firmware tables left without memory, and the other one with memory
ML=; MEM=
for d in /sys/devices/system/node/node*; do
	n=${d##*node}
	if [ "$(awk '/MemTotal/ { print $4 }' $d/meminfo)" = 0 ]; then ML=$n; elif [ "$n" != 0 ]; then MEM=$n; fi
done
[ -n "$ML" ] && [ -n "$MEM" ] || { fail "no memory-less node in this layout"; finish; exit 1; }
log "memory-less node $ML, memory nodes 0 and $MEM"
start_alloc 32M --nothp || exit 1
numaweave run --pid $PID --weights 0:1,$ML:1 --once 2>/tmp/e; rc=$?
cat /tmp/e
[ $rc = 2 ] && grep -q "node $ML has no memory" /tmp/e && pass "memory-less node refused (exit 2)" || fail "memory-less node: rc $rc"
numaweave weights $ML:1 2>/tmp/e; rc=$?
[ $rc = 2 ] && pass "weights $ML:1 refused: $(cat /tmp/e)" || fail "weights $ML:1: rc $rc"
numaweave run --pid $PID --weights 0:1,$MEM:1 --interval 200ms 2>/dev/null &
NW=$!
sleep 2
bpftool map update pinned /sys/fs/bpf/numaweave/weights key $ML 0 0 0 value 1 0 0 0
sleep 1.5
js=$(numaweave status --json)
echo "$js" | grep -q '"weights_rejected": true' && echo "$js" | grep -q "\"weights\": {\"0\": 1, \"$MEM\": 1}" &&
	pass "live table naming the memory-less node refused, old table kept" || fail "live: $js"
kill -TERM $NW; wait $NW
verify_alloc
kill $PID
finish
