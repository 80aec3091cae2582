// SPDX-License-Identifier: GPL-2.0
/*
 * config.c — damo's YAML (what `damo` writes and reads for DAMON) mapped to
 * numaweave's run configuration.
 *
 * Mapping: one kdamond, one context (ops: vaddr), one scheme. intervals.sample_us
 * is numaweave's control interval; aggr_us scales count-valued ages. Regions are
 * fixed 2 MiB, so nr_regions has no effect (a warning says so). Keys numaweave
 * does not act on are warnings that name the key's path; type errors, unknown
 * actions, negative or out-of-range values are errors with line and column.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "config.h"
#include "config_scheme.h"
#include "config_yaml.h"
#include "parse.h"
#include "safeio.h"

void config_defaults(struct nw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->action = NW_MIGRATE_HOT;
	c->ap.sz_max = UINT64_MAX;
	c->ap.acc_max = INFINITY;
	c->ap.age_max_us = UINT64_MAX;
	c->quota_reset_ms = 1000;
	c->interval_us = 200000;
}

uint64_t config_quota_bps(const struct nw_config *c)
{
	unsigned __int128 bps;

	if (!c->quota_bytes)
		return 0;
	if (!c->quota_reset_ms || c->quota_reset_ms == NW_MS_NEVER)
		return c->quota_bytes;	/* the latter refused by config_check */
	bps = (unsigned __int128)c->quota_bytes * 1000 / c->quota_reset_ms;
	return bps > UINT64_MAX ? UINT64_MAX : (uint64_t)bps;
}

int config_check(const struct nw_config *c, char *err, int errlen)
{
	uint64_t bps = config_quota_bps(c);

	if (c->interval_us < NW_INTERVAL_MIN_US || c->interval_us > NW_INTERVAL_MAX_US) {
		snprintf(err, errlen, "the control interval (--interval, intervals.sample_us) must "
			 "be from 1 ms to 1 h, not %llu us%s", (unsigned long long)c->interval_us,
			 c->interval_us < NW_INTERVAL_MIN_US ? " (a bare number is microseconds: "
			 "write a unit, e.g. 1s or 200ms)" : "");
		return -ERANGE;
	}
	if (c->quota_reset_ms == NW_MS_NEVER && c->quota_bytes) {
		/* to DAMON a size quota that never resets is a budget spent once */
		snprintf(err, errlen, "quotas.sz_bytes with reset_interval_ms max (a budget DAMON "
			 "never renews) is not supported: give a reset interval, e.g. 1 s");
		return -ERANGE;
	}
	if (c->quota_reset_ms > 3600000 && c->quota_reset_ms != NW_MS_NEVER) {
		snprintf(err, errlen, "quotas.reset_interval_ms must be at most 1 h, not %llu ms",
			 (unsigned long long)c->quota_reset_ms);
		return -ERANGE;
	}
	if (c->quota_bytes && (bps < NW_QUOTA_MIN_BPS || bps > NW_QUOTA_MAX_BPS)) {
		snprintf(err, errlen, "the quota (--quota, quotas.sz_bytes per reset_interval_ms) "
			 "must be from 4 KiB/s to 1 PiB/s, or 0/max for none, not %llu B/s",
			 (unsigned long long)bps);
		return -ERANGE;
	}
	if (c->quota_time_ms > 3600000) {
		snprintf(err, errlen, "quotas.time_ms must be at most 1 h, not %llu ms",
			 (unsigned long long)c->quota_time_ms);
		return -ERANGE;
	}
	return 0;
}

static int parse_intervals(struct ycx *y, yaml_node_t *v, struct nw_config *c)
{
	const char *ik;
	yaml_node_t *iv;
	int rc = 0;

	if ((rc = ywant(y, v, YAML_MAPPING_NODE, "contexts[].intervals")))
		return rc;
	FOR_MAP(y, v, ik, iv) {
		if (ik && !strcmp(ik, "sample_us"))
			rc = yget_dur(y, iv, "intervals.sample_us", &c->interval_us);
		else if (ik && !strcmp(ik, "aggr_us"))
			rc = yget_dur(y, iv, "intervals.aggr_us", &y->aggr_us);
		else if (ik && !strcmp(ik, "ops_update_us"))
			;	/* VMAs are re-read every pass */
		else if (ik && !strcmp(ik, "intervals_goal"))
			;	/* auto-tuning of sampling: no sampling here */
		else
			ywarn(y, iv, "contexts[].intervals", ik ? ik : "?", "is not supported");
		if (rc)
			return rc;
	}
	return 0;
}

/* targets[].regions: address ranges, kept as matching addr filters. */
static int parse_regions(struct ycx *y, yaml_node_t *tv, struct nw_config *c)
{
	int rc;

	if ((rc = ywant(y, tv, YAML_SEQUENCE_NODE, "targets[].regions")))
		return rc;
	for (yaml_node_item_t *ri = tv->data.sequence.items.start; ri < tv->data.sequence.items.top;
	     ri++) {
		yaml_node_t *r = ynode(y, *ri), *rv;
		const char *rk;
		uint64_t a = 0, b = 0;

		if ((rc = ywant(y, r, YAML_MAPPING_NODE, "regions[]")))
			return rc;
		FOR_MAP(y, r, rk, rv) {
			if (rk && !strcmp(rk, "start"))
				rc = yget_u64(y, rv, "regions[].start", &a);
			else if (rk && !strcmp(rk, "end"))
				rc = yget_u64(y, rv, "regions[].end", &b);
			if (rc)
				return rc;
		}
		if (b <= a)
			return yfail(y, r, "regions[] needs start < end");
		if (c->nr_filters == NW_MAX_FILTERS)
			return yfail(y, r, "too many regions");
		c->filters[c->nr_filters++] = (struct addr_filter){ a, b, true };
	}
	return 0;
}

static int parse_targets(struct ycx *y, yaml_node_t *v, struct nw_config *c)
{
	int rc;

	if ((rc = ywant(y, v, YAML_SEQUENCE_NODE, "contexts[].targets")))
		return rc;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *t = ynode(y, *it), *tv;
		const char *tk;

		if ((rc = ywant(y, t, YAML_MAPPING_NODE, "targets[]")))
			return rc;
		FOR_MAP(y, t, tk, tv) {
			char e[NW_ERRLEN];

			if (tk && !strcmp(tk, "pid")) {
				if (c->nr_pids == NW_MAX_PIDS)
					return yfail(y, tv, "more than %d targets", NW_MAX_PIDS);
				if (!yscalar(tv) || parse_pid(yscalar(tv), &c->pids[c->nr_pids], e))
					return yfail(y, tv, "targets[].pid: bad pid '%s'",
						     yscalar(tv) ? yscalar(tv) : "?");
				c->nr_pids++;
			} else if (tk && (!strcmp(tk, "pid_file") || !strcmp(tk, "cgroup"))) {
				/* numaweave's own keys: targets found again every interval */
				const char *path = yscalar(tv);

				if (c->nr_src == NW_MAX_SOURCES)
					return yfail(y, tv, "more than %d pid files and cgroups",
						     NW_MAX_SOURCES);
				if (!path || path[0] != '/' || strlen(path) >= NW_SOURCE_PATH)
					return yfail(y, tv, "targets[].%s: an absolute path of at "
						     "most %d bytes", tk, NW_SOURCE_PATH - 1);
				c->src[c->nr_src].kind = tk[1] == 'i' ? NW_SRC_PIDFILE :
									 NW_SRC_CGROUP;
				snprintf(c->src[c->nr_src++].path, NW_SOURCE_PATH, "%s", path);
			} else if (tk && !strcmp(tk, "regions")) {
				if ((rc = parse_regions(y, tv, c)))
					return rc;
			} else {
				ywarn(y, tv, "targets[]", tk ? tk : "?", "is not supported");
			}
		}
	}
	return 0;
}

static int parse_context(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	yaml_node_t *schemes = NULL, *v;
	const char *k;
	int rc = 0, ns;

	if ((rc = ywant(y, n, YAML_MAPPING_NODE, "contexts[]")))
		return rc;
	/* intervals first: ages in counts need aggr_us. */
	FOR_MAP(y, n, k, v)
		if (k && !strcmp(k, "intervals") && (rc = parse_intervals(y, v, c)))
			return rc;
	FOR_MAP(y, n, k, v) {
		const char *s = yscalar(v);

		if (!k || !strcmp(k, "intervals"))
			continue;
		if (!strcmp(k, "ops")) {
			if (!s || strcmp(s, "vaddr"))
				return yfail(y, v, "ops '%s' not supported (vaddr)", s ? s : "?");
		} else if (!strcmp(k, "addr_unit")) {
			uint64_t unit = 1;
			char e[NW_ERRLEN];

			/* damo 3.x writes "1 B" */
			if (!yis_null(v) && (!s || parse_size(s, &unit, e) || unit != 1))
				return yfail(y, v, "addr_unit must be null or 1 for vaddr");
		} else if (!strcmp(k, "targets")) {
			if ((rc = parse_targets(y, v, c)))
				return rc;
		} else if (!strcmp(k, "nr_regions")) {
			ywarn(y, v, "contexts[]", k, "has no effect: numaweave's regions are 2 MiB");
		} else if (!strcmp(k, "schemes")) {
			schemes = v;
		} else {
			ywarn(y, v, "contexts[]", k, "is not supported");
		}
	}
	if (!schemes)
		return yfail(y, n, "contexts[] has no schemes");
	if ((rc = ywant(y, schemes, YAML_SEQUENCE_NODE, "contexts[].schemes")))
		return rc;
	ns = schemes->data.sequence.items.top - schemes->data.sequence.items.start;
	if (ns != 1)
		return yfail(y, schemes, "exactly one scheme is supported, found %d", ns);
	return config_parse_scheme(y, ynode(y, schemes->data.sequence.items.start[0]), c);
}

#define CONFIG_MAX_DEPTH 32	/* damo nests 7 deep */

int config_load_yaml(const char *path, struct nw_config *c, void (*warnf)(const char *msg),
		     char *err, int errlen)
{
	struct stat st;
	size_t len;
	char *buf;
	int rc = safe_read_file(path, 0, CONFIG_MAX_BYTES, &buf, &len, &st, err, errlen);

	if (rc)
		return rc;
	rc = config_load_yaml_buf(buf, len, c, warnf, err, errlen);
	free(buf);
	return rc;
}

static int yaml_problem(yaml_parser_t *p, char *err, int errlen)
{
	snprintf(err, errlen, "line %zu, column %zu: %s", p->problem_mark.line + 1,
		 p->problem_mark.column + 1, p->problem ? p->problem : "bad YAML");
	return -EINVAL;
}

/* The anchor an event defines, NULL if none. */
static const unsigned char *event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

/*
 * libyaml builds the document recursively with no bound on nesting: walk the
 * events first (flat, cheap) and refuse what nests deeper than any damo file.
 * Anchors and aliases are refused there too: a walk of the document follows
 * every alias again, so 1 KB of nested aliases is billions of nodes (an alias
 * bomb), and damo never writes them.
 */
static int yaml_depth_ok(const char *buf, size_t len, char *err, int errlen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (bool done = false; !done && !rc;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = yaml_problem(&parser, err, errlen);
			break;
		}
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > CONFIG_MAX_DEPTH)
				rc = -EINVAL, snprintf(err, errlen, "line %zu: nested deeper than %d "
						       "levels (refused)", ev.start_mark.line + 1,
						       CONFIG_MAX_DEPTH);
		} else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		if (!rc && (ev.type == YAML_ALIAS_EVENT || event_anchor(&ev)))
			rc = -EINVAL, snprintf(err, errlen, "line %zu: YAML %s are not accepted "
					       "(damo writes none; write the value out)",
					       ev.start_mark.line + 1,
					       ev.type == YAML_ALIAS_EVENT ? "aliases (*name)" :
					       "anchors (&name)");
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int config_load_yaml_buf(const char *buf, size_t len, struct nw_config *c,
			 void (*warnf)(const char *msg), char *err, int errlen)
{
	struct ycx y = { .warn = warnf, .err = err, .errlen = errlen, .aggr_us = 100000 };
	yaml_parser_t parser;
	yaml_node_t *root, *v, *kd, *ctxs = NULL;
	const char *k;
	int rc = 0;

	if (len > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "larger than %u bytes (refused)", CONFIG_MAX_BYTES);
		return -EFBIG;
	}
	if ((rc = yaml_depth_ok(buf, len, err, errlen)))
		return rc;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &y.doc)) {
		rc = yaml_problem(&parser, err, errlen);
		yaml_parser_delete(&parser);
		return rc;
	}
	root = yaml_document_get_root_node(&y.doc);
	if (!root) {
		rc = yfail(&y, NULL, "empty file");
		goto out;
	}
	if ((rc = ywant(&y, root, YAML_MAPPING_NODE, "the top level")))
		goto out;
	FOR_MAP(&y, root, k, v) {
		if (k && !strcmp(k, "kdamonds"))
			ctxs = v;
		else
			ywarn(&y, v, "", k ? k : "?", "is not supported");
	}
	if (!ctxs) {
		rc = yfail(&y, root, "no kdamonds");
		goto out;
	}
	if ((rc = ywant(&y, ctxs, YAML_SEQUENCE_NODE, "kdamonds")))
		goto out;
	if (ctxs->data.sequence.items.top - ctxs->data.sequence.items.start != 1) {
		rc = yfail(&y, ctxs, "exactly one kdamond is supported");
		goto out;
	}
	kd = ynode(&y, ctxs->data.sequence.items.start[0]);
	if ((rc = ywant(&y, kd, YAML_MAPPING_NODE, "kdamonds[]")))
		goto out;
	ctxs = NULL;
	FOR_MAP(&y, kd, k, v) {
		if (k && !strcmp(k, "contexts"))
			ctxs = v;
		else if (k && (!strcmp(k, "state") || !strcmp(k, "pid")))
			;	/* damo's run-time fields */
		else
			ywarn(&y, v, "kdamonds[]", k ? k : "?", "is not supported");
	}
	if (!ctxs || (rc = ywant(&y, ctxs, YAML_SEQUENCE_NODE, "kdamonds[].contexts"))) {
		rc = rc ? rc : yfail(&y, kd, "kdamonds[] has no contexts");
		goto out;
	}
	if (ctxs->data.sequence.items.top - ctxs->data.sequence.items.start != 1) {
		rc = yfail(&y, ctxs, "exactly one context is supported");
		goto out;
	}
	rc = parse_context(&y, ynode(&y, ctxs->data.sequence.items.start[0]), c);
	if (!rc)
		rc = config_check(c, err, errlen);
out:
	yaml_document_delete(&y.doc);
	yaml_parser_delete(&parser);
	return rc;
}
