/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config_def — the settings of one policy (struct nw_config) and their
 * limits: plain types, no code, so the YAML reader, the scheme parser and
 * everyone who runs a policy can share them without a loop.
 */
#ifndef NW_CONFIG_DEF_H
#define NW_CONFIG_DEF_H

#include <stdbool.h>
#include <stdint.h>
#include "numaweave/abi.h"

#define NW_MAX_PIDS 64
#define NW_MAX_FILTERS 16

enum nw_action { NW_MIGRATE_HOT, NW_MIGRATE_COLD };

/* targets[].regions: the ranges monitored (nothing outside them is placed) */
struct addr_filter {
	uint64_t start, end;
	bool matching;		/* true: only inside; false: everything but */
};

/*
 * A DAMOS filter, as DAMON applies it: a page "matches" when it has the
 * property (anon; inside [start, end)) and matching is true, or lacks it and
 * matching is false. The first matching filter decides (allow or reject);
 * core filters (addr) come before ops filters (anon), and a page a core
 * filter allowed is allowed by the ops layer too. A page no filter of a layer
 * matches gets the opposite of that layer's last filter (policy.c).
 */
enum nw_filter_type { NW_FILTER_ADDR, NW_FILTER_ANON };
struct damos_filter {
	enum nw_filter_type type;
	bool matching;
	bool allow;		/* damo's default: false (reject) */
	uint64_t start, end;	/* addr */
};

struct access_pattern {
	uint64_t sz_min, sz_max;	/* bytes */
	double acc_min, acc_max;	/* events per interval, or percent if acc_pct */
	bool acc_pct;
	uint64_t age_min_us, age_max_us;
};

#define NW_MAX_SOURCES 8
#define NW_SOURCE_PATH 256

/* Where targets come from besides pids: read again every quarter interval. */
struct nw_source {
	enum { NW_SRC_PIDFILE = 1, NW_SRC_CGROUP } kind;
	char path[NW_SOURCE_PATH];	/* the pid file, or the cgroup v2 directory */
};

struct nw_config {
	int pids[NW_MAX_PIDS];
	int nr_pids;
	struct nw_source src[NW_MAX_SOURCES];
	int nr_src;
	bool children;
	uint32_t weights[NW_MAX_NODES];
	bool have_weights;
	char auto_spec[128];		/* --weights auto[:SENSOR]: weights from measured bandwidth */
	enum nw_action action;
	struct access_pattern ap;
	uint64_t quota_bytes;		/* per reset interval; 0 = unlimited */
	uint64_t quota_reset_ms;	/* damo's reset_interval_ms, default 1000; NW_MS_NEVER */
	uint64_t quota_time_ms;		/* damo's time quota: ms of move time per reset interval */
	uint64_t interval_us;
	struct addr_filter filters[NW_MAX_FILTERS];	/* targets[].regions */
	int nr_filters;
	struct damos_filter dfilters[NW_MAX_FILTERS];	/* the scheme's, in order */
	int nr_dfilters;
};

/* damo's "max" in a *_ms field: DAMON's ULONG_MAX, a window that never resets */
#define NW_MS_NEVER UINT64_MAX

#endif
