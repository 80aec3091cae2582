# move_pages(2) stopping part-way, on a real kernel (issue 17, item 1).
#  1. Pages a pipe holds (vmsplice: a reference, as I/O pins take) refuse to
#     migrate. The kernel then returns a positive count and stores no status
#     for that batch or anything after it. Every other page must still move,
#     the pinned ones count as busy, and the counters must match where the
#     pages really are (numa_maps). Unpinned, the next pass moves them.
#  2. The destination runs out of memory mid-batch: move_pages(2) fails as a
#     whole (ENOMEM) after moving part of the batch. What moved must count as
#     moved, the rest as enomem: again checked against numa_maps.
# Every run here names a quota far above what it moves (1T/s): a whole-node
# move with no quota goes by one migrate_pages(2) (the bulk path), and this
# scenario is about move_pages(2)'s partial results, page by page.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
Q="--quota 1T"
PIN="taskset -c 0"
NPIN=5
# pinned MOVERS: part 1 with MOVERS threads calling move_pages(2) at once
# (--move-threads: each takes a share of the list; the pins fall in shares
# of their own, and the counters are merged)
pinned() {
	m=$1
	L="pinned ($m mover$([ $m = 1 ] || echo s))"
	ARGS="--move-threads $m"
	[ $m -gt 1 ] && ARGS="$ARGS -vv"
	start_alloc 64M --nothp --pin $NPIN || return 1
	BUF=$(sed -n 's/^ready [0-9]* at 0x//p' "$OUT")
	grep '^pinned' "$OUT"
	total=$((64 * 256))
	before=$(node_pages $PID 1 all)
	out=$(numaweave run --pid $PID --weights 1:1 $Q --once --json $ARGS 2>/tmp/nw1.err)
	echo "$out"
	after=$(node_pages $PID 1 all)
	moved=$(json_field "$out" pages_moved)
	busy=$(json_field "$out" ebusy)
	b0=$(vma_pages $PID $BUF 0) b1=$(vma_pages $PID $BUF 1)
	log "$L: buffer node 0 $b0, node 1 $b1; moved $moved (numa_maps: +$((after - before))), busy $busy"
	[ "$b0" = $NPIN ] && [ "$b1" = $((total - NPIN)) ] &&
		pass "$L: all but the $NPIN pinned pages moved ($b1 of $total)" ||
		fail "$L: buffer node 0 $b0, node 1 $b1"
	[ "$busy" = $NPIN ] && [ "$(json_field "$out" pages_failed)" = $NPIN ] &&
		pass "$L: the $NPIN pinned pages counted as busy, nothing else failed" ||
		fail "$L: busy $busy, failed $(json_field "$out" pages_failed)"
	[ "$moved" = $((after - before)) ] &&
		pass "$L: pages_moved ($moved) = pages that arrived on node 1 (numa_maps)" ||
		fail "$L: pages_moved $moved, numa_maps says $((after - before))"
	[ "$(json_field "$out" move_resubmitted)" -gt 0 ] &&
		pass "$L: the kernel stopped part-way and the rest was sent again" ||
		fail "$L: nothing resubmitted (the kernel did not stop?)"
	kill -USR2 $PID
	sleep 0.5
	grep '^unpinned' "$OUT"
	out=$(numaweave run --pid $PID --weights 1:1 $Q --once --json 2>/dev/null)
	b0=$(vma_pages $PID $BUF 0)
	[ "$b0" = 0 ] && [ "$(json_field "$out" pages_failed)" = 0 ] &&
		pass "$L, unpinned: the next pass moved them (buffer node 0: $b0)" ||
		fail "$L, unpinned: buffer node 0 $b0, failed $(json_field "$out" pages_failed)"
	verify_alloc
	kill $PID; wait $PID 2>/dev/null
	if [ $m -gt 1 ]; then
		grep -q "with $m movers" /tmp/nw1.err &&
			pass "$L: the pass split its moves over $m movers" ||
			fail "$L: no pass with $m movers in the log"
	fi
}
pinned 1 || exit 1
pinned 3 || exit 1

log "a destination that fills up mid-batch"
free1() { awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node1/meminfo; }
# fill node 1 with hogs moved there until 40-96 MiB is free (the kernel's
# reserves take ~20 of it: below ~25 nothing moves at all; a move that itself
# runs short leaves more free than planned: then another hog)
HOGS=
for _ in 1 2 3; do
	f=$(free1)
	[ $f -gt 96 ] || break
	start_alloc $((f - 56))M --nothp || exit 1
	HOGS="$HOGS $PID"
	numaweave run --pid $PID --weights 1:1 $Q --once >/dev/null 2>&1
	log "node 1: $f MiB free, a hog of $((f - 56)) MiB moved there: $(free1) MiB free"
done
# a buffer larger than what is left: the move must run short part-way. What
# is free settles after a run exits (its BPF maps are freed after it is gone,
# and per-CPU page lists drain): measured again after a second, and 64 MiB
# over it (with 32 over, a CI run found 36 MiB more than measured and moved
# everything)
sleep 1
log "node 1 before the buffer: $(free1) MiB free"
start_alloc $(( $(free1) + 64 ))M --nothp || exit 1
BUF=$(sed -n 's/^ready [0-9]* at 0x//p' "$OUT")
before=$(node_pages $PID 1 all)
out=$(numaweave run --pid $PID --weights 1:1 $Q --once --json 2>/tmp/nw2.err)
echo "$out"
after=$(node_pages $PID 1 all)
moved=$(json_field "$out" pages_moved)
nomem=$(json_field "$out" enomem)
log "full node: moved $moved (numa_maps: +$((after - before))), enomem $nomem, buffer on node 1: $(vma_pages $PID $BUF 1)"
[ "${nomem:-0}" -gt 0 ] && [ "${moved:-0}" -gt 0 ] &&
	pass "full node: part moved ($moved), the rest refused for memory ($nomem)" ||
	fail "full node: moved $moved, enomem $nomem"
[ "$moved" = $((after - before)) ] &&
	pass "full node: pages_moved ($moved) = pages that arrived on node 1 (numa_maps)" ||
	fail "full node: pages_moved $moved, numa_maps says $((after - before))"
verify_alloc
kill $PID $HOGS
finish
