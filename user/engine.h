/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine — the controller of `numaweave run`: its state, shared by the loop
 * (engine.c), the planner (plan.c) and reporting (report.c).
 */
#ifndef NW_ENGINE_H
#define NW_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "damon.h"
#include "heat.h"
#include "loader.h"
#include "moves.h"
#include "pagemap.h"
#include "placement.h"
#include "policy.h"
#include "sysctl.h"
#include "targets.h"
#include "vma_iter.h"

struct engine_opts {
	struct nw_config cfg;
	bool once, dry_run, json;
	const char *pin_dir;
	char **cmd;			/* -- CMD ARG..., or NULL */
	uint64_t ringbuf_bytes;
	bool no_fentry, classic_tp;
	bool numa_balancing_off;	/* turn kernel.numa_balancing off while running */
	bool no_damon;			/* never use DAMON as a heat source */
	bool force_blind;		/* migrate_cold with a pattern even with no read signal */
};

/* The pass in progress. */
struct pass {
	struct target *t;
	const struct nw_vma *vma;
	struct region *reg;
	uint64_t reg_lo;	/* where the region being scanned starts (in its VMA) */
	bool movable;		/* the region's heat makes it due: its folios may move */
	bool full;			/* covers all of the target */
	uint64_t scanned, misplaced, moved, failed, deferred;
	uint64_t per_node[NW_MAX_NODES];	/* what it saw, after its moves */
};

struct engine {
	struct engine_opts *o;
	struct loader ld;
	struct vma_reader vr;
	struct node_map nodes;
	struct heat heat;
	struct ring_buffer *rb;
	struct target_set ts;
	struct child child;
	struct sysctl_guard nb;
	struct damon_src damon;
	/* counters: written here, copied to the stats map once per pass */
	struct nw_ctl_stats ctl;

	struct wsettle ws;
	bool paused;			/* all weights 0 */
	uint32_t gen;			/* weights generation */
	struct wtable wt;
	uint32_t node_pause[NW_MAX_NODES];	/* interval until which a node is full */

	struct pass p;
	struct move_vec moves, unknown;
	uint64_t last_pass_ns, last_full_ns, drops_seen;
	uint64_t seen_mark;		/* first touches at the last bitmap clear */
	uint64_t scan_steps;
	bool progress;			/* a long --once on a terminal */
	uint64_t t_main;		/* engine_run entered, CLOCK_MONOTONIC ns */
	double exec_ms;			/* exec to engine_run */
	bool startup_logged;
	bool pin_gone_said;	/* the pin dir was removed under us (said once) */
};

/* Returns the process exit status (0, 1, 2, or CMD's). */
int engine_run(struct engine_opts *o);
/* A signal asked the controller to stop: long work ends early. */
bool engine_stopping(void);
/* A target exited: stop following it. */
void engine_target_gone(struct engine *e, struct target *t);

/* plan.c: one pass over every target (scan, plan, move). */
void plan_pass(struct engine *e, bool force_full);

/* report.c */
void report_publish(struct engine *e);
/* Between passes: a weights change pending or refused shows in status at once. */
void report_weights_state(struct engine *e);
void report_interval(struct engine *e, double secs);
/* " n0=PAGES n1=PAGES ..." for nodes with pages or a weight, cut to fit len. */
size_t report_nodes_line(char *buf, size_t len, const __u64 *pages, const uint32_t *w);
void report_startup(struct engine *e, uint64_t first_pass_ns);
void report_json_pass(struct engine *e, double secs);

#endif
