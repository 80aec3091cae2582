# THP-backed memory: placed at huge-page granularity, no THP split by numaweave.
. /tests/lib.sh
echo 0 > /proc/sys/kernel/numa_balancing
log "kernel $(uname -r), THP $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
thp_kb() { awk '/^AnonHugePages:/ { s += $2 } END { print s + 0 }' /proc/$1/smaps; }
split_total() { vmstat_of thp_split_page; }
start_alloc 256M --thp || exit 1
before=$(thp_kb $PID)
splits0=$(split_total)
log "AnonHugePages before: ${before} kB"
[ "$before" -ge 200000 ] && pass "buffer is THP-backed" || fail "buffer THP-backed (${before} kB)"
out=$(numaweave run --pid $PID --weights 0:1,1:1 --once --json)
echo "$out"
after=$(thp_kb $PID)
splits1=$(split_total)
log "AnonHugePages after: ${after} kB; thp_split_page ${splits0} -> ${splits1}"
[ "$after" -eq "$before" ] && pass "no THP lost" || fail "THP before $before after $after"
[ "$splits1" = "$splits0" ] && pass "no THP split" || fail "THP split: $splits0 -> $splits1"
s=$(split_pct $PID)
near $s 50 1 && pass "1:1 at 2 MiB granularity: node0 ${s}%" || fail "1:1 split ${s}%"
# the huge pages alternate: each 2 MiB extent on one node
moved=$(json_field "$out" pages_moved)
[ $((moved % 512)) -lt 64 ] && pass "moves in 512-page units ($moved pages)" || fail "moved $moved pages, not whole THPs"
verify_alloc
kill $PID
finish
