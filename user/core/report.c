// SPDX-License-Identifier: GPL-2.0
/*
 * report.c — what a run tells: the counters published to the stats map once
 * per pass (with the per-target pages and the hottest regions), the -v line
 * per pass and at start-up, and the JSON of `run --once --json`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "core.h"
#include "recpub.h"
#include "counters.h"
#include "json.h"
#include "log.h"

/* Keep the NW_HOT hottest, hottest first. */
static void hot_insert(struct nw_hot *hot, int *n, const struct nw_hot *x)
{
	int j;

	if (*n == NW_HOT && x->score_x100 <= hot[NW_HOT - 1].score_x100)
		return;
	j = *n < NW_HOT ? (*n)++ : NW_HOT - 1;
	while (j > 0 && hot[j - 1].score_x100 < x->score_x100) {
		hot[j] = hot[j - 1];
		j--;
	}
	hot[j] = *x;
}

/* Colder: less heat, then idle for longer, then lower address. */
static bool colder(const struct nw_cold *a, const struct nw_cold *b)
{
	if (a->heat_x100 != b->heat_x100)
		return a->heat_x100 < b->heat_x100;
	if (a->age_ms != b->age_ms)
		return a->age_ms > b->age_ms;
	return a->addr < b->addr;
}

/* Keep the NW_HOT coldest, coldest first. */
static void cold_insert(struct nw_cold *cold, int *n, const struct nw_cold *x)
{
	int j;

	if (*n == NW_HOT && !colder(x, &cold[NW_HOT - 1]))
		return;
	j = *n < NW_HOT ? (*n)++ : NW_HOT - 1;
	while (j > 0 && colder(x, &cold[j - 1])) {
		cold[j] = cold[j - 1];
		j--;
	}
	cold[j] = *x;
}

/*
 * One walk of the heat table per pass: the hottest regions by fault score,
 * regions by heat class (the best source's heat, policy_region_heat), and the
 * coldest ones.
 */
/* The published entry of target pid, or a scratch one past the first NW_TPAGES. */
static struct nw_tpages *tpages_of(struct nw_ctl_stats *c, uint32_t pid)
{
	static struct nw_tpages unlisted;

	for (int i = 0; i < NW_TPAGES && c->tpages[i].pid; i++)
		if (c->tpages[i].pid == pid)
			return &c->tpages[i];
	return &unlisted;
}

static void heat_summary(const struct heat *h, struct nw_ctl_stats *c, uint64_t interval_us,
			 struct recpub *rp)
{
	int nh = 0, nc = 0;

	memset(c->hot, 0, sizeof(c->hot));
	memset(c->cold, 0, sizeof(c->cold));
	memset(c->class_src, 0, sizeof(c->class_src));
	c->regions_hot = c->regions_warm = c->regions_idle = c->regions_unknown = 0;
	for (int i = 0; i < NW_TPAGES; i++)
		c->tpages[i].regions_hot = c->tpages[i].regions_warm = c->tpages[i].regions_idle =
			c->tpages[i].regions_unknown = 0;
	for (uint64_t i = 0; i < h->cap; i++) {
		const struct region *r = &h->tab[i];
		enum nw_region_src src;
		enum nw_region_class cls;
		struct nw_tpages *tp;
		float heat;

		if (!r->key)
			continue;
		if (r->score >= 0.01f)
			hot_insert(c->hot, &nh, &(struct nw_hot){ region_tgid(r), r->last_nr,
					region_addr(r), (uint64_t)(r->score * 100) });
		heat = policy_region_heat(r, h->now);
		src = policy_region_source(r, h->now, c->heat_sources);
		tp = tpages_of(c, region_tgid(r));
		if (heat >= POLICY_HEAT_HOT) {
			cls = NW_CLS_HOT;
			c->regions_hot++;
			tp->regions_hot++;
		} else if (heat >= POLICY_HEAT_WARM) {
			cls = NW_CLS_WARM;
			c->regions_warm++;
			tp->regions_warm++;
		} else if (src == NW_RSRC_NONE) {
			cls = NW_CLS_UNKNOWN;	/* not idle: no read source has reached it */
			c->regions_unknown++;
			tp->regions_unknown++;
		} else {
			cls = NW_CLS_IDLE;
			c->regions_idle++;
			tp->regions_idle++;
		}
		c->class_src[cls][src]++;
		recpub_put(rp, r, cls, src, heat, policy_region_age_us(r, h->now, interval_us));
		if (cls != NW_CLS_UNKNOWN)
			cold_insert(c->cold, &nc, &(struct nw_cold){ region_tgid(r),
					(uint32_t)(heat * 100), region_addr(r),
					policy_region_age_us(r, h->now, interval_us) / 1000, src, 0 });
	}
}

const struct pol *engine_main_pol(const struct engine *e)
{
	static const struct pol none;

	return e->npols ? e->pols[0] : &none;
}

/* What status shows of controller ac: its last decision and state. */
static void auto_status(const struct autoctl *ac, struct nw_auto *d)
{
	memset(d, 0, sizeof(*d));
	d->state = ac->paused ? 2 : 1;
	d->home = (uint32_t)ac->a.home;
	d->spill_permil = (uint32_t)(ac->a.s * 1000 + 0.5);
	d->u_home_permil = (uint32_t)(ac->a.u_home * 1000 + 0.5);
	d->u_others_permil = isinf(ac->a.u_others) ? 0 : (uint32_t)(ac->a.u_others * 1000 + 0.5);
	d->law = ac->a.by_latency;
	d->lat_home_ns = ac->a.by_latency ? (uint32_t)fmin(ac->a.l_home, 4e9) : 0;
	d->lat_others_ns = ac->a.by_latency && isfinite(ac->a.l_others) ?
			   (uint32_t)fmin(ac->a.l_others, 4e9) : 0;
	d->decisions = ac->a.decisions;
	d->changes = ac->a.changes;
	snprintf(d->sensor, sizeof(d->sensor), "%s", ac->s.name);
	snprintf(d->why, sizeof(d->why), "%s", ac->a.why ? ac->a.why : "");
}

/* Each policy's settings and counters, for status (issue 28: controller-wide only). */
static void pols_publish(struct engine *e)
{
	struct nw_ctl_stats *c = &e->ctl;

	c->npols = e->npols < NW_POL_STATS ? e->npols : NW_POL_STATS;
	memset(c->pols, 0, sizeof(c->pols));
	for (uint32_t k = 0; k < c->npols; k++) {
		const struct pol *p = e->pols[k];
		struct nw_pol_stats *ps = &c->pols[k];
		struct nw_auto a = {};

		snprintf(ps->name, sizeof(ps->name), "%s", p->name);
		snprintf(ps->file, sizeof(ps->file), "%s", p->file);
		memcpy(ps->weights, p->ws.force, sizeof(ps->weights));
		ps->quota_bytes = config_quota_bps(&p->cfg);
		ps->quota_time_ms = p->cfg.quota_time_ms;
		ps->quota_reset_ms = p->cfg.quota_reset_ms;
		ps->action = p->cfg.action;
		ps->paused = p->paused;
		if (p->ac) {
			auto_status(p->ac, &a);
			ps->auto_state = a.state;
		}
		ps->pages_moved = p->moved;
		ps->pages_failed = p->failed;
		ps->bytes_moved = p->bytes;
	}
	for (size_t i = 0; i < e->ts.n; i++) {
		const struct target *t = e->ts.t[i];

		for (uint32_t k = 0; k < c->npols && !t->gone; k++) {
			if (t->pol != e->pols[k])
				continue;
			c->pols[k].targets++;
			for (int n = 0; n < NW_MAX_NODES; n++)
				c->pols[k].pages_on[n] += t->per_node[n];
		}
	}
}

void report_publish(struct engine *e)
{
	struct nw_ctl_stats *c = &e->ctl;

	for (size_t i = 0; i < NW_TPAGES; i++) {
		struct nw_tpages *tp = &c->tpages[i];

		if (i >= e->ts.n) {
			memset(tp, 0, sizeof(*tp));
			continue;
		}
		tp->pid = e->ts.t[i]->pid;
		tp->gone = e->ts.t[i]->gone;
		tp->policy = 0;
		for (int k = 0; k < e->npols && k < NW_POL_STATS; k++)
			if (e->ts.t[i]->pol == e->pols[k])
				tp->policy = k + 1;
		memcpy(tp->pages, e->ts.t[i]->per_node, sizeof(tp->pages));
	}
	pols_publish(e);
	/* every auto policy's decision, in the policies' order; `auto` is the first's */
	memset(c->autow_pol, 0, sizeof(c->autow_pol));
	for (int i = 0, k = 0; i < e->npols && k < NW_AUTO_POL; i++) {
		if (!e->pols[i]->ac)
			continue;
		snprintf(c->autow_pol[k].policy, sizeof(c->autow_pol[k].policy), "%s",
			 e->pols[i]->name);
		auto_status(e->pols[i]->ac, &c->autow_pol[k++].a);
	}
	c->autow = c->autow_pol[0].a;
	{
		struct recpub rp;

		recpub_begin(e, &rp);
		heat_summary(&e->heat, c, e->o->cfg.interval_us, &rp);
		recpub_end(e, &rp);
	}
	c->heat_refused = e->heat.refused;
	c->damon_moved = e->heat.damon_moved;
	c->targets_refused = e->ts.refused;
	c->cpu_ns = nw_process_cpu_ns();
	c->weights_pending = engine_main_pol(e)->ws.pending;
	/* the table status shows: the first policy's (it may have changed with a reload) */
	memcpy(c->weights, engine_main_pol(e)->ws.force, sizeof(c->weights));
	c->weights_gen = engine_main_pol(e)->gen;
	memcpy(&e->ld.stats->ctl, c, sizeof(*c));
}

/*
 * Between a long pass's move_pages(2) calls: a recorder that waits gets the
 * regions as they stand, at most once an interval. Without it a pass that
 * moved for longer than the recording (192 MiB at the emulated tier's copy
 * speed, or a node drained on hardware) left `record` without a frame. Only
 * the regions map is written (the classes are counted into a scratch copy).
 */
static void report_regions_midpass(struct engine *e)
{
	static struct nw_ctl_stats scratch;
	const struct nw_rec_ctl *rc = &e->ld.stats->rec;
	uint64_t now = nw_now_ns();
	struct recpub rp;

	/* recpub_begin: only while a recorder wants regions */
	if (now - rc->at_ns < e->o->cfg.interval_us * 1000 || !recpub_begin(e, &rp))
		return;
	scratch = e->ctl;
	heat_summary(&e->heat, &scratch, e->o->cfg.interval_us, &rp);
	recpub_end(e, &rp);
}

/*
 * The moves so far: cumulative counters, the whole and each policy's, so a
 * long pass's progress shows in status (pages moved rising, passes not yet)
 * instead of nothing until its end; the rest of status (pages per node,
 * classes) waits for the end.
 */
static void report_moves_midpass(struct engine *e)
{
	struct nw_ctl_stats *m = &e->ld.stats->ctl;
	const struct nw_ctl_stats *c = &e->ctl;

	m->pages_moved = c->pages_moved;
	m->pages_failed = c->pages_failed;
	m->bytes_moved = c->bytes_moved;
	m->move_ns = c->move_ns;
	m->move_calls = c->move_calls;
	m->move_resubmitted = c->move_resubmitted;
	m->move_touched = c->move_touched;
	memcpy(m->moved_to, c->moved_to, sizeof(m->moved_to));
	memcpy(m->failed, c->failed, sizeof(m->failed));
	for (uint32_t k = 0; k < m->npols && k < (uint32_t)e->npols; k++) {
		m->pols[k].pages_moved = e->pols[k]->moved;
		m->pols[k].pages_failed = e->pols[k]->failed;
		m->pols[k].bytes_moved = e->pols[k]->bytes;
	}
}

void report_midpass(struct engine *e)
{
	uint64_t now = nw_now_ns();

	if (now - e->midpass_ns >= e->o->cfg.interval_us * 1000) {
		e->midpass_ns = now;
		report_moves_midpass(e);
	}
	report_regions_midpass(e);
}

void report_weights_state(struct engine *e)
{
	struct nw_ctl_stats *m = &e->ld.stats->ctl;

	e->ctl.weights_pending = engine_main_pol(e)->ws.pending;
	m->weights_pending = e->ctl.weights_pending;
	m->weights_rejected = e->ctl.weights_rejected;
	m->weights_bad_node = e->ctl.weights_bad_node;
}

static double mib_per_s(uint64_t pages, double secs)
{
	return secs > 0 ? pages * 4096.0 / 1048576.0 / secs : 0.0;
}

size_t report_nodes_line(char *buf, size_t len, const __u64 *pages, const uint32_t *w)
{
	size_t n = 0;

	if (!len)
		return 0;
	buf[0] = 0;
	for (int i = 0; i < NW_MAX_NODES && n < len; i++)
		if (pages[i] || w[i])
			n += snprintf(buf + n, len - n, " n%d=%llu", i,
				      (unsigned long long)pages[i]);
	return n < len ? n : len - 1;
}

void report_interval(struct engine *e, double secs)
{
	const struct pass *p = &e->p;
	char buf[256];

	if (nw_verbose < 1)
		return;
	/* an idle controller is silent at -v: a line when the pass did something, or lost events */
	if (nw_verbose < 2 && !p->moved && !p->failed && !p->deferred && !p->misplaced &&
	    e->ld.stats->bpf.drops == e->drops_said && e->startup_logged)
		return;
	e->drops_said = e->ld.stats->bpf.drops;
	report_nodes_line(buf, sizeof(buf), e->ctl.pages_on, engine_main_pol(e)->ws.force);
	nw_info("pass %llu: scanned %llu misplaced %llu moved %llu (%.1f MiB/s) failed %llu "
		"deferred %llu events %llu drops %llu;%s",
		(unsigned long long)e->ctl.passes, (unsigned long long)p->scanned,
		(unsigned long long)p->misplaced, (unsigned long long)p->moved,
		mib_per_s(p->moved, secs), (unsigned long long)p->failed,
		(unsigned long long)p->deferred, (unsigned long long)e->ld.stats->bpf.events,
		(unsigned long long)e->ld.stats->bpf.drops, buf);
}

void report_startup(struct engine *e, uint64_t first_pass_ns)
{
	const struct loader *l = &e->ld;
	double ms = 1e-6;

	nw_info("start-up: exec to main %.0f ms, kernel BTF %.0f ms, open+load+verify %.0f ms, "
		"attach %.0f ms, rest %.0f ms; first pass %.0f ms",
		e->exec_ms, l->ns_btf * ms, l->ns_load * ms, l->ns_attach * ms,
		(first_pass_ns - e->t_main) * ms - (l->ns_btf + l->ns_load + l->ns_attach) * ms,
		(nw_now_ns() - first_pass_ns) * ms);
}

void report_json_pass(struct engine *e, double secs)
{
	static const char *const moves_keys[] = { "move_calls", "move_resubmitted",
						  "move_touched", "bulk_calls", "bulk_pages",
						  "pass_errors", NULL };
	static const char *const tail_keys[] = { "heat_refused", "targets_exited", NULL };
	struct nw_stats *snap = malloc(sizeof(*snap));	/* 80 KiB: not the stack */
	const struct nw_ctl_stats *c = &e->ctl;
	struct rusage ru = {};
	struct jw w;

	e->ctl.cpu_ns = nw_process_cpu_ns();
	if (!snap) {
		nw_err("--json: %s", strerror(ENOMEM));
		return;
	}
	snap->ctl = e->ctl;
	snap->bpf = e->ld.stats->bpf;
	getrusage(RUSAGE_SELF, &ru);
	jw_init(&w, stdout);
	jw_start_object(&w);
	json_header(&w, "pass");
	jw_bool_field(&w, "ok", !c->pass_errors);
	jw_uint_field(&w, "pages_scanned", e->p.scanned);
	jw_uint_field(&w, "pages_misplaced", e->p.misplaced);
	jw_uint_field(&w, "pages_moved", e->p.moved);
	jw_uint_field(&w, "pages_failed", e->p.failed);
	jw_uint_field(&w, "pages_deferred", e->p.deferred);
	jw_bool_field(&w, "dry_run", e->o->dry_run);
	jw_uint_field(&w, "pages_planned", e->p.planned);
	json_weights(&w, "weights", engine_main_pol(e)->ws.force);
	jw_float_field(&w, "seconds", secs);
	jw_float_field(&w, "mib_per_s", mib_per_s(e->p.moved, secs));
	json_per_node(&w, "per_node", c->pages_on, engine_main_pol(e)->ws.force);
	json_per_node(&w, "moved_to", c->moved_to, engine_main_pol(e)->ws.force);
	json_per_node(&w, "planned_to", e->p.planned_to, engine_main_pol(e)->ws.force);
	json_failed(&w, "failed", c->failed);
	counters_json_pick(&w, snap, moves_keys);	/* named and read as status does */
	json_cpu(&w, c);
	jw_name(&w, "errors");	/* why a target could not be scanned */
	jw_start_array(&w);
	for (size_t i = 0; i < e->ts.n; i++) {
		if (!e->ts.t[i]->last_err)
			continue;
		jw_start_object(&w);
		jw_uint_field(&w, "pid", e->ts.t[i]->pid);
		jw_string_field(&w, "error", strerror(-e->ts.t[i]->last_err));
		jw_end_object(&w);
	}
	jw_end_array(&w);
	counters_json_pick(&w, snap, tail_keys);
	jw_uint_field(&w, "max_rss_kib", (uint64_t)ru.ru_maxrss);
	jw_end_object(&w);
	fflush(stdout);
	free(snap);
}
