# SPDX-License-Identifier: GPL-2.0
# The cover letter's experiment on the emulated DRAM+CXL machine, in one boot
# of the 7.x guest under `vm-run --tier dram-cxl` (docs/tier.md). Run by
# tests/tier/run (make tier), which gathers several boots. Prints CSV rows
#   calib,LINES_PER_S,CAP0,CAP1             the plugin's calibration (bytes/s)
#   static,W0:W1,MBPS                       the kernel's placement at allocation
#   live,TOOL,BEFORE,AFTER,DURING,PLACE_S,MOVED   1:0 -> 3:1 while the job runs
#   auto,MBPS,SETTLE_S,MOVED,WEIGHTS        auto:file from 1:0, after 10
#                                           intervals (AUTO_INTERVAL_S, 4)
#   light,MBPS_1:0,MBPS_AUTO,WEIGHTS        a job well under node 0's capacity
# and per-100-ms throughput rows "trace,ARM,MS,MBPS" for the plot.
# ARMS (environment, default all) picks some: calib static live damon auto
# light; STATIC the static weightings (default 1:0 0:1 7:1 3:1 2:1 1:1)
. /tests/lib.sh
SIZE=${SIZE:-256M}
MODE=${MODE:-read}
ARMS=${ARMS:-calib static live damon auto light}
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
# tput FROM TO: median MB/s of the job's samples in [FROM, TO) ms
tput() {
	awk -v a=$1 -v b=$2 '$1 == "t" && $2 >= a && $2 < b { v[n++] = $3 }
	END {
		if (!n) { print 0; exit }
		for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
	}' $JOUT
}
# steady SECS: median over the next SECS seconds
steady() { a=$(job_ms); sleep $1; tput $a $(job_ms); }
trace() { awk -v arm=$1 '$1 == "t" { print "trace," arm "," $2 "," $3 }' $JOUT; }
moved() { json_field "$(numaweave status --json 2>/dev/null)" pages_moved; }
# nw_up: wait (60 s at most) until the controller NW has pinned its maps:
# loading takes seconds in the emulated guest
nw_up() {
	i=0
	until numaweave status >/dev/null 2>&1; do
		sleep 0.5
		i=$((i + 1))
		kill -0 $NW 2>/dev/null && [ $i -lt 120 ] && continue
		cat /tmp/nw.log /tmp/auto.log /tmp/light.log 2>/dev/null | tail -n 20
		fail "numaweave did not come up"
		kill $NW 2>/dev/null
		return 1
	done
}
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

# live TOOL: the job starts on node 0, runs 4 s, then TOOL asks for 3:1
live() {
	job || return
	case $1 in
	numaweave)
		numaweave run --pid $JPID --weights 0:1,1:0 --interval 200ms 2>/tmp/nw.log &
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
	after=$(steady 4)
	case $1 in
	numaweave) m=$(moved); kill $NW; wait $NW 2>/dev/null ;;
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

if has auto; then
	job || exit 1
	# pages move slowly here (64 MiB in ~20 s: the emulated copy pays the
	# caps), so the interval is long enough for the law's dwell of two
	# intervals to see them moved; judged after 10 intervals
	numaweave run --pid $JPID --weights auto:file:/run/tier-bw --interval $AUTO_INTERVAL -v 2>/tmp/auto.log &
	NW=$!
	nw_up || exit 1
	t0=$(job_ms)
	sleep $((AUTO_INTERVAL_S * 10 - 4))
	v=$(steady 4)
	settle=$(awk -v t0=$t0 -v v=$v '$1 == "t" && $2 >= t0 && $3 >= 0.95 * v { print ($2 - t0) / 1000; exit }' $JOUT)
	echo "auto,$v,${settle:-na},$(moved),$(weights_now | tr , /)"
	trace auto
	kill $NW; wait $NW 2>/dev/null
	job_end
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
tcmd "mark done"
finish
