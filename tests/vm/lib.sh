# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest scripts (busybox sh). Source it: . /tests/lib.sh

FAILS=0

log() { echo "## $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "PASS: $*"; }

# start_alloc SIZE [ARGS]: starts alloc_data, waits for "ready", sets PID and OUT.
start_alloc() {
	OUT=/tmp/alloc.$$.$RANDOM
	$PIN alloc_data "$@" >"$OUT" 2>&1 &
	PID=$!
	i=0
	while ! grep -q '^ready' "$OUT" 2>/dev/null; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 600 ] || { cat "$OUT"; fail "alloc_data $* never got ready"; return 1; }
		kill -0 $PID 2>/dev/null || { cat "$OUT"; fail "alloc_data $* died"; return 1; }
	done
}

# verify_alloc: SIGUSR1 alloc_data and check its answer. Sets BAD.
verify_alloc() {
	n=$(grep -c '^verify' "$OUT")
	kill -USR1 $PID
	i=0
	while [ "$(grep -c '^verify' "$OUT")" -le "$n" ]; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 600 ] || { fail "no verify answer"; BAD=-1; return 1; }
	done
	line=$(grep '^verify' "$OUT" | tail -n 1)
	echo "   $line"
	case $line in
	"verify ok"*) BAD=0 ;;
	*) BAD=$(echo "$line" | sed 's/verify FAILED \([0-9]*\).*/\1/'); fail "contents: $line" ;;
	esac
}

# node_pages PID NID [all]: PID's anonymous pages on node NID (numa_maps, 4K
# units). Mappings of files (shared library page cache, which no tool should
# move for one process) are left out, so a small buffer's split is not skewed
# by them; with "all" they are counted too (their private copies can move).
node_pages() {
	awk -v n="N$2=" -v all="${3:-}" '/ file=/ && all == "" { next } {
		kb = 4
		for (i = 1; i <= NF; i++) if ($i ~ /^kernelpagesize_kB=/) { split($i, a, "="); kb = a[2] }
		for (i = 1; i <= NF; i++) if (index($i, n) == 1) { split($i, a, "="); s += a[2] * kb / 4 }
	} END { print s + 0 }' /proc/$1/numa_maps
}

# vmstat_of NAME: the guest's /proc/vmstat counter NAME
vmstat_of() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

# vma_pages PID HEXADDR NID: pages of the mapping at HEXADDR (no 0x) on node NID
vma_pages() {
	awk -v a="$2 " -v n="N$3=" 'index($0, a) == 1 {
		for (i = 2; i <= NF; i++) if (index($i, n) == 1) { split($i, x, "="); s = x[2] }
	} END { print s + 0 }' /proc/$1/numa_maps
}

# split_pct PID: percent of PID's pages on node 0 (one decimal).
split_pct() {
	a=$(node_pages $1 0)
	b=$(node_pages $1 1)
	awk -v a=$a -v b=$b 'BEGIN { if (a + b == 0) print 0; else printf "%.2f\n", 100 * a / (a + b) }'
}

# near A B TOL: |A - B| <= TOL (decimals allowed).
near() { awk -v a=$1 -v b=$2 -v t=$3 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# wait_split PID PCT TOL SECS: wait until node-0 share is within TOL of PCT.
wait_split() {
	t=0
	while :; do
		s=$(split_pct $1)
		near $s $2 $3 && { echo "   node0 ${s}% after ${t}s"; return 0; }
		[ $t -ge $4 ] && { echo "   node0 ${s}% after ${t}s (wanted $2 +- $3)"; return 1; }
		sleep 1
		t=$((t + 1))
	done
}

# json_field JSON NAME: a number field of a flat JSON object.
json_field() { echo "$1" | sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p"; }

# moved_pages [JSON]: the pages numaweave has moved, from JSON (status --json)
# or a fresh status: its first pages_moved is the whole's, each policy's follow
moved_pages() {
	{ [ $# -gt 0 ] && echo "$1" || numaweave status --json 2>/dev/null; } |
		grep -o '"pages_moved": [0-9]*' | head -n 1 | cut -d' ' -f2
}

# cpu_of PID: its user and system CPU seconds (USER_HZ 100), 0 if it is gone;
# the fields after the comm's last ')', which may hold spaces
cpu_of() {
	awk '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / 100 }' /proc/$1/stat 2>/dev/null || echo 0
}

# wait_first_pass PID SECS: until the numaweave at PID has made its first
# pass (status --json passes >= 1); 1 once PID is gone or SECS have passed.
# Loading its programs (and a heat source's object at its first need) takes
# 1 s to over 30 s in the TCG guests: what a test times starts here.
wait_first_pass() {
	_i=0
	until [ "$(json_field "$(numaweave status --json 2>/dev/null)" passes)" -ge 1 ] 2>/dev/null; do
		kill -0 $1 2>/dev/null && [ $_i -lt $(($2 * 5)) ] || return 1
		sleep 0.2
		_i=$((_i + 1))
	done
}

# policy_yaml KEY VALUE W0 [W1]: a damo-style policy naming one target (KEY
# pid_file, cgroup or pid) with migrate_hot to node 0 (and node 1) by weight
policy_yaml() {
	cat <<EOF
kdamonds:
- contexts:
  - targets:
    - $1: $2
    schemes:
    - action: migrate_hot
      dests:
      - id: 0
        weight: $3
EOF
	if [ -n "${4:-}" ]; then printf '      - id: 1\n        weight: %s\n' "$4"; fi
}

finish() {
	echo "== $FAILS failure(s)"
	[ $FAILS -eq 0 ]
}

# vma_share PID HEXADDR: percent of the pages of the mapping at HEXADDR (no 0x)
# that are on node 1 (numa_maps; the address compared as a string)
vma_share() {
	awk -v a="$2 " 'index($0, a) == 1 {
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^N0=/) { split($i, x, "="); n0 = x[2] }
			if ($i ~ /^N1=/) { split($i, x, "="); n1 = x[2] }
		}
	} END { if (n0 + n1 == 0) print 0; else printf "%.1f\n", 100 * n1 / (n0 + n1) }' /proc/$1/numa_maps
}

# damon_start PID SAMPLE_US AGGR_US UPDATE_US W0 W1: one kdamond watching PID
# (vaddr) with one scheme, migrate_hot to nodes 0 and 1 by W0:W1 (the cover
# letter's; 7.x). Sets K (the kdamond's sysfs directory), S (the scheme's) and
# KPID. damon_stop ends it.
damon_start() {
	D=/sys/kernel/mm/damon/admin/kdamonds
	echo 1 > $D/nr_kdamonds
	K=$D/0
	echo 1 > $K/contexts/nr_contexts
	C=$K/contexts/0
	echo vaddr > $C/operations
	echo 1 > $C/targets/nr_targets
	echo $1 > $C/targets/0/pid_target
	echo $2 > $C/monitoring_attrs/intervals/sample_us
	echo $3 > $C/monitoring_attrs/intervals/aggr_us
	echo $4 > $C/monitoring_attrs/intervals/update_us
	echo 20 > $C/monitoring_attrs/nr_regions/min
	echo 50 > $C/monitoring_attrs/nr_regions/max
	echo 1 > $C/schemes/nr_schemes
	S=$C/schemes/0
	echo migrate_hot > $S/action
	# damo's "max": sysfs defaults are all 0, which matches nothing
	echo 18446744073709551615 > $S/access_pattern/sz/max
	echo 4294967295 > $S/access_pattern/nr_accesses/max
	echo 4294967295 > $S/access_pattern/age/max
	echo 2 > $S/dests/nr_dests
	echo 0 > $S/dests/0/id; echo $5 > $S/dests/0/weight
	echo 1 > $S/dests/1/id; echo $6 > $S/dests/1/weight
	echo on > $K/state || return 1
	KPID=$(cat $K/pid)
}
damon_stop() {
	echo off > $K/state
	while [ "$(cat $K/state)" != off ]; do sleep 0.1; done
	echo 0 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds
}
