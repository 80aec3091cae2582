/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon — DAMON as a second heat source (Linux 6.x+ with CONFIG_DAMON_VADDR
 * and CONFIG_DAMON_SYSFS). numaweave starts one kdamond through
 * /sys/kernel/mm/damon/admin that monitors the targets named at start; it runs
 * no scheme (numaweave does the moving). DAMON samples the page-table accessed
 * bits, so it sees reads that cause no fault; its per-region results reach
 * numaweave through the BPF program on the damon_aggregated tracepoint. DAMON's
 * sysfs tree is shared by every user: it is used only when nobody else has a
 * kdamond configured, and it is removed again on exit.
 */
#ifndef NW_DAMON_H
#define NW_DAMON_H

#include <stdbool.h>
#include <stdint.h>
#include "heat.h"

#define NW_DAMON_MAX_TARGETS 64

struct damon_src {
	bool on;
	int kdamond_pid;
	int pids[NW_DAMON_MAX_TARGETS];	/* target index -> pid */
	int n;
	bool tuned;		/* the kernel tunes its intervals (intervals_goal written) */
	uint64_t sample_us;	/* its sampling interval now, as last tuned (0: the start's) */
	uint32_t late_since;	/* behind its schedule since this interval + 1 (0: on time) */
	uint64_t span;		/* bytes it monitors, summed over the targets, at its start */
	unsigned int min_regions;	/* the minimum region count it was given */
};

/* Why DAMON cannot be used here, or NULL if it can. */
const char *damon_unusable(void);
/*
 * Start monitoring pids; 0 or -errno with the reason in err. tune: ask the
 * kernel to tune the intervals where it can (heat.h NW_DAMON_GOAL_*); only
 * when the caller can learn the tuned interval (the tracepoint). Its minimum
 * region count follows what it will monitor (heat_damon_min_regions).
 */
int damon_start(struct damon_src *d, const int *pids, int n, bool tune, char *err, int errlen);
void damon_stop(struct damon_src *d);

#endif
