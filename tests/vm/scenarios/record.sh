# numaweave record and report (issue 30) against what the kernel says.
#  P. The functionality test recorded: 128 MiB on node 0, numaweave at 1:1,
#     then live bpftool edits to 3:1 and 1:0, `numaweave record` attached at
#     500 ms. At each step, once numa_maps shows the split, the recording's
#     per-node split of the target (its regions' pages by node, replayed from
#     the file here with awk, not by numaweave's reader) must be within 1
#     point of numa_maps'. The recording ends cleanly on SIGINT ("E stopped")
#     and `report summary` / `report placement` read it.
#  H. The hot/idle mix (40 MiB a thread keeps reading, 216 MiB idle), placed
#     1:1 under migrate_hot with a 10 MiB/s quota and recorded: in the last
#     frame, the regions of the read mapping must be classed hot (>= 90 %) and
#     those of the idle mapping idle (>= 90 %).
#  L. A pass that moves 192 MiB (~2 s here) under a 100 ms recording: frames
#     of that one pass show the split changing (the regions are published
#     between move_pages(2) calls, not only at the pass's end).
#  K. A recording stopped by SIGKILL mid-run still reads (report summary).
# REC_DUMP=1 in the environment prints P's recording between markers (the
# picture in README is drawn from it on the host).
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
[ -w /sys/module/damon_stat/parameters/enabled ] &&
	echo N > /sys/module/damon_stat/parameters/enabled
log "kernel $(uname -r), DAMON sysfs: $([ -d /sys/kernel/mm/damon/admin ] && echo yes || echo no)"
taskset -c 0 true 2>/dev/null && PIN="taskset -c 0" || PIN=

# rec_frames FILE PID: per frame, "PASS PCT": the controller's passes and the
# percent of PID's recorded pages on node 0 (-1: none), replaying the whole
# lines of FILE (R: a region as last written, X: a region gone); the last
# line is the state at the file's end
rec_frames() {
	head -n $(wc -l <"$1") "$1" | awk -v pid=$2 '
		function share(   k, s0, s1) { for (k in n0) { s0 += n0[k]; s1 += n1[k] }
			return s0 + s1 ? sprintf("%.2f", 100 * s0 / (s0 + s1)) : -1 }
		$1 == "F" { if (f++) print pass, share(); pass = $3 }
		$1 == "R" && $2 == pid { split($11, a, ","); n0[$3] = a[1]; n1[$3] = a[2] }
		$1 == "X" && $2 == pid { delete n0[$3]; delete n1[$3] }
		END { print pass + 0, share() }'
}
# rec_split FILE PID: the percent at the file's end
rec_split() { rec_frames "$1" $2 | tail -n 1 | cut -d' ' -f2; }

# wait_pinned: the controller's maps are there (regions pinned by this build)
wait_pinned() {
	i=0
	while [ ! -e /sys/fs/bpf/numaweave/regions ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
}

# step PCT NAME: numa_maps reaches PCT % on node 0; then the recording must agree
step() {
	if wait_split $PID $1 1 120; then pass "$2: numa_maps at $1 % on node 0"; else fail "$2: numa_maps never at $1 %"; fi
	sleep 2	# a frame or more after the moves ended (500 ms frames)
	n=$(split_pct $PID)
	r=$(rec_split /tmp/p.rec $PID)
	log "$2: numa_maps node 0 $n %, recording $r %"
	near $n $r 1 && pass "$2: recording's split $r % within 1 point of numa_maps' $n %" ||
		fail "$2: recording's split $r %, numa_maps $n %"
}

log "P: functionality test recorded"
start_alloc 128M --nothp || exit 1
numaweave run --pid $PID --weights 0:1,1:1 --interval 200ms 2>/tmp/nw.log &
NW=$!
wait_pinned
numaweave record --output /tmp/p.rec --interval 500ms 2>/tmp/rec.log &
REC=$!
step 50 "1:1"
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 0 0 0 0 value 3 0 0 0
step 75 "3:1"
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 1 0 0 0 value 0 0 0 0
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 0 0 0 0 value 1 0 0 0
step 100 "1:0"
kill -INT $REC
wait $REC
rc=$?
cat /tmp/rec.log
[ $rc -eq 0 ] && [ "$(tail -n 1 /tmp/p.rec)" = "E stopped" ] &&
	pass "record ends on SIGINT with exit 0 and an end line" ||
	fail "record on SIGINT: exit $rc, last line '$(tail -n 1 /tmp/p.rec)'"
log "recording: $(wc -l </tmp/p.rec) lines, $(wc -c </tmp/p.rec) bytes, $(grep -c '^F' /tmp/p.rec) frames"
numaweave report summary /tmp/p.rec | tee /tmp/sum
grep -q "^weights     1:1 " /tmp/sum && grep -q "^weights     3:1 " /tmp/sum && grep -q "^weights     1:0 " /tmp/sum &&
	pass "report summary names the three tables in force" || fail "report summary: weights missing"
NO_COLOR=1 numaweave report placement /tmp/p.rec >/tmp/pl && [ $(wc -l </tmp/pl) -ge 3 ] &&
	pass "report placement draws in the terminal" || fail "report placement: $(head -3 /tmp/pl)"
if [ -n "${REC_DUMP:-}" ]; then
	echo "=== recording begin"
	cat /tmp/p.rec
	echo "=== recording end"
fi
kill -TERM $NW
wait $NW
kill $PID
wait $PID 2>/dev/null

log "H: hot/idle mix, migrate_hot 1:1 under 10 MiB/s, recorded"
start_alloc 216M --nothp --hot 40M || exit 1
HOT=$(sed -n 's/^hot [0-9]* at 0x//p' "$OUT")
IDLE=$(sed -n 's/^ready [0-9]* at 0x//p' "$OUT")
taskset -c 0 sh -c 'while :; do :; done' &
CO=$!
numaweave run --pid $PID --weights 0:1,1:1 --quota 10M --interval 200ms 2>/tmp/nwh.log &
NW=$!
wait_pinned
numaweave record --output /tmp/h.rec --interval 500ms --duration 8s 2>/tmp/rech.log
rc=$?
log "H: recording $(wc -c </tmp/h.rec) bytes, $(grep -c '^F' /tmp/h.rec) frames, $(grep -c '^R' /tmp/h.rec) region lines ($(grep -m1 '^F' /tmp/h.rec | cut -d' ' -f4) regions a frame)"
[ $rc -eq 0 ] && [ "$(tail -n 1 /tmp/h.rec)" = "E duration" ] &&
	pass "record --duration 8s ends by itself" || fail "record --duration: exit $rc, $(tail -n 1 /tmp/h.rec)"
# the last state of each region of this pid: its class, by mapping
head -n $(wc -l </tmp/h.rec) /tmp/h.rec | awk -v pid=$PID -v hot=$HOT -v idle=$IDLE '
	function h2n(s,   i, c, v) { v = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)); v = v * 16 + c - 1 }
		return v }
	$1 == "R" && $2 == pid { cls[$3] = $4 }
	$1 == "X" && $2 == pid { delete cls[$3] }
	END { hs = h2n(hot); is = h2n(idle)
	      for (k in cls) { a = h2n(k)
	          if (a >= hs && a < hs + 40 * 1048576) { nh++; if (cls[k] == 0) hh++ }
	          else if (a >= is && a < is + 216 * 1048576) { ni++; if (cls[k] == 2) ii++ } }
	      printf "%d %d %d %d\n", nh, hh, ni, ii }' >/tmp/cls
read nh hh ni ii </tmp/cls
log "H: read mapping: $hh of $nh regions recorded hot; idle mapping: $ii of $ni recorded idle"
awk -v a=$hh -v b=$nh 'BEGIN { exit !(b > 0 && a >= 0.9 * b) }' &&
	pass "H: the read mapping recorded hot ($hh of $nh regions)" || fail "H: read mapping hot in $hh of $nh regions"
awk -v a=$ii -v b=$ni 'BEGIN { exit !(b > 0 && a >= 0.9 * b) }' &&
	pass "H: the idle mapping recorded idle ($ii of $ni regions)" || fail "H: idle mapping idle in $ii of $ni regions"
NO_COLOR=1 numaweave report heatmap /tmp/h.rec --pid $PID | head -12

log "K: a recorder killed mid-write leaves a file that reads"
numaweave record --output /tmp/k.rec --interval 100ms 2>/dev/null &
REC=$!
sleep 2
kill -KILL $REC
wait $REC 2>/dev/null
numaweave report summary /tmp/k.rec >/tmp/ksum 2>&1 && grep -q "no end line" /tmp/ksum &&
	pass "K: a SIGKILLed recording reads ($(grep -c '^F' /tmp/k.rec) frames)" || fail "K: $(cat /tmp/ksum)"
kill $CO
kill -TERM $NW
wait $NW
kill $PID
wait $PID 2>/dev/null

log "L: a pass that moves for longer than a frame: frames while it moves"
start_alloc 256M --nothp || exit 1
numaweave run --pid $PID --weights 0:1 --interval 100ms --move-threads 1 2>/tmp/nwl.log &
NW=$!
wait_pinned
numaweave record --output /tmp/l.rec --interval 100ms 2>/tmp/recl.log &
REC=$!
sleep 1
# status while it moves, every 0.1 s: passes and pages moved
(while :; do
	s=$(numaweave status --json 2>/dev/null)
	echo "$(json_field "$s" passes) $(moved_pages "$s")"
	sleep 0.1
done) >/tmp/lstat &
ST=$!
# 1:3, as one edit of node 1 (interleaving: move_pages(2) in 32 MiB calls, ~2 s here)
bpftool map update pinned /sys/fs/bpf/numaweave/weights key 1 0 0 0 value 3 0 0 0
wait_split $PID 25 1 60
sleep 0.5
kill $ST; wait $ST 2>/dev/null
kill -INT $REC; wait $REC
rec_frames /tmp/l.rec $PID >/tmp/lframes
# frames of one pass that show different, partial splits: published mid-pass
mid=$(awk '$2 > 30 && $2 < 95 { if ($1 in seen && seen[$1] != $2) n[$1]++; seen[$1] = $2 }
	END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print m }' /tmp/lframes)
log "L: $(wc -l </tmp/lframes) frames; most partial splits within one pass: $mid"
[ "$mid" -ge 2 ] && pass "L: frames while one pass moved ($mid partial splits in a pass)" ||
	{ cat /tmp/lframes | tr '\n' ' '; fail "L: no frame while the pass moved (record waited for its end)"; }
# pages moved rising while passes stands still: status shows the pass's progress
smid=$(awk 'NF == 2 { if ($1 == p && $2 != m) n++; p = $1; m = $2 } END { print n + 0 }' /tmp/lstat)
[ "$smid" -ge 2 ] && pass "L: status showed pages moved rising $smid times within a pass" ||
	{ tr '\n' ' ' </tmp/lstat; fail "L: status's pages moved waited for the pass's end"; }
kill -TERM $NW; wait $NW
kill $PID; wait $PID 2>/dev/null

finish
