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
};

/* Why DAMON cannot be used here, or NULL if it can. */
const char *damon_unusable(void);
/* Start monitoring pids; 0 or -errno with the reason in err. */
int damon_start(struct damon_src *d, const int *pids, int n, char *err, int errlen);
void damon_stop(struct damon_src *d);

#endif
