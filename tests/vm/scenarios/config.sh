# The cover letter's YAML, unchanged but for the pid: a 1:1 split.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
start_alloc 256M --nothp || exit 1
numaweave numastat $PID
sed "s/pid: 6587/pid: $PID/" /yaml/interleave_vaddr.yaml > /tmp/il.yaml
numaweave run --config /tmp/il.yaml --once --json 2>/tmp/warn
cat /tmp/warn
numaweave numastat $PID
s=$(split_pct $PID)
near $s 50 1 && pass "--config interleave_vaddr.yaml: node0 ${s}%" || fail "config split ${s}%"
verify_alloc
kill $PID
finish
