# SPDX-License-Identifier: GPL-2.0
# The emulated tier (vm-run --tier dram-cxl, 7.x): the model's reports reach
# the guest at 10 per second in auto:file's format, traffic is counted on the
# node that holds the pages, a job placed 3:1 runs faster than on node 0 alone,
# and numaweave's live 1:0 -> 3:1 makes the running job faster. A short form of
# `make tier` (tests/tier/experiment.sh, with a 64 MiB job).
. /tests/lib.sh
[ -e /dev/ttyS1 ] && [ -e /run/tier_relay.pid ] || { echo "FAIL: not booted with --tier"; exit 1; }

log "the model's reports: auto:file's format, 10 a second"
sleep 1
s0=$(sed -n 's/^# tier \([0-9]*\) .*/\1/p' /run/tier-bw)
sleep 2
s1=$(sed -n 's/^# tier \([0-9]*\) .*/\1/p' /run/tier-bw)
cat /run/tier-bw
n=$((s1 - s0))
[ $n -ge 18 ] && pass "$n reports in 2 s" || fail "$n reports in 2 s (want >= 18)"
if numaweave tune --dry-run --weights auto:file:/run/tier-bw --interval 100ms --count 2 >/tmp/tune.out 2>&1; then
	pass "numaweave tune reads the relayed file"
else
	cat /tmp/tune.out
	fail "numaweave tune cannot read the relayed file"
fi

# traffic NODE: the node's bytes/s in the latest report
traffic() { awk -v n=$1 '$1 == n { print $2 }' /run/tier-bw; }
log "traffic is counted on the node that holds the pages"
for w in 1:0 0:1; do
	tier_job read 64M --cpu 0 --wi $w >/tmp/where.out 2>&1 &
	J=$!
	while ! grep -q '^ready' /tmp/where.out; do sleep 0.2; done
	sleep 1.5	# the reports' rates are over the last second
	t0=$(traffic 0) t1=$(traffic 1)
	kill $J; wait $J 2>/dev/null
	echo "   job bound by $w: node 0 $t0 B/s, node 1 $t1 B/s"
	case $w in
	1:0) awk -v a=$t0 -v b=$t1 'BEGIN { exit !(a > 5 * b) }' ;;
	0:1) awk -v a=$t1 -v b=$t0 'BEGIN { exit !(a > 5 * b) }' ;;
	esac && pass "$w: its node carries the traffic" || fail "$w: traffic on the wrong node"
done

# The statics go 1:0 3:1 0:1 3:1 1:0 and each weighting counts by the mean of
# its two readings: a 4 s reading under TCG has come out 0.67-1.50x of
# another in one boot, and the order cancels a steady drift.
log "the experiment, short: calibration, static 1:0 3:1 0:1 3:1 1:0, numaweave live 1:0 -> 3:1"
SIZE=64M ARMS="calib static live" STATIC="1:0 3:1 0:1 3:1 1:0" sh /tests/experiment.sh \
	>/tmp/exp.out 2>&1
grep -v '^trace,' /tmp/exp.out
grep -q '^FAIL' /tmp/exp.out && fail "the experiment failed"
# mean_static W: the mean of the experiment's static W readings (none: empty)
mean_static() {
	awk -F, -v w=$1 '$1 == "static" && $2 == w { s += $3; n++ } END { if (n) print s / n }' \
		/tmp/exp.out
}
s10=$(mean_static 1:0)
s31=$(mean_static 3:1)
live=$(grep '^live,numaweave,' /tmp/exp.out)
awk -v a=${s31:-0} -v b=${s10:-0} 'BEGIN { exit !(b > 0 && a / b >= 1.15) }' &&
	pass "static 3:1 runs $(awk -v a=$s31 -v b=$s10 'BEGIN { printf "%.2f", a / b }')x 1:0, means of two (model 1.33)" ||
	fail "static 3:1 ($s31 MB/s) not 1.15x 1:0 ($s10 MB/s), means of two"
set -- $(echo "$live" | tr ',' ' ')
awk -v b=${3:-0} -v a=${4:-0} 'BEGIN { exit !(b > 0 && a / b >= 1.15) }' &&
	pass "numaweave's live 1:0 -> 3:1: $3 -> $4 MB/s" ||
	fail "numaweave's live 1:0 -> 3:1 did not speed the job: '$live'"
finish
