# make demo: the cover letter's Functionality Test, narrated.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
say() { echo; echo ">>> $*"; }
say "A two-node machine: $(cat /sys/devices/system/node/has_memory) have memory; kernel $(uname -r)."
say "Allocate 768 MiB with the default policy from a CPU of node 0 (the cover letter's alloc_data 1G, scaled to this VM)."
PIN="taskset -c 0"
start_alloc 768M --nothp || exit 1
echo "\$ numaweave numastat $PID"
numaweave numastat $PID
say "Start numaweave at 1:1:  numaweave run --pid $PID --weights 0:1,1:1"
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms 2>/tmp/nw.log &
NW=$!
wait_split $PID 50 1 180 && pass "1:1 reached" || fail "1:1 not reached"
numaweave numastat $PID
verify_alloc
say "Change the weights live with bpftool (no restart):"
echo "\$ bpftool map update pinned /sys/fs/bpf/numaweave/weights key 0 0 0 0 value 3 0 0 0"
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 0 0 0 0 value 3 0 0 0
echo "\$ bpftool map dump pinned /sys/fs/bpf/numaweave/weights | head -8"
bpftool map dump pinned /sys/fs/bpf/numaweave/weights | head -8
wait_split $PID 75 1 180 && pass "3:1 reached" || fail "3:1 not reached"
numaweave numastat $PID
verify_alloc
say "What the controller did:"
numaweave status
kill -TERM $NW
wait $NW
kill $PID
finish
