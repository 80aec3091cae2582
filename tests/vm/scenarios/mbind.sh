# Memory the kernel placed with MPOL_WEIGHTED_INTERLEAVE (weights 3:1) is
# already where numaweave would put it: 0 pages misplaced, 0 moved.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
WI=/sys/kernel/mm/mempolicy/weighted_interleave
[ -d $WI ] || { echo "SKIP: no weighted interleave in $(uname -r)"; exit 0; }
log "kernel $(uname -r), THP $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
for mode in --nothp --thp; do
	start_alloc 128M $mode --mbind-weighted 0:3,1:1 || exit 1
	log "sysfs weights: node0 $(cat $WI/node0) node1 $(cat $WI/node1)"
	addr=$(sed -n 's/^ready \([0-9]*\) at \(0x[0-9a-f]*\)/\2/p' $OUT)
	size=$(sed -n 's/^ready \([0-9]*\) at .*/\1/p' $OUT)
	end=$(printf '0x%x' $((addr + size)))
	# only the buffer: the rest of the process was allocated without the policy
	sed "s/pid: 6587/pid: $PID/; s/regions: \[\]/regions: [ {start: $((addr)), end: $((end))} ]/" \
		/yaml/interleave_vaddr.yaml > /tmp/wi.yaml
	awk '/- nid: 0/ { print; getline; sub(/weight: 1/, "weight: 3") } { print }' /tmp/wi.yaml > /tmp/wi3.yaml
	grep -A1 'nid:' /tmp/wi3.yaml
	s=$(split_pct $PID)
	log "$mode: kernel placed node0 ${s}%"
	out=$(numaweave run --config /tmp/wi3.yaml --once --dry-run --json 2>/dev/null)
	echo "$out"
	mis=$(json_field "$out" pages_misplaced)
	sc=$(json_field "$out" pages_scanned)
	[ "$sc" -ge 32768 ] && pass "$mode: buffer scanned ($sc pages)" || fail "$mode: scanned $sc"
	[ "$mis" = 0 ] && pass "$mode: 0 pages misplaced" || fail "$mode: $mis pages misplaced"
	out=$(numaweave run --config /tmp/wi3.yaml --once --json 2>/dev/null)
	mv=$(json_field "$out" pages_moved)
	[ "$mv" = 0 ] && pass "$mode: 0 pages moved" || fail "$mode: $mv pages moved"
	verify_alloc
	kill $PID
	wait $PID 2>/dev/null
done
finish
