// SPDX-License-Identifier: GPL-2.0
/*
 * config_scheme.c — one DAMOS scheme of damo's YAML: action, dests (the
 * weights), access pattern, quotas, filters.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_scheme.h"
#include "parse.h"

static int min_max(struct ycx *y, yaml_node_t *n, const char *path, const char *what,
		   int (*one)(struct ycx *, yaml_node_t *, const char *, void *), void *lo,
		   void *hi)
{
	const char *k;
	yaml_node_t *v;
	char sub[128];
	int rc;

	if ((rc = ywant(y, n, YAML_MAPPING_NODE, path)))
		return rc;
	FOR_MAP(y, n, k, v) {
		snprintf(sub, sizeof(sub), "%s.%s", path, k ? k : "?");
		if (k && !strcmp(k, "min"))
			rc = one(y, v, sub, lo);
		else if (k && !strcmp(k, "max"))
			rc = one(y, v, sub, hi);
		else {
			ywarn(y, v, path, k ? k : "?", "is not supported");
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
	return yget_u64(y, n, path, out);
}

static int one_acc(struct ycx *y, yaml_node_t *n, const char *path, void *out)
{
	char e[NW_ERRLEN];
	int pct;

	if (!yscalar(n))
		return yfail(y, n, "%s must be a count or a percent", path);
	if (parse_percent_or_count(yscalar(n), out, &pct, e))
		return yfail(y, n, "%s: %s", path, e);
	/* a percent travels as -1 - value; acc_units() decodes it */
	if (pct && !isinf(*(double *)out))	/* damo's max percent is no limit, in any unit */
		*(double *)out = -1.0 - *(double *)out;	/* decoded by the caller */
	return 0;
}

static int one_age(struct ycx *y, yaml_node_t *n, const char *path, void *out)
{
	const char *s = yscalar(n);
	char *end;

	if (s && *s && strtoull(s, &end, 10) != ULLONG_MAX && !*end && s[0] != '-') {
		/* a bare count is a number of aggregation intervals */
		uint64_t cnt = strtoull(s, NULL, 10);

		if (y->aggr_us && cnt > UINT64_MAX / 2 / y->aggr_us)
			return yfail(y, n, "%s: %s aggregation intervals is too long", path, s);
		*(uint64_t *)out = cnt * y->aggr_us;
		return 0;
	}
	return yget_dur(y, n, path, out);
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

	if ((rc = ywant(y, n, YAML_SEQUENCE_NODE, "schemes[].dests")))
		return rc;
	if (n->data.sequence.items.top == n->data.sequence.items.start)
		return 0;	/* damo writes "dests: []" beside a target_nid */
	memset(c->weights, 0, sizeof(c->weights));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *d = ynode(y, *it), *v;
		uint64_t nid = UINT64_MAX, w = UINT64_MAX;
		const char *k;

		if ((rc = ywant(y, d, YAML_MAPPING_NODE, "schemes[].dests[]")))
			return rc;
		FOR_MAP(y, d, k, v) {
			if (k && (!strcmp(k, "nid") || !strcmp(k, "id")))
				rc = yget_u64(y, v, "dests[].nid", &nid);
			else if (k && !strcmp(k, "weight"))
				rc = yget_u64(y, v, "dests[].weight", &w);
			else {
				ywarn(y, v, "schemes[].dests[]", k ? k : "?", "is not supported");
				rc = 0;
			}
			if (rc)
				return rc;
		}
		if (nid == UINT64_MAX || w == UINT64_MAX)
			return yfail(y, d, "schemes[].dests[] needs nid and weight");
		if (nid >= NW_MAX_NODES)
			return yfail(y, d, "dests[].nid %llu out of range (0-%d)",
				    (unsigned long long)nid, NW_MAX_NODES - 1);
		if (w > NW_WEIGHT_MAX)
			return yfail(y, d, "dests[].weight %llu out of range (0-%u)",
				    (unsigned long long)w, NW_WEIGHT_MAX);
		if (c->weights[nid])
			return yfail(y, d, "dests[] names node %llu twice", (unsigned long long)nid);
		c->weights[nid] = (uint32_t)w;
	}
	c->have_weights = true;
	return 0;
}

/* A YAML boolean as damo writes it. */
static int ybool(struct ycx *y, yaml_node_t *v, const char *path, bool *out)
{
	const char *s = yscalar(v);

	if (s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "yes")))
		*out = true;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "no")))
		*out = false;
	else
		return yfail(y, v, "%s must be true or false", path);
	return 0;
}

static int parse_range(struct ycx *y, yaml_node_t *range, uint64_t *start, uint64_t *end)
{
	const char *rk;
	yaml_node_t *rv;
	int rc;

	if (yis_null(range))
		return 0;
	if ((rc = ywant(y, range, YAML_MAPPING_NODE, "filters[].address_range")))
		return rc;
	FOR_MAP(y, range, rk, rv) {
		if (rk && !strcmp(rk, "start"))
			rc = yget_u64(y, rv, "address_range.start", start);
		else if (rk && !strcmp(rk, "end"))
			rc = yget_u64(y, rv, "address_range.end", end);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * DAMOS filters, in order, with damo's `allow:` (default false: a filter
 * rejects what it matches, as DAMOS filters did before allow existed).
 */
static int parse_filters(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	int rc;

	if ((rc = ywant(y, n, YAML_SEQUENCE_NODE, "schemes[].filters")))
		return rc;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *f = ynode(y, *it), *v, *range = NULL;
		struct damos_filter df = { .matching = true };
		const char *k, *type = NULL;

		if ((rc = ywant(y, f, YAML_MAPPING_NODE, "schemes[].filters[]")))
			return rc;
		FOR_MAP(y, f, k, v) {
			if (k && (!strcmp(k, "filter_type") || !strcmp(k, "type")))
				type = yscalar(v);
			else if (k && !strcmp(k, "matching"))
				rc = ybool(y, v, "filters[].matching", &df.matching);
			else if (k && !strcmp(k, "allow"))
				rc = ybool(y, v, "filters[].allow", &df.allow);
			else if (k && !strcmp(k, "address_range"))
				range = v;
			else if (k && !strcmp(k, "addr_start"))
				rc = yget_u64(y, v, "filters[].addr_start", &df.start);
			else if (k && !strcmp(k, "addr_end"))
				rc = yget_u64(y, v, "filters[].addr_end", &df.end);
			else
				ywarn(y, v, "schemes[].filters[]", k ? k : "?", "is not supported");
			if (rc)
				return rc;
		}
		if (!type)
			return yfail(y, f, "schemes[].filters[] needs filter_type");
		if (!strcmp(type, "anon")) {
			df.type = NW_FILTER_ANON;
		} else if (!strcmp(type, "addr")) {
			df.type = NW_FILTER_ADDR;
			if ((rc = parse_range(y, range, &df.start, &df.end)))
				return rc;
			if (df.end <= df.start)
				return yfail(y, f, "addr filter needs start < end");
		} else {
			return yfail(y, f, "filter_type '%s' not supported (addr, anon)", type);
		}
		if (c->nr_dfilters == NW_MAX_FILTERS)
			return yfail(y, f, "more than %d filters", NW_MAX_FILTERS);
		c->dfilters[c->nr_dfilters++] = df;
	}
	return 0;
}

static int parse_quotas(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	const char *k;
	yaml_node_t *v;
	int rc = 0;

	if ((rc = ywant(y, n, YAML_MAPPING_NODE, "schemes[].quotas")))
		return rc;
	FOR_MAP(y, n, k, v) {
		if (k && !strcmp(k, "sz_bytes"))
			rc = yget_u64(y, v, "quotas.sz_bytes", &c->quota_bytes);
		else if (k && !strcmp(k, "time_ms"))
			rc = yget_ms(y, v, "quotas.time_ms", &c->quota_time_ms);
		else if (k && !strcmp(k, "reset_interval_ms"))
			rc = yget_ms(y, v, "quotas.reset_interval_ms", &c->quota_reset_ms);
		else if (k && (!strcmp(k, "weights") || !strcmp(k, "goals") ||
			       !strcmp(k, "effective_sz_bytes")))
			ywarn(y, v, "schemes[].quotas", k, "is not supported (ignored)");
		else
			ywarn(y, v, "schemes[].quotas", k ? k : "?", "is not supported");
		if (rc)
			return rc;
	}
	if (c->quota_bytes == UINT64_MAX)
		c->quota_bytes = 0;
	return 0;
}

/*
 * nr_accesses as counts or percents: min and max in one unit. A zero is the
 * same in both (0 % of the maximum is 0 accesses), so it takes the other's;
 * any other mix is refused (a percent of what maximum is not known here).
 */
static int acc_units(struct ycx *y, yaml_node_t *n, struct access_pattern *ap)
{
	bool min_pct = false, max_pct = false;

	ap->acc_min = decode_acc(ap->acc_min, &min_pct);
	ap->acc_max = decode_acc(ap->acc_max, &max_pct);
	if (min_pct == max_pct)
		ap->acc_pct = min_pct;
	else if (min_pct && isinf(ap->acc_max))
		ap->acc_pct = true;		/* max left at its default */
	else if (ap->acc_min == 0)
		ap->acc_pct = max_pct;		/* a zero min takes max's unit */
	else
		return yfail(y, n, "access_pattern.nr_accesses: min and max must both be counts "
			     "or both percents");
	return 0;
}

static int parse_access_pattern(struct ycx *y, yaml_node_t *v, struct nw_config *c)
{
	const char *ak;
	yaml_node_t *av;
	int rc;

	if ((rc = ywant(y, v, YAML_MAPPING_NODE, "schemes[].access_pattern")))
		return rc;
	FOR_MAP(y, v, ak, av) {
		if (ak && !strcmp(ak, "sz_bytes"))
			rc = min_max(y, av, "access_pattern.sz_bytes", "size", one_size,
				     &c->ap.sz_min, &c->ap.sz_max);
		else if (ak && !strcmp(ak, "nr_accesses"))
			rc = min_max(y, av, "access_pattern.nr_accesses", "count", one_acc,
				     &c->ap.acc_min, &c->ap.acc_max);
		else if (ak && !strcmp(ak, "age"))
			rc = min_max(y, av, "access_pattern.age", "age", one_age, &c->ap.age_min_us,
				     &c->ap.age_max_us);
		else
			ywarn(y, av, "schemes[].access_pattern", ak ? ak : "?", "is not supported");
		if (rc)
			return rc;
	}
	if ((rc = acc_units(y, v, &c->ap)))
		return rc;
	if (c->ap.sz_min > c->ap.sz_max || c->ap.acc_min > c->ap.acc_max ||
	    c->ap.age_min_us > c->ap.age_max_us)
		return yfail(y, v, "access_pattern has a min above its max");
	return 0;
}

/* target_nid: one destination, weight 1, unless dests named several. */
static int parse_target_nid(struct ycx *y, yaml_node_t *v, struct nw_config *c)
{
	const char *s = yscalar(v);
	uint64_t nid;
	int rc;

	if (yis_null(v) || (s && !strcmp(s, "-1")))
		return 0;
	if ((rc = yget_u64(y, v, "schemes[].target_nid", &nid)))
		return rc;
	if (nid >= NW_MAX_NODES)
		return yfail(y, v, "target_nid %llu out of range", (unsigned long long)nid);
	if (!c->have_weights) {
		memset(c->weights, 0, sizeof(c->weights));
		c->weights[nid] = 1;
		c->have_weights = true;
	}
	return 0;
}

int config_parse_scheme(struct ycx *y, yaml_node_t *n, struct nw_config *c)
{
	const char *k;
	yaml_node_t *v;
	int rc = 0;

	if ((rc = ywant(y, n, YAML_MAPPING_NODE, "schemes[]")))
		return rc;
	FOR_MAP(y, n, k, v) {
		const char *s = yscalar(v);

		if (!k) {
			ywarn(y, v, "schemes[]", "?", "is not a string key");
		} else if (!strcmp(k, "action")) {
			if (!s)
				return yfail(y, v, "schemes[].action must be a string");
			if (!strcmp(s, "migrate_hot"))
				c->action = NW_MIGRATE_HOT;
			else if (!strcmp(s, "migrate_cold"))
				c->action = NW_MIGRATE_COLD;
			else
				return yfail(y, v, "action '%s' not supported (migrate_hot, migrate_cold)", s);
		} else if (!strcmp(k, "dests")) {
			rc = parse_dests(y, v, c);
		} else if (!strcmp(k, "auto_weights")) {
			/* numaweave's own key: weights from measured bandwidth (SENSOR) */
			if (!s || !*s || strlen(s) + 5 >= sizeof(c->auto_spec))
				return yfail(y, v, "schemes[].auto_weights: a sensor, e.g. resctrl "
					     "or file:/run/numaweave-bw");
			/* "auto": the sensor the machine offers */
			snprintf(c->auto_spec, sizeof(c->auto_spec), strcmp(s, "auto") ? "auto:%s" :
				 "%s", s);
		} else if (!strcmp(k, "target_nid")) {
			rc = parse_target_nid(y, v, c);
		} else if (!strcmp(k, "access_pattern")) {
			rc = parse_access_pattern(y, v, c);
		} else if (!strcmp(k, "quotas")) {
			rc = parse_quotas(y, v, c);
		} else if (!strcmp(k, "filters") || !strcmp(k, "core_filters") ||
			   !strcmp(k, "ops_filters")) {
			rc = parse_filters(y, v, c);
		} else {
			ywarn(y, v, "schemes[]", k, "is not supported (ignored)");
		}
		if (rc)
			return rc;
	}
	if (c->auto_spec[0] && c->have_weights) {
		ywarn(y, n, "schemes[]", "dests", "and target_nid are ignored: auto_weights sets "
		      "the weights");
		c->have_weights = false;
		memset(c->weights, 0, sizeof(c->weights));
	}
	return 0;
}

