# numaweave daemon (issue 14): two policies on two cgroups with different
# weights, processes joining the cgroups after the daemon started, a pid-file
# job restarted under a new pid, a policy edited by reload and by bpftool;
# placement within 1 % of each policy's weights, contents checked. Then the
# time to place a new 256 MiB target under the running daemon against
# migratepages(8) in the same boot (numbers, not a pass/fail).
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
log "kernel $(uname -r), nodes with memory $(cat /sys/devices/system/node/has_memory)"
mkdir -p /sys/fs/cgroup
grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup
for c in db web bench; do mkdir -p /sys/fs/cgroup/$c; done
conf=/tmp/nwconf
mkdir -p $conf
chmod 755 $conf
policy() {	# NAME TARGET-KEY VALUE W0 W1
	policy_yaml $2 $3 $4 $5 >$conf/$1.yaml
	chmod 644 $conf/$1.yaml
}
policy db cgroup /sys/fs/cgroup/db 1 1
policy web cgroup /sys/fs/cgroup/web 3 1
policy job pid_file /tmp/job.pid 1 3
policy bench cgroup /sys/fs/cgroup/bench 0 1
# a process put in cgroup $CG before it execs (PIN is start_alloc's prefix)
cat >/tmp/incg <<'EOF'
#!/bin/sh
echo $$ > /sys/fs/cgroup/$CG/cgroup.procs
exec "$@"
EOF
chmod +x /tmp/incg

ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }	# 10 ms grain
t0=$(ms)
numaweave daemon --config-dir $conf --interval 200ms -v 2>/tmp/nwd.log &
NWD=$!
i=0
while [ ! -e /sys/fs/bpf/numaweave/stats ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
log "daemon up in $(( ($(ms) - t0)  )) ms; $(grep 'start-up' /tmp/nwd.log)"
bpftool map dump pinned /sys/fs/bpf/numaweave/policies/web/weights | head -4 | tr -d '\n '; echo

CG=db PIN=/tmp/incg start_alloc 128M --nothp || exit 1
DB=$PID DBOUT=$OUT
CG=web PIN=/tmp/incg start_alloc 128M --nothp || exit 1
WEB=$PID WEBOUT=$OUT
PIN=
start_alloc 64M --nothp || exit 1
JOB=$PID JOBOUT=$OUT
echo $JOB > /tmp/job.pid
wait_split $DB 50 1 120 && pass "cgroup db (1:1), joined after start: 50/50" || fail "db 1:1"
wait_split $WEB 75 1 120 && pass "cgroup web (3:1), joined after start: 75/25" || fail "web 3:1"
wait_split $JOB 25 1 120 && pass "pid-file job (1:3): 25/75" || fail "job 1:3"
PID=$DB OUT=$DBOUT verify_alloc
PID=$WEB OUT=$WEBOUT verify_alloc

log "job restarted under a new pid"
kill $JOB
start_alloc 64M --nothp || exit 1
JOB2=$PID
echo $JOB2 > /tmp/job.pid
wait_split $JOB2 25 1 120 && pass "restarted pid-file job followed: 25/75" || fail "restarted job"
verify_alloc

log "web.yaml edited to 1:1, SIGHUP"
policy web cgroup /sys/fs/cgroup/web 1 1
kill -HUP $NWD
wait_split $WEB 50 1 120 && pass "reload: web 50/50" || fail "reload web"
log "bpftool: policies/db/weights node 1 -> 3"
bpftool map update pinned /sys/fs/bpf/numaweave/policies/db/weights key 1 0 0 0 value 3 0 0 0
wait_split $DB 25 1 120 && pass "bpftool edit: db 25/75" || fail "bpftool db"
near "$(split_pct $WEB)" 50 1 && pass "... web untouched by db's edit ($(split_pct $WEB)%)" || fail "web moved by db's edit"
PID=$DB OUT=$DBOUT verify_alloc
PID=$WEB OUT=$WEBOUT verify_alloc
numaweave status | head -12

kill $DB $WEB $JOB2 2>/dev/null	# room on node 1 for what follows
sleep 1
log "time to place a new 256 MiB target under the running daemon vs migratepages"
# wait_node1 PID: until at most 0.1 % of its pages are on node 0 (polled every 0.1 s, 120 s at most)
wait_node1() {
	i=0
	while ! near "$(split_pct $1)" 0 0.1; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 1200 ] || { fail "pid $1 not on node 1 after 120 s: node0 $(split_pct $1)%"; grep -v '^numaweave: pass' /tmp/nwd.log | tail -n 8; return 1; }
	done
}
# on_node0 PID: all of it on node 0 first (after the kills above the kernel
# sometimes puts a new process's pages on node 1; both arms start alike)
on_node0() {
	command -v migratepages >/dev/null && migratepages $1 1 0
	log "pid $1 before: node0 $(split_pct $1)%"
}
start_alloc 256M --nothp || exit 1
B1=$PID
on_node0 $B1
t0=$(ms)
c0=$(numaweave status --json | grep -o '"cpu_s": {[^}]*}')
echo $B1 > /sys/fs/cgroup/bench/cgroup.procs
wait_node1 $B1
d_ms=$(( $(ms) - t0 ))
log "bench: the daemon's CPU before $c0, after $(numaweave status --json | grep -o '"cpu_s": {[^}]*}')"
verify_alloc
kill $B1
if command -v migratepages >/dev/null; then
	start_alloc 256M --nothp || exit 1
	on_node0 $PID
	t0=$(ms)
	# the same sampler as the daemon's arm, running while it moves: reading
	# numa_maps of 256 MiB every 0.1 s costs the guest's CPU, and it must cost
	# both arms alike (it ran only after migratepages returned before)
	migratepages $PID 0 1 &
	MP=$!
	wait_node1 $PID
	wait $MP
	m_ms=$(( $(ms) - t0 ))
	verify_alloc
	kill $PID
	log "bench: daemon ${d_ms} ms, migratepages ${m_ms} ms, ratio $(awk -v a=$d_ms -v b=$m_ms 'BEGIN { printf "%.2f", a / b }')"
	log "bench: the daemon's passes over it: $(grep "pass .*moved [1-9]" /tmp/nwd.log | tail -n 3 | sed 's/.*moved/moved/; s/ failed.*//' | tr '\n' ';')"
else
	log "bench: daemon ${d_ms} ms (no migratepages in the guest)"
fi

kill -TERM $NWD
wait $NWD
rc=$?
[ $rc -eq 0 ] && pass "daemon exits 0 on SIGTERM" || fail "daemon exit $rc"
grep -v ': pass [0-9]' /tmp/nwd.log | tail -n 40
finish
