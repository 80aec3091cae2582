// SPDX-License-Identifier: GPL-2.0
/*
 * status_prom.c — `numaweave status --prometheus`: the text exposition format
 * node_exporter's textfile collector reads. Memory in bytes, time in seconds,
 * counters (and only they) named *_total; the scalars come from the counter
 * table (counters.c), per-policy series carry a policy label.
 */
#include <stdio.h>
#include <string.h>
#include "counters.h"
#include "moves.h"
#include "status.h"
#include "status_heat.h"
#include "version.h"

/* One metric's HELP and TYPE lines. */
static void prom_head(const char *name, const char *type, const char *help)
{
	printf("# HELP numaweave_%s %s\n# TYPE numaweave_%s %s\n", name, help, name, type);
}

static void prom_one(const char *name, const char *type, const char *help, uint64_t v)
{
	prom_head(name, type, help);
	printf("numaweave_%s %llu\n", name, (unsigned long long)v);
}


/* Each auto policy's gauges, labelled by its name (run's: policy="", no label to Prometheus). */
static void prom_auto(const struct nw_ctl_stats *c)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "auto_paused", "gauge", "1 while a manual edit holds the policy's weights" },
		{ "auto_spill_ratio", "gauge", "share of pages kept off the home node" },
		{ "auto_changes_total", "counter", "weight changes by the controller" },
		{ "auto_latency_seconds", "gauge",
		  "loaded latency the controller balances, home and the others (latency law)" },
	};
	int n = 0;

	while (n < NW_AUTO_POL && c->autow_pol[n].a.state)
		n++;
	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]) && n; k++) {
		prom_head(m[k].name, m[k].type, m[k].help);
		for (int i = 0; i < n; i++) {
			const struct nw_auto *a = &c->autow_pol[i].a;
			int pl = (int)strnlen(c->autow_pol[i].policy, sizeof(c->autow_pol[i].policy));
			const char *pn = c->autow_pol[i].policy;

			if (k == 0)
				printf("numaweave_%s{policy=\"%.*s\"} %d\n", m[k].name, pl, pn,
				       a->state == 2);
			else if (k == 1)
				printf("numaweave_%s{policy=\"%.*s\"} %.6f\n", m[k].name, pl, pn,
				       a->spill_permil / 1000.0);
			else if (k == 2)
				printf("numaweave_%s{policy=\"%.*s\"} %llu\n", m[k].name, pl, pn,
				       (unsigned long long)a->changes);
			else if (a->law)
				printf("numaweave_%s{policy=\"%.*s\",side=\"home\"} %.9f\n"
				       "numaweave_%s{policy=\"%.*s\",side=\"others\"} %.9f\n",
				       m[k].name, pl, pn, a->lat_home_ns / 1e9, m[k].name, pl, pn,
				       a->lat_others_ns / 1e9);
		}
	}
}

#define PG 4096ull	/* bytes in a page: the counters count 4 KiB pages */

/* A per-node metric, for nodes with pages, moves or a weight; each value times scale. */
static void prom_nodes(const char *name, const char *type, const char *help, const __u64 *v64,
		       const __u32 *v32, const struct nw_ctl_stats *c, uint64_t scale)
{
	prom_head(name, type, help);
	for (int n = 0; n < NW_MAX_NODES; n++)
		if (c->pages_on[n] || c->moved_to[n] || c->weights[n])
			printf("numaweave_%s{node=\"%d\"} %llu\n", name, n,
			       (unsigned long long)(v64 ? v64[n] : v32[n]) * scale);
}

/* The policy a published target belongs to, "" if none (pn: room for a name). */
static const char *tpage_policy(const struct nw_ctl_stats *c, int i, char *pn)
{
	uint32_t k = c->tpages[i].policy;

	if (!k || k > NW_POL_STATS)
		return "";
	return MAP_STR(pn, c->pols[k - 1].name);
}

/* Each policy's series, labelled policy="NAME" (run's: ""); only: one policy. */
static void prom_policies(const struct nw_ctl_stats *c, const char *only)
{
	static const char *const m[][3] = {
		{ "policy_weight", "gauge", "weight in force per node" },
		{ "policy_resident_bytes", "gauge", "its targets' resident memory per node, bytes" },
		{ "policy_quota_bytes_per_second", "gauge", "move quota, 0 = unlimited" },
		{ "policy_targets", "gauge", "processes it places" },
		{ "policy_moved_bytes_total", "counter", "memory it moved, bytes" },
		{ "policy_failed_bytes_total", "counter", "memory it could not move, bytes" },
		{ "policy_paused", "gauge", "1 while all its weights are 0" },
	};

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		prom_head(m[k][0], m[k][1], m[k][2]);
		for (uint32_t i = 0; i < c->npols && i < NW_POL_STATS; i++) {
			const struct nw_pol_stats *ps = &c->pols[i];
			char pn[sizeof(ps->name) + 1];
			uint64_t v;

			if (!pol_shown(ps, only))
				continue;
			MAP_STR(pn, ps->name);
			for (int n = 0; k < 2 && n < NW_MAX_NODES; n++)
				if (ps->pages_on[n] || ps->weights[n])
					printf("numaweave_%s{policy=\"%s\",node=\"%d\"} %llu\n",
					       m[k][0], pn, n, (unsigned long long)(k ?
					       ps->pages_on[n] * PG : ps->weights[n]));
			if (k < 2)
				continue;
			v = k == 2 ? ps->quota_bytes : k == 3 ? ps->targets : k == 4 ?
			    ps->bytes_moved : k == 5 ? ps->pages_failed * PG : ps->paused;
			printf("numaweave_%s{policy=\"%s\"} %llu\n", m[k][0], pn,
			       (unsigned long long)v);
		}
	}
}

/* The Prometheus text exposition format (for node_exporter's textfile collector). */
/* Each target's 2 MiB regions by heat class. */
static void prom_targets_heat(const struct nw_ctl_stats *c)
{
	static const char *const cls[] = { "hot", "warm", "idle", "unknown" };

	prom_head("target_heat_regions", "gauge", "2 MiB regions per target by heat class");
	for (int i = 0; i < NW_TPAGES && c->tpages[i].pid; i++) {
		const __u32 n[] = { c->tpages[i].regions_hot, c->tpages[i].regions_warm,
				    c->tpages[i].regions_idle, c->tpages[i].regions_unknown };

		for (int k = 0; k < 4 && !c->tpages[i].gone; k++)
			printf("numaweave_target_heat_regions{pid=\"%u\",class=\"%s\"} %u\n",
			       c->tpages[i].pid, cls[k], n[k]);
	}
}

void status_prometheus(const struct status *st, bool have, const char *only)
{
	const struct nw_ctl_stats *c = &st->s.ctl;
	char pn[sizeof(c->pols[0].name) + 1];

	prom_one("up", "gauge", "1 while a controller holds the pin dir", have && st->running);
	prom_head("build_info", "gauge", "the release and commit of this numaweave, value 1");
	printf("numaweave_build_info{version=\"%s\",commit=\"%s\"} 1\n", NW_VERSION, NW_COMMIT);
	if (!have)
		return;
	counters_prom(&st->s);	/* the scalars, from the one table (counters.c) */
	prom_head("cpu_seconds_total", "counter",
		  "the controller's CPU time: all, and scanning, moving, taking in events");
	printf("numaweave_cpu_seconds_total{phase=\"all\"} %.6f\n", c->cpu_ns / 1e9);
	printf("numaweave_cpu_seconds_total{phase=\"scan\"} %.6f\n", c->cpu_scan_ns / 1e9);
	printf("numaweave_cpu_seconds_total{phase=\"move\"} %.6f\n", c->cpu_move_ns / 1e9);
	printf("numaweave_cpu_seconds_total{phase=\"events\"} %.6f\n", c->cpu_events_ns / 1e9);
	prom_head("failed_bytes_total", "counter", "memory that could not move, bytes, by reason");
	for (int i = 0; i < NW_FAIL_MAX; i++)
		printf("numaweave_failed_bytes_total{reason=\"%s\"} %llu\n", fail_reason_name(i),
		       (unsigned long long)c->failed[i] * PG);
	prom_nodes("weight", "gauge", "weight in force per node", NULL, c->weights, c, 1);
	prom_nodes("resident_bytes", "gauge", "targets' resident memory per node, last pass, bytes",
		   c->pages_on, NULL, c, PG);
	prom_nodes("moved_to_bytes_total", "counter", "memory moved to each node, bytes",
		   c->moved_to, NULL, c, PG);
	prom_head("heat_regions", "gauge",
		  "2 MiB regions by heat class and the source that put them there, last pass");
	for (int cls = 0; cls < NW_CLS_MAX; cls++)
		for (int src = 0; src < NW_RSRC_MAX; src++)
			if (c->class_src[cls][src] || (src == NW_RSRC_NONE) == (cls == NW_CLS_UNKNOWN))
				printf("numaweave_heat_regions{class=\"%s\",source=\"%s\"} %u\n",
				       heat_class_name(cls), heat_source_name(src),
				       c->class_src[cls][src]);
	prom_one("heat_sees_reads", "gauge", "1 when a heat source sees reads",
		 !!(c->heat_sources & NW_HEAT_READS));
	prom_auto(c);
	prom_one("targets", "gauge", "processes followed", st->ntg);
	prom_head("target_resident_bytes", "gauge", "resident memory per target and node, bytes");
	for (int i = 0; i < NW_TPAGES && c->tpages[i].pid; i++)
		for (int n = 0; n < NW_MAX_NODES; n++)
			if (!c->tpages[i].gone && (c->tpages[i].pages[n] || c->weights[n]))
				printf("numaweave_target_resident_bytes{pid=\"%u\",policy=\"%s\","
				       "node=\"%d\"} %llu\n", c->tpages[i].pid,
				       tpage_policy(c, i, pn), n,
				       (unsigned long long)c->tpages[i].pages[n] * PG);
	prom_targets_heat(c);
	prom_policies(c, only);
}
