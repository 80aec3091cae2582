/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counters — the table of the controller's scalar counters (the stats map's
 * u64 fields) and their three renderings for `numaweave status`.
 */
#ifndef NW_COUNTERS_H
#define NW_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "numaweave/abi.h"

struct jw;

enum counter_unit {
	U_COUNT,	/* a number of things */
	U_PAGES,	/* 4 KiB pages: bytes to Prometheus */
	U_BYTES,
	U_NS,		/* nanoseconds: seconds to Prometheus */
	U_RATE,		/* bytes per second, 0 = unlimited */
};

struct counter {
	const char *json;	/* its key in status --json, NULL: not there */
	const char *prom;	/* its Prometheus name after numaweave_, NULL: not there */
	const char *label;	/* its Prometheus labels (kind="hint"), NULL: none */
	const char *type;	/* "counter" (named *_total) or "gauge" */
	enum counter_unit unit;
	const char *help;	/* HELP: the first of a name's series carries it */
	const char *text;	/* the status line it is on ("moved"), NULL: not in text */
	const char *text_name;	/* what it is called there ("pages moved") */
	uint8_t src;		/* 0: nw_ctl_stats, 1: nw_bpf_stats */
	uint16_t off;		/* offset of its __u64 there */
};

/* Every counter with a JSON key, as fields of the object being written. */
void counters_json(struct jw *w, const struct nw_stats *s);
/* The counters named (NULL-terminated list of JSON keys), in that order. */
void counters_json_pick(struct jw *w, const struct nw_stats *s, const char *const *keys);
/* Every counter with a Prometheus name, HELP and TYPE once a name. */
void counters_prom(const struct nw_stats *s);
/* A status line per group ("moved  12 pages moved, ..."); daemon: quotas are per policy. */
void counters_text(const struct nw_stats *s, bool daemon);
/* The table itself (tests check it against the schema and prom_check's rules). */
const struct counter *counters_table(size_t *n);

#endif
