/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config — what `run` does: targets, weights, action, access pattern, quota,
 * filters, intervals. Filled from the command line or from damo's YAML. Pure.
 */
#ifndef NW_CONFIG_H
#define NW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

void config_defaults(struct nw_config *c);
/* damo's files are a few KiB; anything near this is not a config */
#define CONFIG_MAX_BYTES (1u << 20)
/* damo's "max" in a *_ms field: DAMON's ULONG_MAX, a window that never resets */
#define NW_MS_NEVER UINT64_MAX
/*
 * Load damo's YAML. Warnings (unsupported keys, with their path) go through
 * warn(); errors return -EINVAL with the message, line and column in err.
 */
int config_load_yaml(const char *path, struct nw_config *c, void (*warn)(const char *msg),
		     char *err, int errlen);
int config_load_yaml_buf(const char *buf, size_t len, struct nw_config *c,
			 void (*warn)(const char *msg), char *err, int errlen);
#define NW_INTERVAL_MIN_US 1000ull
#define NW_INTERVAL_MAX_US 3600000000ull
#define NW_QUOTA_MIN_BPS 4096ull		/* a page a second */
#define NW_QUOTA_MAX_BPS (1ull << 50)		/* 1 PiB/s: "no limit" is 0 or max */
/*
 * The ranges every setting must hold, whether it came from the command line,
 * the YAML or elsewhere, checked after unit conversion. 0 or -ERANGE with err.
 */
int config_check(const struct nw_config *c, char *err, int errlen);
/* Bytes per second the quota allows (0 = unlimited). */
uint64_t config_quota_bps(const struct nw_config *c);

#endif
