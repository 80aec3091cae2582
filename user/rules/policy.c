// SPDX-License-Identifier: GPL-2.0
/* policy.c — the rules; see policy.h. */
#include <math.h>
#include <string.h>
#include "placement.h"
#include "policy.h"

bool policy_vma_eligible(const struct nw_vma *v)
{
	if (v->flags & (NW_VM_IO | NW_VM_PFNMAP | NW_VM_HUGETLB | NW_VM_MIXEDMAP | NW_VM_DONTEXPAND))
		return false;
	if (v->kind == NW_VMA_FILE)
		return !(v->flags & NW_VM_SHARED);
	return true;	/* anonymous, or shmem (shared: all pages; private: CoW-ed ones) */
}

bool policy_vma_uffd(const struct nw_vma *v)
{
	return v && (v->flags & NW_VM_UFFD);
}

bool policy_vma_reservation(const struct nw_vma *v)
{
	return !(v->flags & NW_VM_ACCESS);
}

bool policy_vma_small_only(const struct nw_vma *v)
{
	/* MADV_NOHUGEPAGE: no THP or mTHP is made here (one made before stays PMD-mapped) */
	return v->kind == NW_VMA_ANON && !(v->flags & NW_VM_SHARED) && (v->flags & NW_VM_NOHUGEPAGE);
}

bool policy_vma_anon_only(const struct nw_vma *v)
{
	return v->kind != NW_VMA_ANON && !(v->flags & NW_VM_SHARED);
}

/*
 * Anon as DAMON's anon filter means it (folio_test_anon): an anonymous
 * mapping's pages and a private file mapping's CoW-ed ones (the only ones of
 * such a mapping numaweave moves); not shmem.
 */
static bool vma_anon(const struct nw_vma *v)
{
	return v->kind == NW_VMA_ANON || (v->kind == NW_VMA_FILE && !(v->flags & NW_VM_SHARED));
}

static bool dfilter_matches(const struct damos_filter *f, const struct nw_vma *v, uint64_t a)
{
	bool has = f->type == NW_FILTER_ANON ? vma_anon(v) : a >= f->start && a < f->end;

	return has == f->matching;
}

/* DAMOS filters: core layer (addr) first, then ops layer (anon), as in mm/damon/core.c. */
static bool dfilters_allow(const struct nw_config *c, const struct nw_vma *v, uint64_t a)
{
	const struct damos_filter *last_core = NULL, *last_ops = NULL;

	for (int i = 0; i < c->nr_dfilters; i++) {
		const struct damos_filter *f = &c->dfilters[i];

		if (f->type == NW_FILTER_ADDR) {
			last_core = f;
			if (dfilter_matches(f, v, a))
				return f->allow;	/* allowed here: the ops layer allows too */
		} else {
			last_ops = f;
		}
	}
	/* unmatched by the core layer: its default counts only when it is the last layer */
	if (last_core && !last_ops && last_core->allow)
		return false;
	for (int i = 0; i < c->nr_dfilters; i++) {
		const struct damos_filter *f = &c->dfilters[i];

		if (f->type == NW_FILTER_ANON && dfilter_matches(f, v, a))
			return f->allow;
	}
	return !(last_ops && last_ops->allow);
}

bool policy_filters_pass(const struct nw_config *c, const struct nw_vma *v, uint64_t a)
{
	bool any_match = false, have_match = false;

	for (int i = 0; i < c->nr_filters; i++) {	/* targets[].regions */
		const struct addr_filter *f = &c->filters[i];
		bool in = a >= f->start && a < f->end;

		if (f->matching) {
			have_match = true;
			any_match |= in;
		} else if (in) {
			return false;
		}
	}
	if (have_match && !any_match)
		return false;
	return dfilters_allow(c, v, a);
}

uint64_t policy_region_age_us(const struct region *r, uint32_t now, uint64_t interval_us)
{
	if (region_damon_fresh(r, now))
		return (uint64_t)r->dage * NW_DAMON_AGGR_US;
	if (region_arm_idle(r, now))	/* idle since its first unanswered arming */
		return (uint64_t)region_arm_idle(r, now) * interval_us;
	return (uint64_t)(r ? r->age : now) * interval_us;	/* never seen: since start */
}

bool policy_pattern_pass(const struct nw_config *c, const struct region *r, uint32_t now)
{
	const struct access_pattern *ap = &c->ap;
	double acc = r ? r->last_nr : 0, full = POLICY_REGION >> 12;	/* 100 %: every page */
	uint64_t age_us = policy_region_age_us(r, now, c->interval_us);
	uint32_t since = region_since_touch(r, now);

	if (POLICY_REGION < ap->sz_min || POLICY_REGION > ap->sz_max)
		return false;
	if (region_damon_fresh(r, now)) {
		/* DAMON's own units, as damo means them: samples per aggregation */
		acc = r->dnr;
		full = NW_DAMON_MAX_NR;
	} else if (region_arm_idle(r, now)) {
		acc = 0;	/* NUMA balancing armed it and nothing touched it since */
	} else if (r && r->arm_seen && acc < 1) {
		acc = 1;	/* touched since its last arming: accessed, whatever faults counted */
	}
	/*
	 * An access seen beats a word of idleness: where DAMON or an unanswered
	 * arming says "no access for age_us" but a fault (a hinting fault, a
	 * first touch, a write) came since, the region was accessed then: the
	 * smallest access count of the unit in use, its age from that event.
	 */
	if (acc == 0 && since != UINT32_MAX && (uint64_t)since * c->interval_us < age_us) {
		acc = 1;
		age_us = (uint64_t)since * c->interval_us;
	}
	if (ap->acc_pct)
		acc = acc * 100.0 / full;
	if (acc < ap->acc_min || acc > ap->acc_max)
		return false;
	return age_us >= ap->age_min_us && age_us <= ap->age_max_us;
}

bool policy_pattern_wants_heat(const struct nw_config *c)
{
	const struct access_pattern *ap = &c->ap;

	return ap->acc_min > 0 || !isinf(ap->acc_max) || ap->age_min_us > 0 ||
	       ap->age_max_us != UINT64_MAX;
}

bool policy_vmas_bulk_safe(const struct nw_vma *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((v[i].flags & NW_VM_HUGETLB) || (v[i].kind == NW_VMA_FILE && (v[i].flags & NW_VM_SHARED)))
			return false;
	return true;
}

int policy_bulk_dest(const struct nw_config *c, const struct wtable *wt)
{
	const struct access_pattern *ap = &c->ap;

	if (wt->nr != 1 || c->nr_filters || c->nr_dfilters || c->quota_bytes ||
	    c->quota_time_ms || policy_pattern_wants_heat(c) ||
	    POLICY_REGION < ap->sz_min || POLICY_REGION > ap->sz_max)
		return -1;
	return wt->node[0];
}

bool policy_region_has_evidence(const struct region *r, uint32_t now)
{
	return region_damon_fresh(r, now) || (r && r->arm_seen);
}

bool policy_heat_unknown(const struct region *r, uint32_t now, uint64_t sources,
			 uint64_t interval_us)
{
	if (!(sources & NW_HEAT_SAMPLED))
		return false;	/* faults alone: what they say is all there will be */
	if (!r)
		return true;	/* not in the table: nothing has spoken of it */
	if (policy_region_has_evidence(r, now) || region_since_touch(r, now) != UINT32_MAX)
		return false;
	/* a region no read source reaches (a single-threaded job's own node) waits no longer */
	return (uint64_t)r->age * interval_us < POLICY_HEAT_GRACE_US;
}

enum nw_region_src policy_region_source(const struct region *r, uint32_t now, uint64_t sources)
{
	if (region_damon_fresh(r, now))	/* the two never run together */
		return sources & NW_HEAT_YOUNG ? NW_RSRC_YOUNG : NW_RSRC_DAMON;
	if (r && (r->armed || r->arm_seen))
		return NW_RSRC_ARMS;
	if (region_since_touch(r, now) != UINT32_MAX)
		return NW_RSRC_FAULTS;
	return sources & NW_HEAT_SAMPLED ? NW_RSRC_NONE : NW_RSRC_FAULTS;
}

/* recall: count DAMON's accesses before its latest word (heat_damon_recall) */
static float region_heat(const struct region *r, uint32_t now, bool recall)
{
	if (!r)
		return 0.0f;
	if (region_damon_fresh(r, now)) {
		/* percent of samples accessed; faults break ties */
		float tie = r->score > 0.99f ? 0.99f : r->score;

		if (r->dnr)
			return r->dnr * 100.0f / NW_DAMON_MAX_NR + tie;
		/* idle in DAMON's last word, accessed in one lately: below one sample's worth */
		return recall && region_damon_recalls(r, now) ? POLICY_HEAT_RECENT + tie : tie;
	}
	if (region_arm_idle(r, now))
		return 0.0f;		/* armed, untouched: colder than anything touched */
	return r->arm_seen ? r->score + 1.0f : r->score;
}

float policy_region_heat(const struct region *r, uint32_t now)
{
	return region_heat(r, now, true);
}

bool policy_region_waits(const struct region *r, uint32_t now)
{
	if (!r)
		return false;
	if (r->backoff_until > now)
		return true;
	/* quiet since its last access (a region never touched: since the start) */
	return r->removes && now - (r->touched ? r->touched - 1 : 0) <
				     ((uint32_t)POLICY_QUIET << r->removes);
}

void policy_backoff(struct region *r, uint32_t now, __u64 *contested)
{
	if (r->backoff_until > now)
		return;
	if (r->removes < 31)
		r->removes++;
	if (r->removes >= POLICY_MAX_CONTESTS) {
		/* The kernel keeps it where its CPU is: stop fighting for it. */
		r->backoff_until = now + POLICY_SURRENDER;
		(*contested)++;
	} else {
		r->backoff_until = now + (1u << r->removes);
	}
	r->placed_gen = 0;
}

void policy_reset_contests(struct region *tab, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		tab[i].removes = 0;
		tab[i].backoff_until = 0;
		tab[i].placed_gen = 0;
	}
}

void policy_on_failure(enum nw_fail_reason why, struct region *r, int dest,
		       uint32_t *node_pause, uint32_t now, bool *need_full)
{
	switch (why) {
	case NW_FAIL_EBUSY:
		if (r) {	/* retry in a later pass */
			r->dirty = 1;
			r->placed_gen = 0;
		}
		break;
	case NW_FAIL_ENOMEM:
		if (dest >= 0 && dest < NW_MAX_NODES)
			node_pause[dest] = now + POLICY_ENOMEM_PAUSE;
		*need_full = true;
		break;
	default:
		break;
	}
}

/* Keep the moves drop() refuses, in order; the dropped pages go to *deferred. */
static size_t moves_keep(struct move *m, size_t n, bool (*drop)(const struct move *, const void *),
			 const void *arg, uint64_t *deferred)
{
	size_t keep = 0;

	for (size_t i = 0; i < n; i++) {
		if (drop(&m[i], arg)) {
			*deferred += 1ull << m[i].order;
			continue;
		}
		m[keep++] = m[i];
	}
	return keep;
}

struct pause_arg {
	const uint32_t *node_pause;
	uint32_t now;
};

static bool dest_paused(const struct move *m, const void *arg)
{
	const struct pause_arg *a = arg;

	return a->node_pause[m->dest] > a->now;
}

size_t policy_drop_paused(struct move *m, size_t n, const uint32_t *node_pause, uint32_t now,
			  uint64_t *deferred)
{
	return moves_keep(m, n, dest_paused, &(struct pause_arg){ node_pause, now }, deferred);
}

bool policy_region_idle_now(const struct region *r, uint32_t now)
{
	return region_heat(r, now, false) < POLICY_HEAT_WARM;
}

static bool region_idle(const struct move *m, const void *arg)
{
	(void)arg;
	return m->idle_now;
}

size_t policy_drop_idle(struct move *m, size_t n, uint64_t *deferred)
{
	return moves_keep(m, n, region_idle, NULL, deferred);
}

uint64_t policy_budget(uint64_t bps, uint64_t last_pass_ns, uint64_t now_ns,
		       uint64_t interval_us)
{
	uint64_t dt = now_ns - last_pass_ns, cap = 2 * interval_us * 1000;

	if (!bps)
		return UINT64_MAX;
	if (!last_pass_ns || dt > cap)
		dt = cap;
	return (uint64_t)((double)bps * dt / 1e9);
}

size_t policy_quota_cut(struct move *m, size_t n, enum nw_action action, uint64_t *budget,
			uint64_t *deferred_pages, __u64 *deferred_folios)
{
	uint64_t bytes = 0;
	size_t k;

	if (*budget == UINT64_MAX)
		return n;
	moves_sort_by_score(m, n, action == NW_MIGRATE_HOT);
	for (k = 0; k < n; k++) {
		uint64_t b = 4096ull << m[k].order;

		if (bytes + b > *budget)
			break;
		bytes += b;
	}
	for (size_t i = k; i < n; i++)
		*deferred_pages += 1ull << m[i].order;
	*deferred_folios += n - k;
	*budget -= bytes;
	return k;
}

bool wsettle_poll(struct wsettle *s, const uint32_t *w, uint64_t now_ns, uint64_t settle_ns)
{
	if (!weights_equal(w, s->read)) {
		memcpy(s->read, w, sizeof(s->read));
		s->changed_ns = now_ns;
		s->pending = !weights_equal(w, s->force);
		return false;
	}
	if (!s->pending || now_ns - s->changed_ns < settle_ns)
		return false;
	s->pending = false;
	return true;
}
