# SPDX-License-Identifier: GPL-2.0
# The cover letter's experiment on the emulated DRAM+CXL machine, in one boot
# of the 7.x guest under `vm-run --tier dram-cxl` (docs/tier.md). Run by
# tests/tier/run (make tier), which gathers several boots. Prints CSV rows
#   calib,LINES_PER_S,CAP0,CAP1             the plugin's calibration (bytes/s)
#   static,W0:W1,MBPS                       the kernel's placement at allocation
#   live,TOOL,BEFORE,AFTER,DURING,PLACE_S,MOVED   1:0 -> 3:1 while the job runs
#   auto,LAW,MBPS,SETTLE_S,MOVED,WEIGHTS    auto:file from 1:0, after 10
#                                           intervals (AUTO_INTERVAL_S, 4); LAW
#                                           latency or bandwidth
#   corun,ARM,MBPS,CO_MBPS[,WEIGHTS,WAITED_S]  the same job with node 0
#                                           saturated by a co-runner (CO_MBPS its
#                                           rate in the same window): static 1:0
#                                           3:1 1:1, each law (judged once its
#                                           pages stopped moving: WAITED_S past
#                                           the 10 intervals), static 1:1 and 3:1
#                                           again (ARM static-W-again)
#   light,MBPS_1:0,MBPS_AUTO,WEIGHTS        a job well under node 0's capacity
#   heatreg,ARM,ADDR,CLASS and heatpfn,ARM,REGION,PFN   numaweave's region classes
#                                           (0 hot 1 warm 2 idle 3 unknown) and a
#                                           sample of the job's pages, scored by
#                                           tests/tier/run against the truth
#                                           the model dumped as ARM
# and per-100-ms throughput rows "trace,ARM,MS,MBPS" for the plot.
# ARMS (environment, default all) picks some: calib static live damon auto
# light corun heat; STATIC the static weightings (default 1:0 0:1 7:1 3:1 2:1 1:1);
# HEAT the heat arms (default cold0 cold1 hot0 hot1: migrate_cold or
# migrate_hot under a quota, NUMA balancing off or on; on 7.x also cold0a and
# hot0a: the same with --no-damon, so the accessed bits are the read source
# instead of DAMON); a name ending in t (cold0t, cold0at) runs tier_tick on
# every vCPU for the arm: each vCPU's TLB flushed every 10 ms, a real core's
# reach instead of QEMU's (docs/tier.md)
. /tests/lib.sh
SIZE=${SIZE:-256M}
MODE=${MODE:-read}
# 6.1 has no weighted interleave: there only the heat arms mean anything
[ -d /sys/kernel/mm/mempolicy/weighted_interleave ] || ARMS=${ARMS:-calib heat}
ARMS=${ARMS:-calib static live damon auto light corun heat}
AUTO_INTERVAL_S=${AUTO_INTERVAL_S:-4}
AUTO_INTERVAL=${AUTO_INTERVAL_S}s
echo 0 > /proc/sys/kernel/numa_balancing
[ -e /sys/module/damon_stat/parameters/enabled ] && echo N > /sys/module/damon_stat/parameters/enabled

tcmd() { echo "$*" > /dev/ttyS1; }
has() { case " $ARMS " in *" $1 "*) return 0 ;; esac; return 1; }

# job ARGS: tier_job MODE SIZE ARGS on CPU 0 (node 0: first touch puts its
# pages there); waits for "ready"; sets JPID and JOUT. The capacities are
# lifted while it writes its buffer the first time: set-up is not measured,
# and under the caps it took most of each arm's time.
job() {
	JOUT=/tmp/job.$RANDOM
	tcmd "caps off"
	tier_job $MODE $SIZE --cpu 0 "$@" >$JOUT 2>&1 &
	JPID=$!
	while ! grep -q '^ready' $JOUT 2>/dev/null; do
		sleep 0.2
		kill -0 $JPID 2>/dev/null || { tcmd "caps on"; cat $JOUT; fail "tier_job $* died"; return 1; }
	done
	tcmd "caps on"
	sleep 0.5
}
job_end() { kill $JPID 2>/dev/null; wait $JPID 2>/dev/null; }
# the job's clock: the last sample's ms
job_ms() { awk '$1 == "t" { m = $2 } END { print m + 0 }' $JOUT; }
# med_t: the median MB/s of the "t MS MBPS" samples on stdin (0: none)
med_t() {
	awk '$1 == "t" { v[n++] = $3 }
	END {
		if (!n) { print 0; exit }
		for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
	}'
}
# tput FROM TO: median MB/s of the job's samples in [FROM, TO) ms
tput() { awk -v a=$1 -v b=$2 '$1 == "t" && $2 >= a && $2 < b' $JOUT | med_t; }
# steady SECS: median over the next SECS seconds
steady() { a=$(job_ms); sleep $1; tput $a $(job_ms); }
trace() { awk -v arm=$1 '$1 == "t" { print "trace," arm "," $2 "," $3 }' $JOUT; }
# placed: 1 when the job's share of pages on node 1 (status) is within 2 %
# of the weights' in force
placed() {
	numaweave status 2>/dev/null | awk -v pid=$JPID -v w="$(weights_now)" '
	BEGIN { n = split(w, a, ","); for (i = 1; i <= n; i++) { split(a[i], b, ":"); ww[b[1]] = b[2]; t += b[2] } }
	$1 == "target" && $2 == pid { for (i = 3; i <= NF; i++) if ($i ~ /^n[0-9]+=/) { split(substr($i, 2), c, "="); p[c[1]] = c[2]; s += c[2] } }
	END { if (!s || !t) { print 0; exit } d = p[1] / s - ww[1] / t; print (d < 0.02 && d > -0.02) ? 1 : 0 }'
}
# nw_up: wait (60 s at most) until the controller NW has pinned its maps:
# loading takes seconds in the emulated guest
nw_up() {
	i=0
	until numaweave status >/dev/null 2>&1; do
		sleep 0.5
		i=$((i + 1))
		kill -0 $NW 2>/dev/null && [ $i -lt 120 ] && continue
		cat /tmp/nw.log /tmp/auto-*.log /tmp/light.log 2>/dev/null | tail -n 20
		fail "numaweave did not come up"
		kill $NW 2>/dev/null
		return 1
	done
}
# nw_started: nw_up, then until the first pass is done (a heat source's BPF
# object loads after the maps are pinned: 1-20 s under TCG, which the heat
# arms' 10 s wait must not include)
nw_started() {
	nw_up || return 1
	wait_first_pass $NW 120 && return 0
	tail -n 20 /tmp/nw.log
	fail "numaweave made no pass in 120 s"
	kill $NW 2>/dev/null
	return 1
}
lines_of() { if [ -e $1 ]; then wc -l <$1; else echo 0; fi; }
weights_now() { numaweave weights 2>/dev/null | head -n 1 | tr -d ' '; }

if has calib; then
	# the plugin measures the lines/s this job makes uncapped and sets the
	# capacities from it
	job || exit 1
	tcmd "calib begin"
	sleep 3
	tcmd "calib end"
	sleep 0.5
	job_end
	c=$(grep '^calib ' /tmp/tier_relay.out | tail -n 1)
	[ -n "$c" ] || { fail "no calibration answer"; finish; exit 1; }
	set -- $c
	echo "calib,$2,$3,$4"
fi

if has static; then
	for w in ${STATIC:-1:0 0:1 7:1 3:1 2:1 1:1}; do
		case $w in 1:0) job ;; *) job --wi $w ;; esac || continue
		v=$(steady 4)
		echo "static,$w,$v"
		[ $w = 1:0 ] && P0=$v
		job_end
		# what a saturating job draws from each node: the capacity the guest
		# reports, as a measured peak
		[ $w = 1:0 ] && tcmd "peak 0 $(awk -v v=$v 'BEGIN { printf "%.0f", v * 1e6 }')"
		[ $w = 0:1 ] && tcmd "peak 1 $(awk -v v=$v 'BEGIN { printf "%.0f", v * 1e6 }')"
	done
fi

# live TOOL: the job starts on node 0, runs 4 s, then TOOL asks for 3:1;
# numaweave at the daemon's 1 s interval (its passes read page tables, whose
# lines pay node 0's budget like the job's)
live() {
	job || return
	case $1 in
	numaweave)
		numaweave run --pid $JPID --weights 0:1,1:0 --interval 1s 2>/tmp/nw.log &
		NW=$!
		nw_up || { job_end; return; } ;;
	esac
	before=$(steady 4)
	t0=$(job_ms)
	tcmd "mark $1 3:1"
	case $1 in
	numaweave) numaweave weights 0:3,1:1 >/dev/null ;;
	damon) damon_start $JPID 5000 100000 1000000 3 1 || { fail "damon did not start"; job_end; return; } ;;
	esac
	wait_split $JPID 75 1 120 >/dev/null || fail "$1: 3:1 not reached in 120 s ($(split_pct $JPID)% on node 0)"
	t1=$(job_ms)
	during=$(tput $t0 $t1)
	sleep 2	# the last pages
	after=$(steady 4)
	case $1 in
	numaweave) m=$(moved_pages); kill $NW; wait $NW 2>/dev/null ;;
	damon)
		echo update_schemes_stats > $K/state
		m=$(($(cat $S/stats/sz_applied 2>/dev/null || echo 0) / 4096))
		damon_stop ;;
	esac
	echo "live,$1,$before,$after,$during,$(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.1f", (b - a) / 1000 }'),$m"
	trace live-$1
	job_end
}
has live && live numaweave
has damon && { [ -d /sys/kernel/mm/damon/admin/kdamonds ] && live damon || echo "# no DAMON sysfs"; }

# auto_arm LAW: the job from 1:0 under --weights auto:file: the relayed file
# with latencies (the latency law decides) or without (the bandwidth law); its
# throughput after 10 intervals. Sets AUTO_V, AUTO_W.
auto_arm() {
	f=/run/tier-bw
	[ $1 = bandwidth ] && f=/run/tier-bw.nolat
	job || return 1
	# pages move slowly here (64 MiB in ~20 s: the emulated copy pays the
	# caps), so the interval is long enough for the law's dwell of two
	# intervals to see them moved; judged after 10 intervals
	numaweave run --pid $JPID --weights auto:file:$f --interval $AUTO_INTERVAL -v 2>/tmp/auto-$1.log &
	NW=$!
	nw_up || { job_end; return 1; }
	t0=$(job_ms)
	sleep $((AUTO_INTERVAL_S * 10 - 4))
	# AUTO_SETTLE (s): then wait, at most that long, for the pages to be
	# where the weights in force put them (the job's share on node 1 within
	# 2 % of theirs, as status counts it) with no page moved over an
	# interval, so a law is judged at its steady state, not mid-move.
	# (Counters alone did not do: one move_pages(2) call of 8,192 pages
	# outlasts an interval, and a partial pass finds nothing misplaced in
	# what it does not look at.) AUTO_WAITED says how long it took
	AUTO_WAITED=0
	while [ $AUTO_WAITED -lt ${AUTO_SETTLE:-0} ]; do
		m1=$(moved_pages)
		sleep $AUTO_INTERVAL_S
		AUTO_WAITED=$((AUTO_WAITED + AUTO_INTERVAL_S))
		[ "$(moved_pages)" = "$m1" ] && [ "$(placed)" = 1 ] && break
	done
	AUTO_N0=$(lines_of /tmp/corun.out)
	AUTO_V=$(steady 4)
	AUTO_N1=$(lines_of /tmp/corun.out)
	settle=$(awk -v t0=$t0 -v v=$AUTO_V '$1 == "t" && $2 >= t0 && $3 >= 0.95 * v { print ($2 - t0) / 1000; exit }' $JOUT)
	AUTO_M=$(moved_pages) AUTO_W=$(weights_now | tr , /) AUTO_S=${settle:-na}
	grep -m1 'start-up' /tmp/auto-$1.log | sed "s/^/# $1: /"
	grep 'controller:' /tmp/auto-$1.log | tail -n 4 | sed "s/^/# $1: /"
	kill $NW; wait $NW 2>/dev/null
}
if has auto; then
	for law in latency bandwidth; do
		auto_arm $law || continue
		echo "auto,$law,$AUTO_V,$AUTO_S,$AUTO_M,$AUTO_W"
		trace auto-$law
		job_end
	done
fi

# the co-runner: a second reader on CPU 1, its buffer bound to node 0,
# saturates node 0 for the whole arm; the job under static 1:0, 3:1, 1:1 and
# under each law, then 1:1 and 3:1 again (mirrored: a drift over the arm
# shows as a difference between a static's two readings). Each row carries
# the co-runner's own median MB/s over the same window: what the job gains
# may come out of it.
# corun_rate N0 N1: the co-runner's median over its output lines N0+1..N1
corun_rate() { sed -n "$(($1 + 1)),${2}p" /tmp/corun.out | med_t; }
# corun_static W: the job placed W at allocation; sets CV (job) and CC (co-runner)
corun_static() {
	case $1 in 1:0) job ;; *) job --wi $1 ;; esac || return 1
	n0=$(lines_of /tmp/corun.out)
	CV=$(steady 4)
	CC=$(corun_rate $n0 $(lines_of /tmp/corun.out))
	job_end
}
if has corun; then
	tcmd "caps off"
	tier_job read 128M --cpu 1 --wi 1:0 >/tmp/corun.out 2>&1 &
	CO=$!
	while ! grep -q '^ready' /tmp/corun.out; do sleep 0.2; done
	for w in 1:0 3:1 1:1; do
		corun_static $w && echo "corun,static-$w,$CV,$CC"
	done
	# judged once its pages have stopped moving (at most 120 s more): from 1:0
	# half the pages move with node 0 saturated, which takes longer than the
	# 10 intervals the other arms are judged after. AUTO_V's window is the
	# last 4 s of auto_arm, before the controller is stopped
	for law in latency bandwidth; do
		AUTO_SETTLE=${CORUN_SETTLE:-120} auto_arm $law || continue
		CC=$(corun_rate $AUTO_N0 $AUTO_N1)
		echo "corun,$law,$AUTO_V,$CC,$AUTO_W,$AUTO_WAITED"
		job_end
	done
	for w in 1:1 3:1; do
		corun_static $w && echo "corun,static-$w-again,$CV,$CC"
	done
	kill $CO; wait $CO 2>/dev/null
fi

if has light; then
	# a third of what node 0 serves
	rate=$(awk -v p=${P0:-30} 'BEGIN { printf "%.1f", p / 3 }')
	job --rate $rate || exit 1
	alone=$(steady 4)
	numaweave run --pid $JPID --weights auto:file:/run/tier-bw --interval $AUTO_INTERVAL 2>/tmp/light.log &
	NW=$!
	nw_up || exit 1
	sleep $((AUTO_INTERVAL_S * 3))
	v=$(steady 4)
	echo "light,$alone,$v,$(weights_now | tr , /)"
	kill $NW; wait $NW 2>/dev/null
	job_end
fi
# heat_arm NAME: the hot/idle mix (one 16 MiB chunk in 4 read, 256 MiB: 64 MiB hot;
# HEAT_CHUNK, HEAT_EVERY) under numaweave (NAME: cold or hot, then NUMA
# balancing 0 or 1); after HEAT_WAIT_S (10) seconds the model's truth over a
# 6 s window (dump NAME) while numaweave records, its regions' classes at the
# end, and every 8th page's frame
heat_arm() {
	name=$1 nb=${1#cold} act=cold src= TICK=
	case $1 in hot*) nb=${1#hot} act=hot ;; esac
	case $nb in *t) nb=${nb%t}; tier_tick 10000 >/dev/null 2>&1 & TICK=$! ;; esac
	case $nb in *a) nb=${nb%a} src=--no-damon ;; esac
	m=$MODE
	MODE=hotidle
	job --pfn-stride 8 --hot-chunk ${HEAT_CHUNK:-16M} --hot-every ${HEAT_EVERY:-4} || { MODE=$m; return; }
	MODE=$m
	echo $nb > /proc/sys/kernel/numa_balancing
	case $act in
	cold) numaweave run --pid $JPID --config /yaml/cold_idle3s.yaml $src -v 2>/tmp/nw.log & ;;
	hot) numaweave run --pid $JPID --weights 0:1,1:1 --quota 10M --interval 200ms $src -v 2>/tmp/nw.log & ;;
	esac
	NW=$!
	nw_started || { job_end; return; }
	sleep ${HEAT_WAIT_S:-10}
	tcmd "dump pre-$name"
	rm -f /tmp/heat.rec
	kd=$(cat /sys/kernel/mm/damon/admin/kdamonds/0/pid 2>/dev/null)
	c0=$(cpu_of ${kd:-0})
	numaweave record --duration 6s --interval 1s --output /tmp/heat.rec >/tmp/rec.err 2>&1 ||
		fail "heat $name: numaweave record failed"
	tcmd "dump $name"
	[ -z "$kd" ] || [ "$kd" = -1 ] ||
		echo "# heat $name: kdamond $kd CPU $(awk -v a=$(cpu_of $kd) -v b=$c0 'BEGIN { printf "%.2f", a - b }') s in the 6 s window"
	n=$(grep -c '^pfn end' $JOUT)
	kill -USR1 $JPID
	i=0
	while [ "$(grep -c '^pfn end' $JOUT)" -le "$n" ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
	grep -q '^R ' /tmp/heat.rec || { echo "# heat $name: no region in the recording"; head -n 5 /tmp/heat.rec /tmp/rec.err; }
	awk -v pid=$JPID -v arm=$name '$1 == "R" && $2 == pid { c[$3] = $4 } $1 == "X" && $2 == pid { delete c[$3] }
		END { for (a in c) print "heatreg," arm "," a "," c[a] }' /tmp/heat.rec
	awk -v arm=$name '$1 == "pfn" && $2 != "end" { print "heatpfn," arm "," $5 "," $3 }' $JOUT
	numaweave status >/tmp/st.out
	grep -E '^heat|DAMON samples' /tmp/st.out
	grep -m1 'start-up' /tmp/nw.log | sed "s/^/# heat $name: /"
	grep -m1 'DAMON samples' /tmp/nw.log | sed "s/^/# heat $name: /"
	# an arm that classed nothing: what the controller said of DAMON
	! grep -q ' 0 hot, 0 warm, 0 idle' /tmp/st.out ||
		grep -iE 'damon|kdamond|accessed bits|error|refus|read-access' /tmp/nw.log | tail -n 20 | sed "s/^/# heat $name: /"
	kill $NW; wait $NW 2>/dev/null
	job_end
	echo 0 > /proc/sys/kernel/numa_balancing
}
if has heat; then
	h=
	[ -d /sys/kernel/mm/damon/admin ] && h="cold0a hot0a"
	for h in ${HEAT:-cold0 cold1 hot0 hot1 $h}; do
		heat_arm $h
		[ -z "$TICK" ] || { kill $TICK; wait $TICK 2>/dev/null; }
	done
fi

tcmd "mark done"
finish
