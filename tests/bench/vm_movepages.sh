# Where first placement's time goes, in one boot of a guest: the same fresh
# buffer (SIZE, all on node 0, 4 KiB pages or THP by the guest's THP mode)
# moved whole to node 1 by three tools in turn, ROUNDS times with the order
# rotated each round:
#   migratepages    migrate_pages(2): one page-table walk in the kernel
#   move_pages      bench_movepages: bare move_pages(2) in batches of 8192,
#                   no numaweave (the bound of any tool built on move_pages)
#   numaweave       run --once --weights 1:1 (start-up, scan, plan, move)
# Prints CSV rows: move,ROUND,TOOL,PAGES,WALL_S,MOVE_S,MIB_PER_S,CPU_S,SCAN,MOVE,EVENTS
# WALL_S from the tool's start to its exit; MOVE_S the time in the moving
# call(s) (migratepages: = WALL_S; numaweave: its whole pass); MIB_PER_S on
# MOVE_S; CPU_S the tool's own; SCAN, MOVE, EVENTS: numaweave's CPU seconds
# by phase (its cpu_s), empty for the others. After each, a row
# vmstat,ROUND,TOOL,KEY=DELTA...: what /proc/vmstat counted during the arm
# (migrations, THP migrations and splits, compaction stalls).
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
[ -e /sys/module/damon_stat/parameters/enabled ] && echo N > /sys/module/damon_stat/parameters/enabled
PIN="taskset -c 0"
SIZE=${SIZE:-256M}
ROUNDS=${ROUNDS:-3}
if grep -q '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled; then
	PAGES=thp ALLOC=--thp STEP=512
else
	PAGES=4k ALLOC=--nothp STEP=1
fi
MIB=${SIZE%M}
now_ms() { bench_sample --now; }
fresh() {
	[ -n "$PID" ] && { kill $PID; wait $PID 2>/dev/null; }
	start_alloc $SIZE $ALLOC || exit 1
	migratepages $PID 1 0 2>/dev/null	# every page on node 0 first
	BUF=$(sed -n 's/^ready [0-9]* at 0x\([0-9a-f]*\)/\1/p' $OUT)
	BUF=$(printf '%x' $((0x$BUF)))
}
check_moved() {	# the whole buffer on node 1, else say so
	s=$(vma_share $PID $BUF)
	[ "${s%.*}" -ge 99 ] || echo "# round $1 $2: only $s % on node 1" >&2
}
# children's CPU seconds of this shell (cutime + cstime): a tool's own CPU once waited
ctime() { awk '{ printf "%.2f", ($16 + $17) / 100 }' /proc/$$/stat; }
secs() { awk -v ms=$1 'BEGIN { printf "%.3f", ms / 1000 }'; }
VMSTAT_KEYS="pgmigrate_success pgmigrate_fail thp_migration_success thp_migration_fail thp_migration_split compact_stall compact_success thp_split_pmd"
vmstat_snap() { for k in $VMSTAT_KEYS; do awk -v k=$k '$1 == k { print $2 }' /proc/vmstat; done | tr '\n' ' '; }
arm() {	# arm ROUND TOOL
	fresh
	v0=$(vmstat_snap)
	c0=$(ctime)
	t0=$(now_ms)
	phases=,,
	case $2 in
	migratepages)
		migratepages $PID 0 1
		wall=$(( $(now_ms) - t0 ))
		move=$(secs $wall) mps=$(awk -v w=$wall -v m=$MIB 'BEGIN { printf "%.1f", m * 1000 / w }')
		;;
	move_pages)
		bench_movepages $PID $BUF $SIZE 1 8192 --step $STEP >/tmp/mp.out
		wall=$(( $(now_ms) - t0 ))
		set -- $1 $2 $(cat /tmp/mp.out)
		move=${13} mps=${15}
		;;
	numaweave|numaweave-nodamon|numaweave-m*)
		# numaweave-mN: with N movers (--move-threads N)
		case $2 in
		numaweave-nodamon) x=--no-damon ;;
		numaweave-m*) x="--move-threads ${2#numaweave-m}" ;;
		*) x= ;;
		esac
		numaweave run --pid $PID --weights 1:1 --once --json $x >/tmp/nw.out 2>/dev/null
		wall=$(( $(now_ms) - t0 ))
		j=$(cat /tmp/nw.out)
		move=$(json_field "$j" seconds) mps=$(json_field "$j" mib_per_s)
		phases=$(json_field "$j" scan),$(json_field "$j" move),$(json_field "$j" events)
		;;
	esac
	cpu=$(awk -v a=$c0 -v b=$(ctime) 'BEGIN { printf "%.2f", b - a }')
	echo "move,$1,$2,$PAGES,$(secs $wall),$move,$mps,$cpu,$phases"
	echo "vmstat,$1,$2,$(echo "$VMSTAT_KEYS|$v0|$(vmstat_snap)" | awk -F'|' '{ n = split($1, k, " "); split($2, a, " "); split($3, b, " "); for (i = 1; i <= n; i++) printf "%s%s=%d", (i > 1 ? " " : ""), k[i], b[i] - a[i] }')"
	check_moved $1 $2
}
command -v migratepages >/dev/null || { echo "SKIP: no migratepages in the guest"; exit 0; }
# TOOLS: the arms (numaweave-nodamon: numaweave with --no-damon; numaweave-mN:
# with N movers), in an
# order rotated by one each round
TOOLS=${TOOLS:-migratepages move_pages numaweave}
set -- $TOOLS
for r in $(seq $ROUNDS); do
	order=$*
	for _ in $(seq $(( (r - 1) % $# ))); do order="${order#* } ${order%% *}"; done
	for t in $order; do arm $r $t; done
done
kill $PID
