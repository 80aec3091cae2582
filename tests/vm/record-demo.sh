# The picture in README's "Seeing it": 256 MiB on node 0, numaweave at 1:1
# under a 64 MiB/s quota (so the sweep takes seconds, not one pass), then a
# live bpftool edit to 3:1, recorded at 250 ms. Prints the recording between
# "=== recording begin" and "=== recording end" for tools/record-picture.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
taskset -c 0 true 2>/dev/null && PIN="taskset -c 0" || PIN=
start_alloc 256M --nothp || exit 1
numaweave run --pid $PID --weights 0:1,1:1 --quota 64M --interval 200ms 2>/tmp/nw.log &
NW=$!
while [ ! -e /sys/fs/bpf/numaweave/regions ]; do sleep 0.1; done
numaweave record --output /tmp/demo.rec --interval 250ms 2>/tmp/rec.log &
REC=$!
wait_split $PID 50 1 120
sleep 2
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 0 0 0 0 value 3 0 0 0
wait_split $PID 75 1 120
sleep 2
kill -INT $REC
wait $REC
numaweave report summary /tmp/demo.rec
echo "=== recording begin"
cat /tmp/demo.rec
echo "=== recording end"
kill -TERM $NW
wait $NW
kill $PID
