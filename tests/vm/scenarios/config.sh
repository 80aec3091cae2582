# The cover letter's YAML, unchanged but for the pid: a 1:1 split. Then a
# file damo 3.3 wrote itself with a time quota (quotas.time_ms 20 ms per 1 s):
# one pass moves only what fits in the quota and defers the rest.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
start_alloc 256M --nothp || exit 1
numaweave numastat $PID

# --dry-run changes nothing (issue 28: it wrote the pinned weights) and prints its plan
numaweave run --pid $PID --weights 0:1 --once >/dev/null 2>&1
w0=$(bpftool map dump pinned /sys/fs/bpf/numaweave/weights -j)
n0=$(node_pages $PID 0)
echo 1 > /proc/sys/kernel/numa_balancing
out=$(numaweave run --pid $PID --weights 0:1,1:3 --numa-balancing off --once --dry-run 2>/tmp/dry.err)
log "dry run said: $out"
[ "$(bpftool map dump pinned /sys/fs/bpf/numaweave/weights -j)" = "$w0" ] &&
	[ "$(node_pages $PID 0)" = "$n0" ] && [ "$(cat /proc/sys/kernel/numa_balancing)" = 1 ] &&
	pass "--dry-run: pinned weights byte-identical, no page moved, numa_balancing left at 1" ||
	fail "dry run changed something: weights $(numaweave weights), node0 $(node_pages $PID 0) of $n0, nb $(cat /proc/sys/kernel/numa_balancing)"
want=$((n0 * 3 / 4))
got=$(echo "$out" | sed -n "s/^dry run: pid $PID: [0-9]* pages ([0-9.]* MiB) would move: \([0-9]*\) to node 1$/\1/p")
[ -n "$got" ] && [ $((got - want)) -le 64 ] && [ $((want - got)) -le 64 ] &&
	pass "... and prints the plan at the default verbosity: $got pages to node 1 (3/4 of $n0: $want)" ||
	fail "dry run plan: '$out' (wanted ~$want to node 1)"
echo 0 > /proc/sys/kernel/numa_balancing
sed "s/pid: 6587/pid: $PID/" /yaml/interleave_vaddr.yaml > /tmp/il.yaml
numaweave run --config /tmp/il.yaml --once --json 2>/tmp/warn
cat /tmp/warn
numaweave numastat $PID
s=$(split_pct $PID)
near $s 50 1 && pass "--config interleave_vaddr.yaml: node0 ${s}%" || fail "config split ${s}%"
verify_alloc
kill $PID

start_alloc 256M --nothp || exit 1
sed "s/pid: 1234/pid: $PID/" /yaml/hot_time.yaml > /tmp/ht.yaml
out=$(numaweave run --config /tmp/ht.yaml --once --json 2>/tmp/warn)
cat /tmp/warn
moved=$(json_field "$out" pages_moved)
deferred=$(json_field "$out" pages_deferred)
secs=$(json_field "$out" seconds)
log "damo time quota 20 ms/s: one pass moved $moved pages, deferred $deferred, in $secs s"
grep -q 'line [0-9]*:' /tmp/warn && fail "warnings on damo's own file: $(cat /tmp/warn)" ||
	pass "damo 3.3's file loads without a warning about its keys"
[ "$moved" -gt 0 ] && [ "$moved" -le 16384 ] && [ "$deferred" -gt 0 ] &&
	pass "time quota: the pass stopped after the quota's move time, the rest deferred" ||
	fail "time quota: moved $moved, deferred $deferred"
sed "s/pid: 6587/pid: $PID/" /yaml/interleave_vaddr.yaml > /tmp/il.yaml
numaweave run --config /tmp/il.yaml --once --json >/dev/null 2>&1
s=$(split_pct $PID)
near $s 50 1 && pass "the same target without the quota: one pass to 50/50 (${s}%)" || fail "no quota ${s}%"
verify_alloc

wi=/sys/kernel/mm/mempolicy/weighted_interleave
if [ -r $wi/node1 ]; then
	kt="0:$(cat $wi/node0),1:$(cat $wi/node1)"
	log "the kernel's weighted_interleave table: $kt (auto: $(cat $wi/auto 2>/dev/null || echo -))"
	numaweave weights --from-kernel
	[ "$(numaweave weights)" = "$kt" ] && pass "weights --from-kernel equals the sysfs table ($kt)" ||
		fail "from-kernel: $(numaweave weights) vs $kt"
	# all of it back on node 0 first, so the pass has something to do
	numaweave run --pid $PID --weights 0:1 --once --json >/dev/null 2>&1
	log "before: node0 $(split_pct $PID)%"
	numaweave run --pid $PID --weights kernel --once --json >/dev/null 2>&1
	want=$(awk -v a=$(cat $wi/node0) -v b=$(cat $wi/node1) 'BEGIN { printf "%.2f", 100 * a / (a + b) }')
	near "$(split_pct $PID)" $want 1 && pass "--weights kernel places by it (node0 $(split_pct $PID)%)" ||
		fail "--weights kernel: node0 $(split_pct $PID)%, wanted $want"
	verify_alloc
	# the guest is thrown away: here the kernel's table may be written
	numaweave weights 0:3,1:2 >/dev/null
	if [ -r $wi/auto ] && [ "$(cat $wi/auto)" = true ]; then
		k0=$(cat $wi/node0)
		numaweave weights --to-kernel 2>/tmp/tk.err
		rc=$?
		[ $rc -eq 2 ] && [ "$(cat $wi/node0)" = "$k0" ] && [ "$(cat $wi/auto)" = true ] &&
			grep -q 'give --force' /tmp/tk.err &&
			pass "--to-kernel in auto mode without --force: exit 2, nothing written" ||
			fail "to-kernel without --force: rc $rc, node0 $(cat $wi/node0), $(cat /tmp/tk.err)"
	fi
	numaweave weights --to-kernel --force
	[ "$(cat $wi/node0):$(cat $wi/node1)" = "3:2" ] && pass "weights --to-kernel writes the kernel's table (3:2)" ||
		fail "to-kernel: $(cat $wi/node0):$(cat $wi/node1)"
	[ ! -r $wi/auto ] || [ "$(cat $wi/auto)" = false ] && pass "... and the kernel left auto mode, as said" ||
		fail "auto is $(cat $wi/auto)"
fi
kill $PID
finish
