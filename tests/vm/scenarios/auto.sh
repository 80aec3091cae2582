# --weights auto:file:PATH (issue 16) with real pages: the cover letter's toy
# example. A model stands in for the memory controllers' counters: every 0.3 s
# it reads the weights numaweave set and writes the traffic a job demanding D
# would make under them (node 0: 100 GB/s, node 1: 50 GB/s, each capped at its
# capacity). Alone (D = 75) the job stays home; a second instance (D = 150)
# makes the controller spill pages to node 1; when it ends (D = 75) they come
# back. Placement follows the weights in force at each phase; contents checked.
# Twice: the bandwidth law, then the loaded-latency law (the model also writes
# each node's latency, 100 and 200 ns unloaded, rising with the offered load
# as the unit tests' model does: lat0 (1 + 0.25 u / (1 - u)), u at most 0.99).
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
model() {	# LAW
	while :; do
		w=$(numaweave weights 2>/dev/null)
		w0=$(echo "$w" | tr ',' '\n' | sed -n 's/^0://p')
		w1=$(echo "$w" | tr ',' '\n' | sed -n 's/^1://p')
		awk -v d="$(cat /tmp/demand)" -v a="${w0:-1}" -v b="${w1:-0}" -v law=$1 '
		function lat(l0, o, c) { u = o / c; if (u > 0.99) u = 0.99; return l0 * (1 + 0.25 * u / (1 - u)) }
		BEGIN {
			o0 = d * a / (a + b); o1 = d * b / (a + b)
			t0 = o0 > 100 ? 100 : o0; t1 = o1 > 50 ? 50 : o1
			if (law == "latency")
				printf "0 %.3fG 100G %.0fns\n1 %.3fG 50G %.0fns\n", t0, lat(100, o0, 100), t1, lat(200, o1, 50)
			else
				printf "0 %.3fG 100G\n1 %.3fG 50G\n", t0, t1 }' > /tmp/bw.new
		mv /tmp/bw.new /tmp/bw
		sleep 0.3
	done
}
# share PID: node-0 percent the weights in force ask for
want() { numaweave weights | awk -F'[:,]' '{ for (i = 1; i < NF; i += 2) w[$i] = $(i + 1) }
	END { printf "%.2f\n", 100 * w[0] / (w[0] + w[1]) }'; }

toy() {	# LAW: bandwidth or latency
log "the toy example, $1 law"
start_alloc 128M --nothp || exit 1
echo 75 > /tmp/demand
printf "0 75G 100G\n1 0G 50G\n" > /tmp/bw
model $1 &
MODEL=$!
sleep 0.5
numaweave run --pid $PID --weights auto:file:/tmp/bw --interval 500ms -v 2>/tmp/nw.log &
NW=$!

sleep 6
log "phase 1, alone (75 of 100): weights $(numaweave weights)"
[ "$(numaweave weights)" = "0:1" ] && pass "$1: alone at 75 %: the job stays home" || fail "alone: $(numaweave weights)"
near "$(split_pct $PID)" 100 1 && pass "... all on node 0" || fail "alone: node0 $(split_pct $PID)%"

echo 150 > /tmp/demand
i=0
while [ "$(numaweave weights)" = "0:1" ] && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
sleep 12	# its steps settle (a decision waits two intervals after a change)
w2=$(numaweave weights)
log "phase 2, two instances (150): weights $w2 after $((i / 2 + 12)) s"
case $w2 in *1:*) pass "$1: two instances: pages spill to node 1 ($w2)" ;; *) fail "no spill: $w2" ;; esac
wait_split $PID "$(want)" 1 60 && pass "placement follows the controller's weights ($w2)" || fail "placement vs $w2"
verify_alloc

echo 75 > /tmp/demand
i=0
while [ "$(numaweave weights)" != "0:1" ] && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
log "phase 3, one ends (75): weights $(numaweave weights) after $((i / 2)) s"
[ "$(numaweave weights)" = "0:1" ] && pass "$1: one ends: back home" || fail "phase 3: $(numaweave weights)"
wait_split $PID 100 1 60 && pass "... pages back on node 0" || fail "not back"
verify_alloc
numaweave status | grep -E '^(weights|auto|moved)'
grep 'controller' /tmp/nw.log
if [ $1 = latency ]; then
	if grep -q 'latency controller' /tmp/nw.log && numaweave status --json | grep -q '"law": "latency"'; then
		pass "latency: the decisions were the latency law's (log, status --json)"
	else
		fail "latency law not used: $(numaweave status | grep '^auto')"
	fi
fi
kill $MODEL
kill -TERM $NW
wait $NW
kill $PID
wait $PID 2>/dev/null
}

toy bandwidth
toy latency

log "tune --dry-run: the same controller on fixed readings, nothing moved"
printf "0 95G 100G\n1 5G 50G\n" > /tmp/bw
numaweave tune --dry-run --weights auto:file:/tmp/bw --interval 100ms --count 4 | tee /tmp/tune.out
head -n 1 /tmp/tune.out | grep -q "home overloaded.*-> 0:[0-9]*,1:[1-9]" &&
	pass "tune: home at 95 %, node 1 idle: it would spill to node 1" || fail "tune: $(head -n 1 /tmp/tune.out)"
sed -n 2p /tmp/tune.out | grep -q "waiting for the last change to settle" &&
	pass "tune: then waits for the change to settle (dwell)" || fail "tune dwell: $(sed -n 2p /tmp/tune.out)"
printf "0 30G 100G\n1 5G 50G\n" > /tmp/bw
numaweave tune --dry-run --weights auto:file:/tmp/bw --interval 100ms --count 1 --json | tee /tmp/tune.json
grep -q '"weights": {"0": 1}' /tmp/tune.json && grep -q '"change": false' /tmp/tune.json &&
	pass "tune --json: at 30 % the job stays home" || fail "tune --json: $(cat /tmp/tune.json)"
finish
