# SPDX-License-Identifier: GPL-2.0
# tests/bench/lib.sh: helpers the host benchmarks share (sourced).

# ready FILE [SECS]: until FILE has a line starting "ready" (what the test
# programs print once set up), at most SECS (default 300); 1 if it never does
ready() {
	local n=$((${2:-300} * 10))
	for _ in $(seq $n); do
		grep -q '^ready' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ticks PID: its user and system CPU in clock ticks (getconf CLK_TCK); the
# fields after the comm's last ')', which may hold spaces
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
