// SPDX-License-Identifier: GPL-2.0
/*
 * plan.c — one pass: for each target, its VMAs (BPF iterator), their resident
 * folios (pagemap), each folio's node under the weights (placement), the
 * misplaced ones through the policy (contests, filters, patterns, quota), and
 * the moves (migrate). A target is scanned whole when it is new, the weights
 * or its VMAs changed, events were lost, or every FULL_EVERY_NS; otherwise
 * only the regions that faulted since the last pass.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "core.h"
#include "log.h"
#include "migrate.h"
#include "procfs.h"

#define FULL_EVERY_NS (60ull * 1000000000)	/* for what moves without a fault
						   (another tool, hotplug) */
/*
 * A target whose full passes keep finding nothing misplaced is looked at in
 * full half as often, down to this (issue 31: a 65k-VMA idle target's full
 * pass was most of its cost); one that finds something is back at 60 s.
 */
#define FULL_EVERY_MAX_NS (8 * FULL_EVERY_NS)

static int folio_seen(void *ctx, uint64_t addr, unsigned int order, int node)
{
	struct engine *e = ctx;
	struct pass *p = &e->p;
	uint64_t n = 1ull << order;
	struct move m = { .addr = addr, .order = order, .src = node,
			  .no_touch = policy_vma_uffd(p->vma) };

	if (!p->reg)
		p->reg = heat_get(&e->heat, p->t->pid, p->reg_lo);	/* NULL: table full */
	/* once a pass: a region that several small VMAs share is scanned in parts */
	if (p->reg && p->reg_fresh && p->reg->scanned != region_stamp(e->ctl.passes))
		region_scan_start(p->reg, region_stamp(e->ctl.passes));
	if (p->reg)
		p->reg->seen = region_stamp(e->ctl.passes);
	if (p->reg_fresh) {	/* its heat: once a region (events drain between regions) */
		p->reg_heat = policy_region_heat(p->reg, e->heat.now);
		p->reg_idle = policy_region_idle_now(p->reg, e->heat.now);
	}
	p->reg_fresh = false;
	if (p->reg && node >= 0)
		region_count(p->reg, node, n);
	m.score = p->reg_heat;
	m.idle_now = p->reg_idle;

	m.dest = wtable_node(&e->cur->wt, nw_ilx(p->vma, addr, order));
	p->scanned += n;
	if (node >= 0 && p->reg_node != node)
		p->reg_node = p->reg_node < 0 ? node : NW_RNODE_MIXED;
	if (node < 0)	/* its node comes from move_pages(2) later (counted then) */
		return p->movable ? move_vec_push(&e->unknown, &m) : 0;
	p->per_node[node] += n;
	if (node == m.dest || !p->movable)
		return 0;
	p->misplaced += n;
	if (policy_contested(p->reg, e->cur->gen)) {
		/* placed under these weights and moved again (NUMA balancing): back off */
		e->ctl.removes += n;
		policy_backoff(p->reg, e->heat.now, &e->ctl.contested);
		return 0;
	}
	return move_vec_push(&e->moves, &m);
}

/* A folio whose node move_pages(2) told: counted in its region's pages by node. */
static void region_count_at(struct engine *e, int pid, uint64_t addr, int node, uint64_t pages)
{
	struct region *r = heat_find(&e->heat, pid, addr);

	if (r)
		region_count(r, node, pages);
}

/* Nodes of folios that the PFN map could not tell. */
static int resolve_unknown(struct engine *e, int pid)
{
	size_t n = e->unknown.n;
	uint64_t *addrs;
	int *st, rc;

	if (!n)
		return 0;
	addrs = malloc(n * sizeof(*addrs));
	st = malloc(n * sizeof(*st));
	rc = addrs && st ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++)
		addrs[i] = e->unknown.m[i].addr;
	if (!rc)
		rc = pages_query(pid, addrs, n, st);
	for (size_t i = 0; !rc && i < n; i++) {
		struct move *m = &e->unknown.m[i];
		uint64_t pages = 1ull << m->order;

		if (st[i] < 0 || st[i] >= NW_MAX_NODES)
			continue;
		m->src = st[i];
		e->p.per_node[st[i]] += pages;
		region_count_at(e, pid, m->addr, st[i], pages);
		if (st[i] == m->dest)
			continue;
		e->p.misplaced += pages;
		rc = move_vec_push(&e->moves, m);
	}
	e->unknown.n = 0;
	free(addrs);
	free(st);
	return rc;
}

/*
 * Keep draining events during a long pass; show progress on a terminal; stop
 * at once (-EINTR) when a signal asked the controller to stop.
 */
static int scan_tick(struct engine *e)
{
	if (engine_stopping())
		return -EINTR;
	if (++e->scan_steps % 256)
		return 0;
	engine_consume(e);
	if (e->progress)
		fprintf(stderr, "\rnumaweave: %llu pages scanned, %llu misplaced ",
			(unsigned long long)e->p.scanned, (unsigned long long)e->p.misplaced);
	return 0;
}

/*
 * The region at lo, if this pass should scan it (NULL region: not in the
 * table). present: PAGEMAP_SCAN found memory in it, so it gets an entry now
 * (heat sources such as DAMON can only speak of regions in the table).
 */
enum { SKIP, SCAN_ONLY, SCAN_MOVE };

static int region_wanted(struct engine *e, const struct nw_vma *v, uint64_t lo, bool full,
			 bool present, struct region **out)
{
	struct region *reg = present ? heat_get(&e->heat, e->p.t->pid, lo) :
				       heat_find(&e->heat, e->p.t->pid, lo);
	bool filtered;

	*out = reg;
	if (!full && !(reg && reg->dirty))
		return SKIP;
	/*
	 * Not due by its filters or heat: a full pass still counts it (and gives
	 * it an entry that heat sources can speak of); a partial one is done with
	 * it until its heat changes again (a fault, DAMON's word turning, its age
	 * reaching age.min, an arm left unanswered make it dirty), so the regions
	 * a partial pass looks at stay the ones that changed.
	 */
	filtered = policy_filters_pass(&e->cur->cfg, v, lo);
	if (!filtered || !policy_pattern_pass(&e->cur->cfg, reg, e->heat.now) ||
	    (e->cur->cfg.action == NW_MIGRATE_COLD &&
	     (e->ctl.heat_sources & NW_HEAT_SAMPLED) &&
	     !policy_region_has_evidence(reg, e->heat.now))) {	/* not idle until a source says so */
		if (!full) {
			reg->dirty = 0;
			return SKIP;
		}
		return filtered ? SCAN_ONLY : SKIP;
	}
	if (policy_region_waits(reg, e->heat.now)) {
		e->p.deferred++;
		return SKIP;
	}
	/* a quota is spent hottest first: not on memory whose heat is not known yet */
	if (e->cur->cfg.action == NW_MIGRATE_HOT && e->cur->budget != UINT64_MAX &&
	    policy_heat_unknown(reg, e->heat.now, e->ctl.heat_sources, e->cur->cfg.interval_us)) {
		e->p.deferred++;
		e->ctl.heat_waits++;
		e->p.t->need_full = true;	/* looked at again next pass, not at the full one */
		return SCAN_ONLY;	/* counted, left for when a read source speaks of it */
	}
	return SCAN_MOVE;
}

/*
 * The region holding lo (lo inside v): the first present page at or after lo,
 * below lim, and the rest of its 2 MiB region, if this pass wants it. *next:
 * where the next region starts.
 */
static int scan_region(struct engine *e, struct page_scanner *ps, const struct nw_vma *v,
		       uint64_t lo, uint64_t lim, bool full, uint64_t *next)
{
	uint64_t r, hi;
	struct region *reg;
	int rc, want;

	*next = lim;
	if ((rc = scan_tick(e)))
		return rc;
	/* holes are not work: go to the next region with something present */
	lo = scanner_next_present(ps, lo, lim);
	if (lo >= lim)
		return 0;
	r = lo & ~(POLICY_REGION - 1);
	hi = r + POLICY_REGION > v->end ? v->end : r + POLICY_REGION;
	*next = r + POLICY_REGION;
	want = region_wanted(e, v, lo, full, !ps->no_pmscan, &reg);
	if (reg)	/* resident now, scanned or not (numaweave record shows it) */
		reg->seen = region_stamp(e->ctl.passes);
	if (want == SKIP)
		return 0;
	e->p.movable = want == SCAN_MOVE;
	/* made on the first resident folio (folio_seen): heat only where memory is */
	e->p.reg = reg;
	e->p.reg_lo = lo;
	e->p.reg_node = -1;
	e->p.reg_fresh = true;
	if (reg)
		reg->dirty = 0;
	ps->small_only = policy_vma_small_only(v);
	rc = scan_range(ps, lo, hi, policy_vma_anon_only(v), folio_seen, e);
	/* where its pages are: NUMA balancing's arming skips some nodes (heat_arm) */
	if (e->p.reg && e->p.reg_node >= 0)
		e->p.reg->node = (uint8_t)e->p.reg_node;
	return rc;
}

static int scan_vma(struct engine *e, struct page_scanner *ps, const struct nw_vma *v, bool full)
{
	uint32_t pid = e->p.t->pid;
	uint64_t next, last;
	size_t k;
	int rc = 0;

	e->p.vma = v;
	if (full || !e->dirty_ok) {
		for (uint64_t lo = v->start; lo < v->end && !rc; lo = next)
			rc = scan_region(e, ps, v, lo, v->end, full, &next);
		return rc;
	}
	/* a partial pass: only the regions due (dirty), found in the sorted list */
	last = heat_key(pid, v->end - 1);
	for (k = heat_keys_lower(e->dirty, e->ndirty, heat_key(pid, v->start));
	     k < e->ndirty && e->dirty[k] <= last && !rc; k++) {
		uint64_t r = (e->dirty[k] & ((1ull << 40) - 1)) << NW_REGION_SHIFT;
		uint64_t lo = r < v->start ? v->start : r;
		uint64_t lim = r + POLICY_REGION < v->end ? r + POLICY_REGION : v->end;

		rc = scan_region(e, ps, v, lo, lim, false, &next);
	}
	return rc;
}

/* This target has regions due for a scan (a partial pass has work). */
static bool has_dirty(const struct engine *e, uint32_t pid)
{
	size_t k = heat_keys_lower(e->dirty, e->ndirty, heat_key(pid, 0));

	return !e->dirty_ok || (k < e->ndirty && e->dirty[k] >> 40 == pid);
}

/* Scan one target. Returns -ESRCH when it is gone. */
static int scan_target(struct engine *e, struct target *t)
{
	struct page_scanner ps;
	int rc;

	rc = vmas_read(&e->vr, t->pid, &t->vmas);
	if (rc)
		return rc == -ENOENT ? -ESRCH : rc;
	if (t->vmas.sig != t->sig) {
		e->p.full = true;
		t->sig = t->vmas.sig;
	}
	rc = scanner_open(&ps, t->pid, &e->nodes);
	if (rc)
		return rc;
	for (size_t i = 0; i < t->vmas.n && !rc; i++) {
		const struct nw_vma *v = &t->vmas.v[i];

		if (!policy_vma_eligible(v))
			continue;
		/* a reservation is read only where holes cost nothing */
		if (policy_vma_reservation(v) && !scanner_skips_holes(&ps, v->start))
			continue;
		rc = scan_vma(e, &ps, v, e->p.full);
	}
	scanner_close(&ps);
	e->p.reg = NULL;
	if (!rc)
		rc = resolve_unknown(e, t->pid);
	return rc;
}

/* The target vanished under the pass: exiting (not yet a zombie) or in exec. */
static int target_vanished(struct engine *e, struct target *t)
{
	for (int k = 0; k < 50 && !target_exited(t); k++)
		usleep(10000);	/* up to 0.5 s for an exiting process to tell */
	if (target_exited(t)) {
		engine_target_gone(e, t);
		return 0;
	}
	t->need_full = true;	/* alive (exec): look again next interval */
	return 0;
}

/* fn's CPU time, less the records it took in on the way (counted as events) */
static int timed(struct engine *e, int (*fn)(struct engine *, struct target *),
		 struct target *t, __u64 *ns)
{
	uint64_t c0 = nw_thread_cpu_ns(), ev0 = e->ctl.cpu_events_ns;
	int rc = fn(e, t);

	*ns += nw_thread_cpu_ns() - c0 - (e->ctl.cpu_events_ns - ev0);
	return rc;
}

static int pass_target(struct engine *e, struct target *t, bool full)
{
	int rc;

	e->p.full = full;
	/*
	 * Nothing due: not timed, not even its VMAs read (issue 31: a 65k-VMA
	 * target cost 8.5 % of a core idle). A mapping made since shows as
	 * faults (dirty regions, read now); one unmapped has nothing left to
	 * place; the periodic full pass reads them all anyway.
	 */
	if (!full && !has_dirty(e, t->pid))
		return 0;
	e->moves.n = e->unknown.n = 0;
	memset(e->p.per_node, 0, sizeof(e->p.per_node));
	e->p.t_misplaced0 = e->p.misplaced;
	e->p.t_deferred0 = e->p.deferred;
	e->p.t_heat_waits0 = e->ctl.heat_waits;
	e->p.t = t;
	t->need_full = false;
	rc = timed(e, scan_target, t, &e->ctl.cpu_scan_ns);
	if (!rc)
		rc = timed(e, e->o->dry_run ? dry_target : move_target, t, &e->ctl.cpu_move_ns);
	if (rc == -ESRCH)
		return target_vanished(e, t);
	if (rc == -EINTR) {
		t->need_full = true;	/* stopped by a signal: not the target's fault */
		return 0;
	}
	if (rc) {
		/* said when it starts failing or fails otherwise, not every interval */
		if (rc != t->last_err)
			nw_warn("pass over pid %d: %s", t->pid, strerror(-rc));
		t->last_err = rc;
		t->need_full = true;
		e->ctl.pass_errors++;
		return rc;
	}
	if (t->last_err)
		nw_info("pass over pid %d works again", t->pid);
	t->last_err = 0;
	if (e->p.full) {
		memcpy(t->per_node, e->p.per_node, sizeof(t->per_node));
		t->full_at = region_stamp(e->ctl.passes);	/* regions it did not meet are gone */
	}
	return 0;
}

/* Whether t's periodic full pass is due, and its next one's spacing after it. */
static bool full_due(struct target *t, uint64_t now)
{
	if (!t->full_every_ns)
		t->full_every_ns = FULL_EVERY_NS;
	return now - t->last_full_ns >= t->full_every_ns;
}

static void full_done(struct target *t, uint64_t now, uint64_t misplaced)
{
	t->last_full_ns = now;
	if (misplaced)
		t->full_every_ns = FULL_EVERY_NS;
	else if (t->full_every_ns < FULL_EVERY_MAX_NS)
		t->full_every_ns *= 2;
}

void plan_pass(struct engine *e, bool force_full)
{
	struct nw_ctl_stats *c = &e->ctl;
	uint64_t now = nw_now_ns();
	long nd;
	/* lost events may hide faulted regions: then everything is rescanned */
	bool lost = e->ld.stats->bpf.drops != e->drops_seen;

	e->drops_seen = e->ld.stats->bpf.drops;
	for (int i = 0; i < e->npols; i++) {
		struct pol *p = e->pols[i];

		p->budget = policy_budget(config_quota_bps(&p->cfg), p->last_pass_ns, now,
					  p->cfg.interval_us);
		p->last_pass_ns = now;
	}
	memset(&e->p, 0, sizeof(e->p));
	memset(c->pages_on, 0, sizeof(c->pages_on));
	/* the regions due, once for every target's partial pass (else: walk them all) */
	nd = heat_dirty_keys(&e->heat, &e->dirty, &e->dirty_cap);
	e->dirty_ok = nd >= 0;
	e->ndirty = nd > 0 ? (size_t)nd : 0;
	for (size_t i = 0; i < e->ts.n; i++) {
		struct target *t = e->ts.t[i];

		/* all weights 0: no table to place by; its last counts stand */
		if (!t->gone && !t->pol->paused) {
			uint64_t misplaced = e->p.misplaced;
			/* a dry run's plan is of all of it: nothing moved since the last */
			bool periodic = full_due(t, now) || lost || e->o->dry_run;

			e->cur = t->pol;
			pass_target(e, t, force_full || t->need_full || periodic);
			if (e->p.full && !t->gone)
				full_done(t, now, e->p.misplaced - misplaced);
		}
		for (int n = 0; n < NW_MAX_NODES && !t->gone; n++)
			c->pages_on[n] += t->per_node[n];
	}
	c->passes++;
	c->pages_scanned += e->p.scanned;
	c->pages_misplaced = e->p.misplaced;
	e->last_pass_ns = now;
	report_publish(e);
}
