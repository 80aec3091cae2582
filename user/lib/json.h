/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json — the one JSON writer (streaming, in the manner of bpftool's
 * json_writer), and the shapes every command shares: weights, per-node counts,
 * failures by reason. docs/json.md is the schema; NW_JSON_VERSION its version.
 */
#ifndef NW_JSON_H
#define NW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#define NW_JSON_VERSION 1
#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	bool first[JW_MAX_DEPTH];
	bool after_name;
};

void jw_init(struct jw *w, FILE *f);
void jw_start_object(struct jw *w);
void jw_end_object(struct jw *w);	/* a newline after the outermost */
void jw_start_array(struct jw *w);
void jw_end_array(struct jw *w);
void jw_name(struct jw *w, const char *name);
void jw_string(struct jw *w, const char *s);
void jw_uint(struct jw *w, uint64_t v);
void jw_int(struct jw *w, int64_t v);
void jw_float(struct jw *w, double v);	/* %.3f; not finite: null */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);

static inline void jw_uint_field(struct jw *w, const char *n, uint64_t v)
{
	jw_name(w, n);
	jw_uint(w, v);
}
static inline void jw_bool_field(struct jw *w, const char *n, bool v)
{
	jw_name(w, n);
	jw_bool(w, v);
}
static inline void jw_string_field(struct jw *w, const char *n, const char *s)
{
	jw_name(w, n);
	jw_string(w, s);
}
static inline void jw_float_field(struct jw *w, const char *n, double v)
{
	jw_name(w, n);
	jw_float(w, v);
}

/* The shared shapes. */
/* "version" and "numaweave": the schema's version and the program's. */
void json_header(struct jw *w, const char *kind);
/* {"NODE": weight, ...}: the nodes with a share; {} when paused. */
void json_weights(struct jw *w, const char *name, const uint32_t *weights);
/* {"NODE": count, ...}: nodes that exist, or whose count or weight is not 0. */
void json_per_node(struct jw *w, const char *name, const __u64 *v, const uint32_t *weights);
/* {"ebusy": n, ...}: every failure reason. */
void json_failed(struct jw *w, const char *name, const __u64 *failed);
/* "cpu_s": {"total", "scan", "move", "events"}: the controller's CPU seconds by phase. */
struct nw_ctl_stats;
void json_cpu(struct jw *w, const struct nw_ctl_stats *c);

#endif
