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
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "config.h"
#include "parse.h"

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
	if (!c->quota_bytes)
		return 0;
	if (!c->quota_reset_ms)
		return c->quota_bytes;
	return c->quota_bytes * 1000 / c->quota_reset_ms;
}

struct ycx {
	yaml_document_t doc;
	void (*warn)(const char *msg);
	char *err;
	int errlen;
	uint64_t aggr_us;
};

static int fail(struct ycx *y, yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(y->err, y->errlen, "line %zu, column %zu: %s", n->start_mark.line + 1,
			 n->start_mark.column + 1, msg);
	else
		snprintf(y->err, y->errlen, "%s", msg);
	return -EINVAL;
}

static void warn(struct ycx *y, yaml_node_t *n, const char *path, const char *key,
		 const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "line %zu: %s.%s %s", n->start_mark.line + 1, path, key, why);
	if (y->warn)
		y->warn(msg);
}

static yaml_node_t *node(struct ycx *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_null(yaml_node_t *n)
{
	const char *s = scalar(n);

	return s && (!*s || !strcmp(s, "null") || !strcmp(s, "~"));
}

#define FOR_MAP(y, n, k, v)							\
	for (yaml_node_pair_t *p_ = (n)->data.mapping.pairs.start;		\
	     p_ < (n)->data.mapping.pairs.top &&				\
	     ((k) = scalar(node(y, p_->key)), (v) = node(y, p_->value), 1); p_++)

static int want(struct ycx *y, yaml_node_t *n, yaml_node_type_t t, const char *path)
{
	static const char *names[] = { "nothing", "a scalar", "a list", "a mapping" };

	if (!n || n->type != t)
		return fail(y, n, "%s must be %s", path, names[t]);
	return 0;
}

static int get_u64(struct ycx *y, yaml_node_t *n, const char *path, uint64_t *v)
{
	char e[NW_ERRLEN];
	const char *s = scalar(n);

	if (!s)
		return fail(y, n, "%s must be a number", path);
	if (s[0] == '-')
		return fail(y, n, "%s must not be negative ('%s')", path, s);
	if (parse_size(s, v, e))
		return fail(y, n, "%s: %s", path, e);
	return 0;
}

static int get_dur(struct ycx *y, yaml_node_t *n, const char *path, uint64_t *us)
{
	char e[NW_ERRLEN];
	const char *s = scalar(n);

	if (!s)
		return fail(y, n, "%s must be a duration", path);
	if (parse_duration(s, us, e))
		return fail(y, n, "%s: %s", path, e);
	return 0;
}

static int min_max(struct ycx *y, yaml_node_t *n, const char *path, const char *what,
		   int (*one)(struct ycx *, yaml_node_t *, const char *, void *), void *lo,
		   void *hi)
{
	const char *k;
	yaml_node_t *v;
	char sub[128];
	int rc;

	if ((rc = want(y, n, YAML_MAPPING_NODE, path)))
		return rc;
	FOR_MAP(y, n, k, v) {
		snprintf(sub, sizeof(sub), "%s.%s", path, k ? k : "?");
		if (k && !strcmp(k, "min"))
			rc = one(y, v, sub, lo);
		else if (k && !strcmp(k, "max"))
			rc = one(y, v, sub, hi);
		else {
			warn(y, v, path, k ? k : "?", "is not supported");
			rc = 0;
		}
		if (rc)
			return rc;
	}
	(void)what;
	return 0;
}

static int one_size(struct ycx *y, yaml_node_t *n, const char *path, void *out)
{
	return get_u64(y, n, path, out);
}

static int one_acc(struct ycx *y, yaml_node_t *n, const char *path, void *out)
{
	char e[NW_ERRLEN];
	int pct;

	if (!scalar(n))
		return fail(y, n, "%s must be a count or a percent", path);
	if (parse_percent_or_count(scalar(n), out, &pct, e))
		return fail(y, n, "%s: %s", path, e);
	/* a percent travels as -1 - value; decode_acc() sets ap.acc_pct */
	if (pct)
		*(double *)out = -1.0 - *(double *)out;	/* decoded by the caller */
	return 0;
}

static int one_age(struct ycx *y, yaml_node_t *n, const char *path, void *out)
{
	const char *s = scalar(n);
	char *end;

	if (s && *s && strtoull(s, &end, 10) != ULLONG_MAX && !*end && s[0] != '-') {
		/* a bare count is a number of aggregation intervals */
		*(uint64_t *)out = strtoull(s, NULL, 10) * y->aggr_us;
		return 0;
	}
	return get_dur(y, n, path, out);
}

static double decode_acc(double v, bool *pct)
{
	if (v < 0 && !isinf(v)) {
		*pct = true;
		return -1.0 - v;
	}
	return v;
}

static int parse_dests(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	int rc;

	if ((rc = want(y, n, YAML_SEQUENCE_NODE, "schemes[].dests")))
		return rc;
	memset(c->weights, 0, sizeof(c->weights));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *d = node(y, *it), *v;
		uint64_t nid = UINT64_MAX, w = UINT64_MAX;
		const char *k;

		if ((rc = want(y, d, YAML_MAPPING_NODE, "schemes[].dests[]")))
			return rc;
		FOR_MAP(y, d, k, v) {
			if (k && (!strcmp(k, "nid") || !strcmp(k, "id")))
				rc = get_u64(y, v, "dests[].nid", &nid);
			else if (k && !strcmp(k, "weight"))
				rc = get_u64(y, v, "dests[].weight", &w);
			else {
				warn(y, v, "schemes[].dests[]", k ? k : "?", "is not supported");
				rc = 0;
			}
			if (rc)
				return rc;
		}
		if (nid == UINT64_MAX || w == UINT64_MAX)
			return fail(y, d, "schemes[].dests[] needs nid and weight");
		if (nid >= NW_MAX_NODES)
			return fail(y, d, "dests[].nid %llu out of range (0-%d)",
				    (unsigned long long)nid, NW_MAX_NODES - 1);
		if (w > NW_WEIGHT_MAX)
			return fail(y, d, "dests[].weight %llu out of range (0-%u)",
				    (unsigned long long)w, NW_WEIGHT_MAX);
		if (c->weights[nid])
			return fail(y, d, "dests[] names node %llu twice", (unsigned long long)nid);
		c->weights[nid] = (uint32_t)w;
	}
	c->have_weights = true;
	return 0;
}

static int parse_filters(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	int rc;

	if ((rc = want(y, n, YAML_SEQUENCE_NODE, "schemes[].filters")))
		return rc;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *f = node(y, *it), *v, *range = NULL;
		const char *k, *type = NULL;
		bool matching = true;
		uint64_t start = 0, end = 0;

		if ((rc = want(y, f, YAML_MAPPING_NODE, "schemes[].filters[]")))
			return rc;
		FOR_MAP(y, f, k, v) {
			const char *s = scalar(v);

			if (k && (!strcmp(k, "filter_type") || !strcmp(k, "type")))
				type = s;
			else if (k && !strcmp(k, "matching"))
				matching = s && (!strcmp(s, "true") || !strcmp(s, "True"));
			else if (k && !strcmp(k, "allow"))
				;	/* damo's allow: numaweave filters only pass what matches */
			else if (k && !strcmp(k, "address_range"))
				range = v;
			else if (k && !strcmp(k, "addr_start"))
				rc = get_u64(y, v, "filters[].addr_start", &start);
			else if (k && !strcmp(k, "addr_end"))
				rc = get_u64(y, v, "filters[].addr_end", &end);
			else
				warn(y, v, "schemes[].filters[]", k ? k : "?", "is not supported");
			if (rc)
				return rc;
		}
		if (!type)
			return fail(y, f, "schemes[].filters[] needs filter_type");
		if (!strcmp(type, "anon")) {
			c->anon_filter = matching ? 1 : -1;
			continue;
		}
		if (strcmp(type, "addr"))
			return fail(y, f, "filter_type '%s' not supported (addr, anon)", type);
		if (range) {
			const char *rk;
			yaml_node_t *rv;

			if ((rc = want(y, range, YAML_MAPPING_NODE, "filters[].address_range")))
				return rc;
			FOR_MAP(y, range, rk, rv) {
				if (rk && !strcmp(rk, "start"))
					rc = get_u64(y, rv, "address_range.start", &start);
				else if (rk && !strcmp(rk, "end"))
					rc = get_u64(y, rv, "address_range.end", &end);
				if (rc)
					return rc;
			}
		}
		if (end <= start)
			return fail(y, f, "addr filter needs start < end");
		if (c->nr_filters == NW_MAX_FILTERS)
			return fail(y, f, "more than %d addr filters", NW_MAX_FILTERS);
		c->filters[c->nr_filters++] = (struct addr_filter){ start, end, matching };
	}
	return 0;
}

static int parse_quotas(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	const char *k;
	yaml_node_t *v;
	int rc = 0;

	if ((rc = want(y, n, YAML_MAPPING_NODE, "schemes[].quotas")))
		return rc;
	FOR_MAP(y, n, k, v) {
		if (k && !strcmp(k, "sz_bytes"))
			rc = get_u64(y, v, "quotas.sz_bytes", &c->quota_bytes);
		else if (k && !strcmp(k, "time_ms"))
			rc = get_u64(y, v, "quotas.time_ms", &c->quota_time_ms);
		else if (k && !strcmp(k, "reset_interval_ms"))
			rc = get_u64(y, v, "quotas.reset_interval_ms", &c->quota_reset_ms);
		else if (k && (!strcmp(k, "weights") || !strcmp(k, "goals") ||
			       !strcmp(k, "effective_sz_bytes")))
			warn(y, v, "schemes[].quotas", k, "is not supported (ignored)");
		else
			warn(y, v, "schemes[].quotas", k ? k : "?", "is not supported");
		if (rc)
			return rc;
	}
	if (c->quota_bytes == UINT64_MAX)
		c->quota_bytes = 0;
	return 0;
}

static int parse_scheme(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	const char *k;
	yaml_node_t *v;
	int rc = 0;

	if ((rc = want(y, n, YAML_MAPPING_NODE, "schemes[]")))
		return rc;
	FOR_MAP(y, n, k, v) {
		const char *s = scalar(v);

		if (!k) {
			warn(y, v, "schemes[]", "?", "is not a string key");
		} else if (!strcmp(k, "action")) {
			if (!s)
				return fail(y, v, "schemes[].action must be a string");
			if (!strcmp(s, "migrate_hot"))
				c->action = NW_MIGRATE_HOT;
			else if (!strcmp(s, "migrate_cold"))
				c->action = NW_MIGRATE_COLD;
			else
				return fail(y, v, "action '%s' not supported (migrate_hot, migrate_cold)", s);
		} else if (!strcmp(k, "dests")) {
			rc = parse_dests(y, v, c);
		} else if (!strcmp(k, "target_nid")) {
			uint64_t nid;

			if (is_null(v))
				continue;
			if (s && !strcmp(s, "-1"))
				continue;
			if ((rc = get_u64(y, v, "schemes[].target_nid", &nid)))
				return rc;
			if (nid >= NW_MAX_NODES)
				return fail(y, v, "target_nid %llu out of range", (unsigned long long)nid);
			if (!c->have_weights) {
				memset(c->weights, 0, sizeof(c->weights));
				c->weights[nid] = 1;
				c->have_weights = true;
			}
		} else if (!strcmp(k, "access_pattern")) {
			const char *ak;
			yaml_node_t *av;

			if ((rc = want(y, v, YAML_MAPPING_NODE, "schemes[].access_pattern")))
				return rc;
			FOR_MAP(y, v, ak, av) {
				if (ak && !strcmp(ak, "sz_bytes"))
					rc = min_max(y, av, "access_pattern.sz_bytes", "size",
						     one_size, &c->ap.sz_min, &c->ap.sz_max);
				else if (ak && !strcmp(ak, "nr_accesses"))
					rc = min_max(y, av, "access_pattern.nr_accesses", "count",
						     one_acc, &c->ap.acc_min, &c->ap.acc_max);
				else if (ak && !strcmp(ak, "age"))
					rc = min_max(y, av, "access_pattern.age", "age", one_age,
						     &c->ap.age_min_us, &c->ap.age_max_us);
				else
					warn(y, av, "schemes[].access_pattern", ak ? ak : "?",
					     "is not supported");
				if (rc)
					return rc;
			}
			c->ap.acc_pct = false;
			c->ap.acc_min = decode_acc(c->ap.acc_min, &c->ap.acc_pct);
			c->ap.acc_max = decode_acc(c->ap.acc_max, &c->ap.acc_pct);
			if (c->ap.sz_min > c->ap.sz_max || c->ap.acc_min > c->ap.acc_max ||
			    c->ap.age_min_us > c->ap.age_max_us)
				return fail(y, v, "access_pattern has a min above its max");
		} else if (!strcmp(k, "quotas")) {
			rc = parse_quotas(y, v, c);
		} else if (!strcmp(k, "filters") || !strcmp(k, "core_filters") ||
			   !strcmp(k, "ops_filters")) {
			rc = parse_filters(y, v, c);
		} else {
			warn(y, v, "schemes[]", k, "is not supported (ignored)");
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_context(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	yaml_node_t *schemes = NULL, *v;
	const char *k;
	int rc = 0;

	if ((rc = want(y, n, YAML_MAPPING_NODE, "contexts[]")))
		return rc;
	/* intervals first: ages in counts need aggr_us. */
	FOR_MAP(y, n, k, v) {
		const char *ik;
		yaml_node_t *iv;

		if (!k || strcmp(k, "intervals"))
			continue;
		if ((rc = want(y, v, YAML_MAPPING_NODE, "contexts[].intervals")))
			return rc;
		FOR_MAP(y, v, ik, iv) {
			if (ik && !strcmp(ik, "sample_us"))
				rc = get_dur(y, iv, "intervals.sample_us", &c->interval_us);
			else if (ik && !strcmp(ik, "aggr_us"))
				rc = get_dur(y, iv, "intervals.aggr_us", &y->aggr_us);
			else if (ik && !strcmp(ik, "ops_update_us"))
				;	/* VMAs are re-read every pass */
			else if (ik && !strcmp(ik, "intervals_goal"))
				;	/* auto-tuning of sampling: no sampling here */
			else
				warn(y, iv, "contexts[].intervals", ik ? ik : "?", "is not supported");
			if (rc)
				return rc;
		}
	}
	if (!c->interval_us)
		return fail(y, n, "intervals.sample_us must be above 0");
	FOR_MAP(y, n, k, v) {
		const char *s = scalar(v);

		if (!k)
			continue;
		if (!strcmp(k, "ops")) {
			if (!s || strcmp(s, "vaddr"))
				return fail(y, v, "ops '%s' not supported (vaddr)", s ? s : "?");
		} else if (!strcmp(k, "addr_unit")) {
			if (!is_null(v) && (!s || strcmp(s, "1")))
				return fail(y, v, "addr_unit must be null or 1 for vaddr");
		} else if (!strcmp(k, "targets")) {
			if ((rc = want(y, v, YAML_SEQUENCE_NODE, "contexts[].targets")))
				return rc;
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				yaml_node_t *t = node(y, *it), *tv;
				const char *tk;

				if ((rc = want(y, t, YAML_MAPPING_NODE, "targets[]")))
					return rc;
				FOR_MAP(y, t, tk, tv) {
					char e[NW_ERRLEN];

					if (tk && !strcmp(tk, "pid")) {
						if (c->nr_pids == NW_MAX_PIDS)
							return fail(y, tv, "more than %d targets", NW_MAX_PIDS);
						if (!scalar(tv) ||
						    parse_pid(scalar(tv), &c->pids[c->nr_pids], e))
							return fail(y, tv, "targets[].pid: bad pid '%s'",
								    scalar(tv) ? scalar(tv) : "?");
						c->nr_pids++;
					} else if (tk && !strcmp(tk, "regions")) {
						if ((rc = want(y, tv, YAML_SEQUENCE_NODE, "targets[].regions")))
							return rc;
						for (yaml_node_item_t *ri = tv->data.sequence.items.start;
						     ri < tv->data.sequence.items.top; ri++) {
							yaml_node_t *r = node(y, *ri), *rv;
							const char *rk;
							uint64_t a = 0, b = 0;

							if ((rc = want(y, r, YAML_MAPPING_NODE, "regions[]")))
								return rc;
							FOR_MAP(y, r, rk, rv) {
								if (rk && !strcmp(rk, "start"))
									rc = get_u64(y, rv, "regions[].start", &a);
								else if (rk && !strcmp(rk, "end"))
									rc = get_u64(y, rv, "regions[].end", &b);
								if (rc)
									return rc;
							}
							if (b <= a)
								return fail(y, r, "regions[] needs start < end");
							if (c->nr_filters == NW_MAX_FILTERS)
								return fail(y, r, "too many regions");
							c->filters[c->nr_filters++] =
								(struct addr_filter){ a, b, true };
						}
					} else {
						warn(y, tv, "targets[]", tk ? tk : "?", "is not supported");
					}
				}
			}
		} else if (!strcmp(k, "intervals")) {
			;
		} else if (!strcmp(k, "nr_regions")) {
			warn(y, v, "contexts[]", k, "has no effect: numaweave's regions are 2 MiB");
		} else if (!strcmp(k, "schemes")) {
			schemes = v;
		} else {
			warn(y, v, "contexts[]", k, "is not supported");
		}
	}
	if (!schemes)
		return fail(y, n, "contexts[] has no schemes");
	if ((rc = want(y, schemes, YAML_SEQUENCE_NODE, "contexts[].schemes")))
		return rc;
	if (schemes->data.sequence.items.top - schemes->data.sequence.items.start != 1)
		return fail(y, schemes, "exactly one scheme is supported, found %d",
			    (int)(schemes->data.sequence.items.top - schemes->data.sequence.items.start));
	return parse_scheme(y, node(y, schemes->data.sequence.items.start[0]), c);
}

int config_load_yaml(const char *path, struct nw_config *c, void (*warnf)(const char *msg),
		     char *err, int errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	rc = config_load_yaml_file(f, c, warnf, err, errlen);
	fclose(f);
	return rc;
}

int config_load_yaml_file(FILE *f, struct nw_config *c, void (*warnf)(const char *msg),
			  char *err, int errlen)
{
	struct ycx y = { .warn = warnf, .err = err, .errlen = errlen, .aggr_us = 100000 };
	yaml_parser_t parser;
	yaml_node_t *root, *v, *kd, *ctxs = NULL;
	const char *k;
	int rc = 0;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &y.doc)) {
		snprintf(err, errlen, "line %zu, column %zu: %s", parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	root = yaml_document_get_root_node(&y.doc);
	if (!root) {
		rc = fail(&y, NULL, "empty file");
		goto out;
	}
	if ((rc = want(&y, root, YAML_MAPPING_NODE, "the top level")))
		goto out;
	FOR_MAP(&y, root, k, v) {
		if (k && !strcmp(k, "kdamonds"))
			ctxs = v;
		else
			warn(&y, v, "", k ? k : "?", "is not supported");
	}
	if (!ctxs) {
		rc = fail(&y, root, "no kdamonds");
		goto out;
	}
	if ((rc = want(&y, ctxs, YAML_SEQUENCE_NODE, "kdamonds")))
		goto out;
	if (ctxs->data.sequence.items.top - ctxs->data.sequence.items.start != 1) {
		rc = fail(&y, ctxs, "exactly one kdamond is supported");
		goto out;
	}
	kd = node(&y, ctxs->data.sequence.items.start[0]);
	if ((rc = want(&y, kd, YAML_MAPPING_NODE, "kdamonds[]")))
		goto out;
	ctxs = NULL;
	FOR_MAP(&y, kd, k, v) {
		if (k && !strcmp(k, "contexts"))
			ctxs = v;
		else if (k && (!strcmp(k, "state") || !strcmp(k, "pid")))
			;	/* damo's run-time fields */
		else
			warn(&y, v, "kdamonds[]", k ? k : "?", "is not supported");
	}
	if (!ctxs || (rc = want(&y, ctxs, YAML_SEQUENCE_NODE, "kdamonds[].contexts"))) {
		rc = rc ? rc : fail(&y, kd, "kdamonds[] has no contexts");
		goto out;
	}
	if (ctxs->data.sequence.items.top - ctxs->data.sequence.items.start != 1) {
		rc = fail(&y, ctxs, "exactly one context is supported");
		goto out;
	}
	rc = parse_context(&y, node(&y, ctxs->data.sequence.items.start[0]), c);
out:
	yaml_document_delete(&y.doc);
	yaml_parser_delete(&parser);
	return rc;
}
