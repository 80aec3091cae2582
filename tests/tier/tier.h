/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tier model: a QEMU TCG plugin that turns the guest's NUMA nodes into
 * memory tiers (docs/tier.md). tier.c holds the access path and the model,
 * tier_io.c the thread that talks to the guest and writes the logs.
 */
#ifndef NW_TIER_H
#define NW_TIER_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define TIER_MAX_NODES 8
#define TIER_LINE_SHIFT 6
#define TIER_PAGE_SHIFT 12
#define TIER_USER_TOP (1ull << 47) /* x86-64: user addresses lie below */

struct tier_node {
	/* layout: guest-physical base and size, and where QEMU 7.2 reports it */
	uint64_t gbase, size, rbase;
	/* the model */
	double rel_cap;		/* relative capacity (the preset's 72, 26) */
	double lat0_ns;		/* idle latency */
	_Atomic uint64_t cap_lines; /* lines per window; 0: no cap */
	/* the current window and the last whole one */
	_Atomic uint64_t used;
	_Atomic uint64_t lat_ns; /* loaded latency now, from the last window */
	/* totals since start, for the reports (read by the io thread) */
	_Atomic uint64_t fills, wbacks, waits_ns;
};

struct tier {
	unsigned nr_nodes;
	struct tier_node node[TIER_MAX_NODES];
	uint64_t window_ns;
	double k;		/* queueing curve: lat0 (1 + k u / (1 - u)) */
	double mlp;		/* line fills in flight per vCPU */
	double frac;		/* the largest node's cap, as a share of the calibrated rate */
	_Atomic uint64_t win_start;
	_Atomic int uncapped;	/* during a calibration */
	/* per 4 KiB guest-physical page: lines user code filled (exact) */
	_Atomic uint32_t *page_count;
	uint64_t nr_pages;
	/* io */
	char sock[108], truth[256], log[256];
	FILE *logf;
	unsigned report_ms;
	unsigned avg_ms;	/* the guest's rates are over the last avg_ms */
	int pin_cpu;		/* vCPU 0's host CPU, alone; -1: not pinned */
};

extern struct tier T;

uint64_t tier_now_ns(void);
/* the rate of the largest node, lines/s, sets every cap by rel_cap */
void tier_set_scale(double lines_per_s);
double tier_loaded_latency(const struct tier_node *n, double u);
int tier_io_start(void);
void tier_io_stop(void);
void tier_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
