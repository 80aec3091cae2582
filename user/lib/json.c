// SPDX-License-Identifier: GPL-2.0
/* json.c — the streaming writer and the shared shapes. */
#include <math.h>
#include <stdio.h>
#include "json.h"
#include "moves.h"
#include "nodes.h"
#include "numaweave/abi.h"
#include "version.h"

void jw_init(struct jw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->after_name = false;
	w->first[0] = true;
}

/* Separator before a value or a name. */
static void sep(struct jw *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (w->depth && !w->first[w->depth])
		fputs(", ", w->f);
	w->first[w->depth] = false;
}

static void open_(struct jw *w, char c)
{
	sep(w);
	fputc(c, w->f);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, char c)
{
	fputc(c, w->f);
	if (w->depth)
		w->depth--;
	if (!w->depth)
		fputc('\n', w->f);
}

void jw_start_object(struct jw *w)
{
	open_(w, '{');
}

void jw_end_object(struct jw *w)
{
	close_(w, '}');
}

void jw_start_array(struct jw *w)
{
	open_(w, '[');
}

void jw_end_array(struct jw *w)
{
	close_(w, ']');
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void jw_name(struct jw *w, const char *name)
{
	sep(w);
	put_string(w->f, name);
	fputs(": ", w->f);
	w->after_name = true;
}

void jw_string(struct jw *w, const char *s)
{
	sep(w);
	put_string(w->f, s ? s : "");
}

void jw_uint(struct jw *w, uint64_t v)
{
	sep(w);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_int(struct jw *w, int64_t v)
{
	sep(w);
	fprintf(w->f, "%lld", (long long)v);
}

void jw_float(struct jw *w, double v)
{
	sep(w);
	if (isfinite(v))
		fprintf(w->f, "%.3f", v);
	else
		fputs("null", w->f);
}

void jw_bool(struct jw *w, bool v)
{
	sep(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w)
{
	sep(w);
	fputs("null", w->f);
}

void json_header(struct jw *w, const char *kind)
{
	jw_uint_field(w, "version", NW_JSON_VERSION);
	jw_string_field(w, "numaweave", NW_VERSION);
	jw_string_field(w, "kind", kind);
}

static void node_name(char *buf, size_t len, int n)
{
	snprintf(buf, len, "%d", n);
}

void json_weights(struct jw *w, const char *name, const uint32_t *weights)
{
	char k[16];

	jw_name(w, name);
	jw_start_object(w);
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!weights[n])
			continue;
		node_name(k, sizeof(k), n);
		jw_uint_field(w, k, weights[n]);
	}
	jw_end_object(w);
}

void json_per_node(struct jw *w, const char *name, const __u64 *v, const uint32_t *weights)
{
	char k[16];

	jw_name(w, name);
	jw_start_object(w);
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!v[n] && !(weights && weights[n]) && !node_exists(n))
			continue;
		node_name(k, sizeof(k), n);
		jw_uint_field(w, k, v[n]);
	}
	jw_end_object(w);
}

void json_cpu(struct jw *w, const struct nw_ctl_stats *c)
{
	jw_name(w, "cpu_s");
	jw_start_object(w);
	jw_float_field(w, "total", c->cpu_ns / 1e9);
	jw_float_field(w, "scan", c->cpu_scan_ns / 1e9);
	jw_float_field(w, "move", c->cpu_move_ns / 1e9);
	jw_float_field(w, "events", c->cpu_events_ns / 1e9);
	jw_end_object(w);
}

void json_failed(struct jw *w, const char *name, const __u64 *failed)
{
	jw_name(w, name);
	jw_start_object(w);
	for (int r = 0; r < NW_FAIL_MAX; r++)
		jw_uint_field(w, fail_reason_name(r), failed[r]);
	jw_end_object(w);
}
