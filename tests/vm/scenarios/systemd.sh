# numaweave.service under a real systemd (issue 14). vm-run --init systemd
# boots this machine's systemd as PID 1 with numaweave put down by `make
# install PREFIX=/usr`; this script runs as nw-test.service. The installed,
# hardened unit must verify, score <= 3.0 in `systemd-analyze security`, come
# up as Type=notify, place a pid-file policy's job, follow `systemctl reload`
# and a bpftool edit, log to the journal with priorities, hold the hardening
# it claims (bounding set, no_new_privs, seccomp, read-only /usr), survive its
# target's exit, and stop cleanly.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
log "kernel $(uname -r), PID 1 $(cat /proc/1/comm), $(systemctl --version | head -n 1)"
unit=/usr/lib/systemd/system/numaweave.service
[ "$(cat /proc/1/comm)" = systemd ] && pass "PID 1 is systemd" || { fail "PID 1 is $(cat /proc/1/comm)"; finish; exit 1; }
grep -q '^ExecStart=/usr/sbin/numaweave daemon' $unit && pass "the installed unit runs /usr/sbin/numaweave (PREFIX=/usr)" ||
	fail "ExecStart: $(grep ^ExecStart $unit)"

if systemd-analyze verify --man=no numaweave.service numaweave-metrics.service numaweave-metrics.timer >/tmp/verify 2>&1; then
	pass "systemd-analyze verify numaweave.service numaweave-metrics.{service,timer}"
else
	cat /tmp/verify
	fail "systemd-analyze verify"
fi
systemd-analyze security --no-pager numaweave.service >/tmp/security 2>&1
score=$(sed -n 's/.*Overall exposure level for numaweave.service: \([0-9.]*\).*/\1/p' /tmp/security)
cat /tmp/security
[ -n "$score" ] && awk -v s=$score 'BEGIN { exit !(s <= 3.0) }' && pass "exposure $score <= 3.0" ||
	{ cat /tmp/security; fail "exposure '$score'"; }

# a pid-file policy: pid files under /run (the unit's PrivateTmp hides /tmp)
policy() {	# W0 W1
	policy_yaml pid_file /run/nwjob.pid $1 $2 >/etc/numaweave/job.yaml
	chmod 644 /etc/numaweave/job.yaml
}
policy 1 3
mkdir -p /etc/default
# two movers (threads) under the unit's seccomp filter and RestrictNamespaces;
# -vv for the movers' debug line
echo 'NUMAWEAVE_OPTS=--interval 200ms -vv --move-threads 2' >/etc/default/numaweave
# DAMON_STAT holds DAMON from boot on 7.x
[ -w /sys/module/damon_stat/parameters/enabled ] && echo N >/sys/module/damon_stat/parameters/enabled
start_alloc 64M --nothp || exit 1
JOB=$PID
echo $JOB >/run/nwjob.pid

ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
t0=$(ms)
# Type=notify: start returns when the daemon has said READY=1
if systemctl start numaweave.service; then
	pass "systemctl start returned after $(( $(ms) - t0 )) ms (Type=notify)"
else
	fail "systemctl start"
	systemctl status --no-pager numaweave.service
	journalctl --no-pager -u numaweave.service | tail -n 20
	finish
	exit 1
fi
[ "$(systemctl show -p SubState --value numaweave.service)" = running ] && pass "numaweave.service running" ||
	fail "state $(systemctl show -p ActiveState,SubState numaweave.service)"
MAIN=$(systemctl show -p MainPID --value numaweave.service)
st_text=$(systemctl show -p StatusText --value numaweave.service)
[ "$st_text" = "1 policy, 1 target" ] && pass "systemctl status says '$st_text'" || fail "status text '$st_text'"

wait_split $JOB 25 1 120 && pass "pid-file job placed 1:3 by the service: 25/75" || fail "job 1:3"
verify_alloc

# the hardening, as the kernel sees the running daemon
st=/proc/$MAIN/status
log "daemon $MAIN: $(grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' $st | tr '\n\t' '  ')"
[ "$(awk '/^NoNewPrivs:/ { print $2 }' $st)" = 1 ] && pass "no_new_privs set" || fail "NoNewPrivs"
[ "$(awk '/^Seccomp:/ { print $2 }' $st)" = 2 ] && pass "seccomp filter on" || fail "Seccomp"
# CAP_SYS_BOOT (22) and CAP_NET_ADMIN (12) must be outside the bounding set
bnd=$(awk '/^CapBnd:/ { print $2 }' $st)
[ $(( 0x$bnd >> 22 & 1 )) -eq 0 ] && [ $(( 0x$bnd >> 12 & 1 )) -eq 0 ] && pass "bounding set $bnd without CAP_SYS_BOOT, CAP_NET_ADMIN" ||
	fail "bounding set $bnd"
# ProtectSystem=strict: the root mount is read-only in the daemon's namespace
ro=$(awk '$5 == "/" { print $6 }' /proc/$MAIN/mountinfo | tail -n 1)
case ,$ro, in *,ro,*) pass "/ is read-only for the daemon (ProtectSystem=strict)" ;; *) fail "root mount options '$ro'" ;; esac

log "job.yaml edited to 3:1, systemctl reload"
policy 3 1
systemctl reload numaweave.service && pass "systemctl reload" || fail "reload"
wait_split $JOB 75 1 120 && pass "reload: 75/25" || fail "reload 3:1"
[ "$(systemctl show -p MainPID --value numaweave.service)" = "$MAIN" ] && pass "reload kept the same daemon ($MAIN)" || fail "daemon restarted"
log "bpftool: policies/job/weights node 1 -> 3"
bpftool map update pinned /sys/fs/bpf/numaweave/policies/job/weights key 1 0 0 0 value 3 0 0 0
wait_split $JOB 50 1 120 && pass "bpftool edit under the service: 50/50" || fail "bpftool 3:3"
verify_alloc

numaweave status | head -n 8 >/tmp/status
cat /tmp/status
grep -q "$MAIN" /tmp/status && pass "status names the service's daemon ($MAIN)" || fail "status"
if numaweave run --pid $JOB --weights 1:1 --once >/tmp/stray 2>&1; then
	fail "a stray run on the service's target was let through"
else
	grep -q "$MAIN" /tmp/stray && pass "stray run refused, naming $MAIN: $(head -n 1 /tmp/stray)" ||
		fail "stray run: $(cat /tmp/stray)"
fi

# the metrics unit, as its timer starts it: skipped where node_exporter's
# directory is missing, then writing into it
prom=/var/lib/prometheus/node-exporter/numaweave.prom
systemctl start numaweave-metrics.service
r="$(systemctl show -p ConditionResult --value numaweave-metrics.service) $(systemctl show -p Result --value numaweave-metrics.service)"
[ "$r" = "no success" ] && pass "numaweave-metrics.service skipped, not failed, without node_exporter's directory" ||
	fail "numaweave-metrics.service without the directory: $r"
mkdir -p ${prom%/*}
if systemctl start numaweave-metrics.service && grep -q '^numaweave_up 1' $prom; then
	pass "numaweave-metrics.service wrote $prom ($(grep -c '^numaweave_' $prom) samples, numaweave_up 1)"
else
	fail "numaweave-metrics.service: $(systemctl show -p Result,ExecMainStatus numaweave-metrics.service)"
	journalctl --no-pager -u numaweave-metrics.service | tail -n 5
fi

log "a broken job.yaml, systemctl reload"
cp /etc/numaweave/job.yaml /tmp/job.good
echo 'kdamonds: [ {' >/etc/numaweave/job.yaml
systemctl reload numaweave.service
sleep 1
[ "$(systemctl show -p SubState --value numaweave.service)" = running ] && pass "a bad policy file does not stop the service" ||
	fail "service $(systemctl show -p ActiveState,SubState numaweave.service)"
numaweave status | grep -q '0:3,1:3 in force' && pass "the weights loaded before stay in force" || fail "weights after a bad reload"
cp /tmp/job.good /etc/numaweave/job.yaml

# the journal: each line at its own priority (log.c's "<N>" prefixes, which
# journald takes off), none left in the text
jp() { journalctl --no-pager -u numaweave.service -o cat "$@"; }
jp >/tmp/jall
log "journal: $(wc -l </tmp/jall) lines, $(jp -p info | wc -l) at info or above, $(jp -p warning | wc -l) at warning or above, $(jp -p err | wc -l) at err or above"
[ -s /tmp/jall ] && pass "the daemon logs to the journal" || fail "no journal lines"
grep -q '^<[0-7]>' /tmp/jall && fail "journal text keeps '<N>' prefixes" || pass "no '<N>' prefix left in the text"
jp -p err | grep -q 'policy job: bad' && ! jp -p err | grep -q 'keeping the version' && pass "the parse error at err" ||
	fail "err: $(jp -p err)"
jp -p warning | grep -q 'keeping the version loaded before' && ! jp -p warning | grep -q '^pass [0-9]' &&
	pass "'keeping the version loaded before' at warning" || fail "warning: $(jp -p warning)"
jp -p info | grep -q '^pass [0-9]' && pass "-v's pass lines at info" || fail "no pass line at info"
jp -p debug | grep -q 'with 2 movers' && ! jp -p info | grep -q 'with 2 movers' &&
	pass "moves made by 2 movers under the unit's filters (the line at debug)" ||
	fail "no pass with 2 movers: $(grep -c movers /tmp/jall) lines name movers"

log "the job exits"
kill $JOB
wait $JOB 2>/dev/null
sleep 2
[ "$(systemctl show -p SubState --value numaweave.service)" = running ] && pass "service still running after its target exited" ||
	fail "service $(systemctl show -p ActiveState,SubState numaweave.service)"
st_text=$(systemctl show -p StatusText --value numaweave.service)
[ "$st_text" = "1 policy, 0 targets" ] && pass "... and says '$st_text'" || fail "status text '$st_text'"

systemctl stop numaweave.service
[ "$(systemctl show -p ExecMainStatus --value numaweave.service)" = 0 ] && pass "stopped, exit 0" ||
	fail "exit status $(systemctl show -p ExecMainStatus,Result numaweave.service)"
[ -e /sys/fs/bpf/numaweave/stats ] && fail "stats still pinned after stop" || pass "pins removed on stop"
journalctl --no-pager -u numaweave.service -o short-monotonic | grep -v ': pass [0-9]' | tail -n 15
finish
