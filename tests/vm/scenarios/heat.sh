# Heat that tells hot from cold in steady state (issue 12). One process with
# two mappings, both filled before numaweave starts, all on node 0: 40 MiB a
# thread keeps reading (never writing: no fault), 216 MiB never touched again;
# a busy co-runner shares the reader's CPU (a context switch flushes QEMU's
# soft TLB, so accessed bits are set again as on real hardware).
#  A. migrate_cold to node 1, nr_accesses 0, age >= 3 s, 15 s (up to 30 while it is still moving):
#     >= 90 % of the idle mapping on node 1, <= 10 % of the read one; status
#     shows >= 100 idle regions, and DAMON's words over the memory being
#     moved set aside (DAMON reads pages being migrated as accessed).
#  C. A again without DAMON or accessed bits, kernel.numa_balancing 1: the
#     ranges its scans arm and no fault answers are the idle evidence (fexit
#     change_prot_numa).
#  Y. (6.1) A with balancing off: the accessed bits numaweave clears and reads
#     itself are the only read signal.
#  D. without DAMON under numa_balancing 2 (tiering alone arms no top-tier
#     page): no read signal, so migrate_cold with a pattern is refused.
#  B. migrate_hot 1:1 under a 10 MiB/s quota: once 24 MiB has moved (at most
#     12 s after the first pass) the read mapping went first (its node-1 share
#     >= 35 %, the idle one's <= 10 %); under balancing 1 (B1: 7.3's arming,
#     6.1's accessed bits) the kernel pulls moved read pages back within
#     seconds: the read memory moved counts what it pulled back
#     (numa_pages_migrated), both are sampled every 0.5 s for 8 s (12 s for
#     7.3's arming) and judged at the most read memory moved while the idle
#     share was <= 10 %; with arming alone on 6.1 (B2, 12 s) only the order
#     is checked there (read moved >= twice the idle share).
#  Every arm's time counts from numaweave's first pass, not its start.
#  E. a SIGKILLed run's kdamond is taken back by the next run.
#  F. the daemon starts its kdamond when a pid-file target joins, demotes the
#     idle mapping by its policy's age.min within 30 s (not at the 60 s full
#     pass), and lets the kdamond go when the target leaves.
#  S. the issue-32 case: a single-threaded job (its main thread reads, no
#     other thread) started under kernel.numa_balancing 1 and running 5 s
#     before numaweave: the kernel arms none of its pages on its own node, so
#     an unanswered arming is no evidence there. migrate_cold must keep the read
#     memory (<= 5 % demoted in 15 s) and demote the idle memory (>= 90 %),
#     by DAMON's word (7.x) or by the accessed bits (6.1; S2 on 7.x without
#     DAMON); S1, with neither (--no-damon --no-young): status calls it unknown.
# Where nothing sees reads (no DAMON, NUMA balancing off), the refusal and the
# status line are asserted instead; with balancing on, NUMA balancing's arming
# is the read signal there too (6.1: idle >= 90 % demoted, read <= 10 %).
# Contents checked after each arm.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
[ -w /sys/module/damon_stat/parameters/enabled ] &&
	echo N > /sys/module/damon_stat/parameters/enabled
log "kernel $(uname -r), DAMON sysfs: $([ -d /sys/kernel/mm/damon/admin ] && echo yes || echo no)"
taskset -c 0 true 2>/dev/null || { echo "SKIP: no taskset"; exit 0; }
PIN="taskset -c 0"

# share_check VALUE min|max LIMIT PASS-MESSAGE FAIL-MESSAGE: a node-1 share against its limit
share_check() {
	awk -v v=$1 -v l=$3 -v op=$2 'BEGIN { exit !(op == "min" ? v >= l : v <= l) }' &&
		pass "$4" || fail "$5"
}

# wait_idle_out T: until the idle mapping is >= 90 % on node 1, up to 30 s
# counted from T; sets t to the seconds it took
wait_idle_out() {
	t=$1
	while [ $t -lt 30 ] && ! awk -v v=$(vma_share $PID $IDLE) 'BEGIN { exit !(v >= 90) }'; do
		sleep 1
		t=$((t + 1))
	done
}

# first_pass: until numaweave ($NW) has made its first pass, at most 60 s
# (loading its programs took up to 39 s in a TCG guest)
first_pass() {
	wait_first_pass $NW 60 || { log "no pass in 60 s"; return 1; }
}

start_heat() {
	start_alloc 216M --nothp --hot 40M "$@" || exit 1
	HOT=$(sed -n 's/^hot [0-9]* at 0x//p' "$OUT")
	IDLE=$(sed -n 's/^ready [0-9]* at 0x//p' "$OUT")
	log "read mapping $HOT on node 1: $(vma_share $PID $HOT) %, idle $IDLE: $(vma_share $PID $IDLE) %"
}
taskset -c 0 sh -c 'while :; do :; done' &
CO=$!

# single_arm NAME [ARGS]: S above; ARGS to numaweave run. Sets hot, idle.
single_arm() {
	name=$1
	shift
	echo 1 > /proc/sys/kernel/numa_balancing
	start_heat --hot-main
	sleep 5
	numaweave run --pid $PID --config /yaml/cold_idle3s.yaml "$@" -v 2>/tmp/nw$name.log &
	NW=$!
	first_pass
	sleep 15
	wait_idle_out 15	# up to 15 s more while the idle memory is still moving
	numaweave status | grep -E '^heat|^moved|^target' | tee /tmp/st$name
	hot=$(vma_share $PID $HOT); idle=$(vma_share $PID $IDLE)
	kill -TERM $NW; wait $NW
	echo 0 > /proc/sys/kernel/numa_balancing
	log "$name: single-threaded job, read mapping on node 1: $hot %, idle mapping: $idle %"
	share_check $hot max 5 "$name: read memory kept ($hot % <= 5 %)" \
		"$name: read memory of a single-threaded job demoted: $hot %"
	verify_alloc
	kill $PID; wait $PID 2>/dev/null; PID=
}

# D: under tiering-only balancing (2) no top-tier page is armed: without
# DAMON nothing sees reads, so migrate_cold with a pattern is refused
tiering_refused() {
	start_heat
	echo 2 > /proc/sys/kernel/numa_balancing
	numaweave run --pid $PID --config /yaml/cold_idle3s.yaml --no-damon --no-young 2>/tmp/nwD.err
	rc=$?
	echo 0 > /proc/sys/kernel/numa_balancing
	[ $rc -eq 2 ] && grep -q "needs a read-access signal" /tmp/nwD.err &&
		pass "D: tiering alone is not a read signal: migrate_cold refused" ||
		{ cat /tmp/nwD.err; fail "D: exit $rc under numa_balancing 2"; }
	kill $PID; wait $PID 2>/dev/null; PID=
}

# hot_peak N: sample the mappings every 0.5 s, N times: the read memory
# numaweave has moved to node 1 (what is there now plus what NUMA balancing
# has pulled back since M0, its numa_pages_migrated then: the job's thread and
# its co-runner run on node 0, and only read pages fault, so every page the
# kernel migrates is a read page numaweave had moved) and the idle mapping's
# node-1 share. Sets hot to the most read memory moved while the idle share
# was <= 10 % and idle to the idle share then (until hot reaches 35 %), and
# logs the course.
hot_peak() {
	hot=-1 idle=0 course=
	rtot=$(( $(vma_pages $PID $HOT 0) + $(vma_pages $PID $HOT 1) ))
	for _k in $(seq $1); do
		sleep 0.5
		back=$(( $(vmstat_of numa_pages_migrated) - M0 ))
		h=$(awk -v n=$(vma_pages $PID $HOT 1) -v b=$back -v t=$rtot 'BEGIN { printf "%.1f\n", 100 * (n + b) / t }')
		i=$(vma_share $PID $IDLE)
		course="$course $(vma_share $PID $HOT)+$back/$i"
		awk -v i=$i 'BEGIN { exit !(i > 10) }' && break
		awk -v h=$h -v b=$hot 'BEGIN { exit !(h > b) }' && { hot=$h; idle=$i; }
		awk -v h=$hot 'BEGIN { exit !(h >= 35) }' && break
	done
	[ "$hot" = -1 ] && hot=0 idle=$i
	log "$name: read % on node 1 + pages pulled back / idle % on node 1, every 0.5 s from the first pass:$course"
}

# hot_arm NAME BALANCING [ARGS]: migrate_hot 1:1 under a 10 MiB/s quota on a
# fresh target, timed from numaweave's first pass: the read mapping goes
# first (>= 35 % of it moved to node 1), the idle one waits (<= 10 %: the
# quota waits for heat, and after the read memory only the rest of the
# window is left for it). The target is left running.
#  Balancing 0: judged once 24 MiB has moved (at most HOT_S * 3 s).
#  Balancing on: the kernel pulls moved read pages back to the reader's node
#  within seconds (and numaweave, contested, backs off them), and its arming
#  (the read signal there) comes at the scan's pace: both mappings are
#  sampled every 0.5 s for HOT_S s (hot_peak), the read memory moved counted
#  with what the kernel pulled back.
hot_arm() {
	name=$1 nb=$2
	shift 2
	[ -n "$PID" ] && { kill $PID; wait $PID 2>/dev/null; }
	start_heat
	echo $nb > /proc/sys/kernel/numa_balancing
	sleep 1
	M0=$(vmstat_of numa_pages_migrated)
	numaweave run --pid $PID --weights 0:1,1:1 --quota 10M --interval 200ms "$@" -v 2>/tmp/nw$name.log &
	NW=$!
	first_pass
	if [ "$nb" != 0 ]; then
		hot_peak $((${HOT_S:-4} * 2))
	else
		i=0
		while m=$(moved_pages) && [ "${m:-0}" -lt 6144 ] && [ $i -lt $((${HOT_S:-4} * 15)) ]; do
			sleep 0.2
			i=$((i + 1))
		done
		log "$name: $(moved_pages) pages moved $((i / 5)) s after the first pass"
		hot=$(vma_share $PID $HOT); idle=$(vma_share $PID $IDLE)
	fi
	numaweave status | grep -E '^heat|^moved|^quota|^target'
	kill -TERM $NW; wait $NW
	echo 0 > /proc/sys/kernel/numa_balancing
	log "$name: read memory moved to node 1: $hot %, idle mapping on node 1: $idle %"
	if [ -n "${HOT_REL:-}" ]; then
		# 6.1's arming alone: what must hold is the order
		awk -v h=$hot -v i=$idle 'BEGIN { exit !(h > 0 && h >= 2 * i) }' &&
			pass "$name: read memory first ($hot % moved to node 1, idle $idle %)" ||
			fail "$name: read memory not first ($hot % moved to node 1, idle $idle %)"
	else
		share_check $hot min 35 "$name: read memory interleaved first ($hot % >= 35 %)" "$name: read memory moved to node 1 only $hot %"
	fi
	share_check $idle max 10 "$name: idle memory waits ($idle % <= 10 %)" \
		"$name: idle memory on node 1: $idle %"
	verify_alloc
}

# cold_arm NAME BALANCING [ARGS]: 15 s (up to 30) of migrate_cold on a fresh
# target; the idle mapping must go (>= 90 %), the read one stay (<= 10 %)
cold_arm() {
	name=$1 nb=$2
	shift 2
	start_heat
	echo $nb > /proc/sys/kernel/numa_balancing
	numaweave run --pid $PID --config /yaml/cold_idle3s.yaml "$@" -v 2>/tmp/nw$name.log &
	NW=$!
	first_pass
	sleep 15
	# the idle mapping moves at DAMON's and the guest's pace: a loaded CI host
	# has left it at 83 % at 15 s; wait up to 15 s more for it (read memory
	# must stay put all along)
	wait_idle_out 15
	log "$name: after $t s"
	numaweave status | grep -E '^heat|^moved|^target|DAMON samples' | tee /tmp/st$name
	hot=$(vma_share $PID $HOT); idle=$(vma_share $PID $IDLE)
	grep "^target $PID " /tmp/st$name | grep -q " [0-9][0-9]* hot, [0-9]* warm, [1-9][0-9][0-9]* idle" &&
		pass "$name: status shows the target's regions by heat class" ||
		fail "$name: no per-target heat classes in status"
	# DAMON counts pages being moved as accessed: its words over the 216 MiB
	# moved are set aside, so the demoted memory stays idle (above)
	if grep -q "DAMON samples" /tmp/st$name; then
		grep -q "; [1-9][0-9]* words set aside" /tmp/st$name &&
			pass "$name: DAMON's words over the moving memory set aside" ||
			fail "$name: no DAMON word set aside while 216 MiB moved"
	fi
	kill -TERM $NW; wait $NW
	echo 0 > /proc/sys/kernel/numa_balancing
	grep -E "programs|DAMON" /tmp/nw$name.log | head -3
	log "$name: read mapping on node 1: $hot %, idle mapping: $idle %"
	share_check $idle min 90 "$name: idle memory demoted ($idle % >= 90 %)" "$name: idle memory on node 1 only $idle %"
	share_check $hot max 10 "$name: read memory kept ($hot % <= 10 %)" "$name: read memory demoted: $hot %"
	verify_alloc
	kill $PID; wait $PID 2>/dev/null; PID=
}

if [ ! -d /sys/kernel/mm/damon/admin ]; then
	start_heat
	numaweave run --pid $PID --config /yaml/cold_idle3s.yaml --numa-balancing off --no-young \
		2>/tmp/nw.err
	rc=$?
	cat /tmp/nw.err
	[ $rc -eq 2 ] && grep -q "needs a read-access signal" /tmp/nw.err &&
		pass "no read signal but the accessed bits: without them migrate_cold with a pattern refused (exit 2)" ||
		fail "migrate_cold without a read signal: exit $rc"
	numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms --numa-balancing off --no-young \
		2>/dev/null &
	NW=$!
	sleep 2
	numaweave status | grep '^heat' | tee /tmp/heat.line
	grep -q "first touches only" /tmp/heat.line && pass "status says: heat: first touches only" ||
		fail "status heat line"
	numaweave status --json | grep -q '"sees_reads": false' && pass "status --json: sees_reads false" ||
		fail "status --json heat"
	kill -TERM $NW; wait $NW
	verify_alloc
	kill $PID; wait $PID 2>/dev/null; PID=
	log "Y: migrate_cold, balancing off, the accessed bits numaweave reads the only read signal"
	cold_arm Y 0
	grep -q "reading the targets' accessed bits" /tmp/nwY.log &&
		pass "Y: the accessed bits were the read source" || fail "Y: accessed bits not read"
	# balancing on: hinting faults are the only read signal; they must not
	# make read memory look idle (what they find of the idle memory is logged)
	echo 1 > /proc/sys/kernel/numa_balancing
	start_heat
	numaweave run --pid $PID --config /yaml/cold_idle3s.yaml 2>/tmp/nw1.err &
	NW=$!
	first_pass
	sleep 15
	wait_idle_out 15
	numaweave status | grep -E '^heat|^failed'
	js=$(numaweave status --json)
	hot=$(vma_share $PID $HOT); idle=$(vma_share $PID $IDLE)
	kill -TERM $NW; wait $NW
	echo 0 > /proc/sys/kernel/numa_balancing
	log "balancing 1, NUMA scans and hinting faults: read mapping on node 1: $hot %, idle: $idle %"
	share_check $hot max 10 "balancing 1: read memory kept ($hot %)" "balancing 1: read memory demoted: $hot %"
	share_check $idle min 90 "balancing 1: idle memory demoted ($idle % >= 90 %)" "balancing 1: idle memory on node 1 only $idle %"
	# 6.1's move_pages(2) answers ENOENT for armed pages (its page lookup
	# honours PROT_NONE hint entries): they are read once, then moved
	idle_r=$(json_field "$js" regions_idle)
	echo "$js" | grep -q '"numa_scans"' && [ "${idle_r:-0}" -ge 100 ] &&
		pass "balancing 1: armed and untouched regions seen as idle ($idle_r)" ||
		fail "balancing 1: idle regions $idle_r"
	log "pages read first so move_pages could find them: $(json_field "$js" move_touched)"
	verify_alloc
	kill $PID; wait $PID 2>/dev/null; PID=
	# with the accessed bits, heat is known in an interval: issue 32's bar
	# (>= 35 % of the read memory, <= 10 % of the idle, within 8 s on 6.1)
	# at the read share's peak. A fixed moment failed: 3 s from the first
	# pass gave 23.4 %, twice; 4 s from the start was before the first pass
	# in a CI run. NUMA balancing pulls the read pages back to the reader's
	# node (0-2.5 % left at 8 s) and the quota goes on to the idle memory
	log "B1: migrate_hot 1:1 under a quota, 8 s, accessed bits and NUMA balancing's arming"
	HOT_S=8 hot_arm B1 1
	kill $PID; wait $PID 2>/dev/null; PID=
	log "B2: the same with NUMA balancing's arming alone (--no-young): only the order is checked"
	HOT_S=12 HOT_REL=1 hot_arm B2 1 --no-young
	kill $PID; wait $PID 2>/dev/null; PID=
	tiering_refused
	log "S: a single-threaded job under numa_balancing 1 (6.1's default): the accessed bits see its own node"
	single_arm S
	share_check $idle min 90 "S: idle memory demoted by the accessed bits ($idle % >= 90 %)" \
		"S: idle memory on node 1 only $idle %"
	log "S1: the same with --no-young: no read source reaches its own node"
	single_arm S1 --no-young
	grep "^target" /tmp/stS1 | grep -q " [1-9][0-9]* unknown" &&
		pass "S1: status calls the memory no source reached unknown, not idle" ||
		fail "S1: no unknown regions in status"
	kill $CO
	finish
	exit
fi

log "A: migrate_cold to node 1 (idle >= 3 s), DAMON as the read signal, 15 s"
cold_arm A 0
log "C: the same without DAMON, NUMA balancing on: its scans are the read signal"
cold_arm C 1 --no-damon --no-young
log "D: without DAMON under tiering-only balancing (2): nothing here sees reads"
tiering_refused

log "S: a single-threaded job under numa_balancing 1, DAMON the read source"
single_arm S
share_check $idle min 90 "S: idle memory demoted by DAMON's word ($idle % >= 90 %)" \
	"S: idle memory on node 1 only $idle %"
log "S2: the same without DAMON: the accessed bits numaweave reads"
single_arm S2 --no-damon
share_check $idle min 90 "S2: idle memory demoted by the accessed bits ($idle % >= 90 %)" \
	"S2: idle memory on node 1 only $idle %"
log "S1: without DAMON or accessed bits: arming reaches none of its pages"
single_arm S1 --no-damon --no-young
grep "^target" /tmp/stS1 | grep -q " [1-9][0-9]* unknown" &&
	pass "S1: status calls the memory no source reached unknown, not idle" ||
	fail "S1: no unknown regions in status"

log "B: migrate_hot 1:1, quota 10 MiB/s, judged once 24 MiB has moved (DAMON)"
hot_arm B 0
log "B1: the same without DAMON, NUMA balancing's arming the read signal"
# 7.3's arming both is the read signal and pulls the moved read pages back
# (the rise came 5-6.5 s after the first pass in two runs; a fixed moment
# failed: 0.0 % at 3 s, nothing armed yet; 0.8 % at 5 s, pulled back). The
# share on node 1 alone failed too: on memonly it peaked at 25.0 % while the
# kernel pulled pages back and numaweave, contested, backed off them; what
# numaweave moved is that share plus what the kernel pulled back.
HOT_S=12 hot_arm B1 1 --no-damon --no-young
kill $PID; wait $PID 2>/dev/null; PID=
start_heat

log "E: a killed controller's kdamond is taken back by the next one"
# a quota: its heat orders the moves, so run samples (without a quota or an
# access pattern it starts no kdamond)
numaweave run --pid $PID --weights 0:1 --quota 100M --interval 200ms 2>/dev/null &
NW=$!
sleep 3
kill -KILL $NW; wait $NW 2>/dev/null
n=$(cat /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds)
numaweave run --pid $PID --weights 0:1 --quota 100M --interval 200ms -v 2>/tmp/nwE.log &
NW=$!
sleep 3
kill -TERM $NW; wait $NW
grep -E "took back|DAMON" /tmp/nwE.log
[ "$n" = 1 ] && grep -q "took back" /tmp/nwE.log && grep -q "DAMON samples" /tmp/nwE.log &&
	pass "E: the SIGKILLed run's kdamond taken back, DAMON used again" ||
	fail "E: kdamonds after SIGKILL $n, DAMON not taken back"
[ "$(cat /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds)" = 0 ] &&
	pass "E: nothing left in DAMON's sysfs after a clean stop" || fail "E: kdamond left behind"

log "F: the daemon's kdamond follows its targets (a pid-file policy with an access pattern, the pid written after start)"
DK=/sys/kernel/mm/damon/admin/kdamonds
mkdir -p /tmp/nwF
chmod 755 /tmp/nwF
rm -f /tmp/F.pid
cat >/tmp/nwF/cold.yaml <<EOF
kdamonds:
- contexts:
  - targets:
    - pid_file: /tmp/F.pid
    schemes:
    - action: migrate_cold
      access_pattern:
        nr_accesses: {min: 0, max: 0}
        age: {min: 3s}
      dests:
      - {nid: 1, weight: 1}
EOF
chmod 644 /tmp/nwF/cold.yaml
numaweave daemon --config-dir /tmp/nwF --interval 200ms -v 2>/tmp/nwF.log &
NWD=$!
sleep 2
n0=$(cat $DK/nr_kdamonds)
echo $PID >/tmp/F.pid
t=0 ev=0
while [ $t -lt 40 ] && [ "${ev:-0}" -eq 0 ]; do
	sleep 0.5
	ev=$(json_field "$(numaweave status --json)" damon_events)
	t=$((t + 1))
done
pt=$(cat $DK/0/contexts/0/targets/0/pid_target 2>/dev/null)
log "F: kdamonds before the target $n0; DAMON records $ev after $((t * 500)) ms, its target pid ${pt:-none}"
[ "$n0" = 0 ] && [ "${ev:-0}" -gt 0 ] && [ "$pt" = "$PID" ] &&
	pass "F: no kdamond before a target; DAMON samples the pid-file target once it joins" ||
	fail "F: DAMON did not follow the target that joined (kdamonds before $n0, records $ev, pid ${pt:-none})"
# the policy's age.min is watched: idle memory goes once it is 3 s old, not
# at the daemon's 60 s full pass (the first pass, at the join, saw it young)
wait_idle_out 0
hot=$(vma_share $PID $HOT); idle=$(vma_share $PID $IDLE)
log "F: after $t s, read mapping on node 1: $hot %, idle mapping: $idle %"
share_check $idle min 90 "F: the daemon demoted idle memory by DAMON's age ($idle % >= 90 % in $t s)" \
	"F: idle memory on node 1 only $idle % after $t s"
share_check $hot max 10 "F: read memory kept ($hot % <= 10 %)" "F: read memory demoted: $hot %"
verify_alloc
kill $PID; wait $PID 2>/dev/null; PID=
t=0
while [ $t -lt 40 ] && [ "$(cat $DK/nr_kdamonds)" != 0 ]; do sleep 0.5; t=$((t + 1)); done
grep DAMON /tmp/nwF.log
[ "$(cat $DK/nr_kdamonds)" = 0 ] && kill -0 $NWD &&
	pass "F: the kdamond goes with the last target, the daemon stays ($((t * 500)) ms)" ||
	fail "F: kdamond still configured $((t * 500)) ms after its target left"
kill -TERM $NWD; wait $NWD
kill $CO
finish
