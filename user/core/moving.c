// SPDX-License-Identifier: GPL-2.0
/*
 * moving.c — a target's planned moves carried out: cut by the quotas, sorted
 * by destination, split over --move-threads movers, counted (per node, per
 * reason, per policy); or, in a dry run, only counted and said.
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
#include "nodes.h"
#include "procfs.h"

#define MOVE_CHUNK 8192		/* folios per mover between event drains */
#define MOVER_MIN_PAGES 1024	/* 4 MiB: less is not worth a thread */
#define BULK_MIN_FOLIOS 64	/* fewer: move_pages(2)'s exact outcome is worth its price */

static void count_moved(struct engine *e, struct target *t, const struct move *m)
{
	uint64_t pages = 1ull << m->order;
	struct region *r = heat_get(&e->heat, t->pid, m->addr);

	if (r) {
		r->placed_gen = e->cur->gen;
		r->node = NW_RNODE_MIXED;	/* until the next scan says */
		region_moved(r, m->src, m->result, pages);
		region_moving(r, e->heat.now);
	}
	if (m->src >= 0 && e->p.per_node[m->src] >= pages)
		e->p.per_node[m->src] -= pages;
	e->p.per_node[m->result] += pages;
	if (!e->p.full) {	/* keep the last full count true */
		if (m->src >= 0 && t->per_node[m->src] >= pages)
			t->per_node[m->src] -= pages;
		t->per_node[m->result] += pages;
	}
}

static void count_results(struct engine *e, struct target *t, struct move *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum nw_fail_reason why = -1 - m[i].result;
		struct region *r;

		if (m[i].result >= 0) {
			count_moved(e, t, &m[i]);
			continue;
		}
		r = heat_find(&e->heat, t->pid, m[i].addr);
		if (r)	/* it may have been off the LRU for the attempt: as unsure for DAMON */
			region_moving(r, e->heat.now);
		nw_debug("pid %d: %#llx (order %u) to node %d failed: %s", t->pid,
			 (unsigned long long)m[i].addr, m[i].order, m[i].dest,
			 fail_reason_name(why));
		policy_on_failure(why, r, m[i].dest, e->node_pause, e->heat.now, &t->need_full);
	}
}

static void add_totals(struct engine *e, const struct move_totals *tot)
{
	struct nw_ctl_stats *c = &e->ctl;

	e->p.moved += tot->moved_pages;
	e->p.failed += tot->failed_pages;
	e->cur->moved += tot->moved_pages;	/* per policy, for status */
	e->cur->failed += tot->failed_pages;
	e->cur->bytes += tot->bytes;
	c->pages_moved += tot->moved_pages;
	c->pages_failed += tot->failed_pages;
	c->bytes_moved += tot->bytes;
	c->move_ns += tot->ns;
	c->move_calls += tot->calls;
	c->move_resubmitted += tot->resubmitted;
	c->move_touched += tot->touched;
	for (int i = 0; i < NW_MAX_NODES; i++) {
		c->moved_to[i] += tot->moved_to[i];
		e->moved_from[i] += tot->moved_from[i];
	}
	for (int i = 0; i < NW_FAIL_MAX; i++)
		c->failed[i] += tot->failed[i];
}

/* The time quota's window (quotas.time_ms per reset_interval_ms): ns still allowed. */
static uint64_t time_left_ns(struct pol *p, uint64_t now)
{
	uint64_t ms = p->cfg.quota_reset_ms ? p->cfg.quota_reset_ms : 1000;
	/* damo's max: the time is spent once, as DAMON's window never resets */
	uint64_t window = ms == NW_MS_NEVER ? UINT64_MAX : ms * 1000000ull;

	if (!p->cfg.quota_time_ms)
		return UINT64_MAX;
	if (now - p->qt_start_ns >= window) {
		p->qt_start_ns = now;
		p->qt_used_ns = 0;
	}
	return p->qt_used_ns < p->cfg.quota_time_ms * 1000000ull ?
	       p->cfg.quota_time_ms * 1000000ull - p->qt_used_ns : 0;
}

/* One mover thread's share of a chunk. */
struct mover {
	pthread_t th;
	int pid, rc;
	struct move *m;
	size_t n;
	struct move_totals tot;
	uint64_t cpu_ns;
};

static void *mover_run(void *arg)
{
	struct mover *w = arg;
	uint64_t c0 = nw_thread_cpu_ns();

	w->rc = moves_apply(w->pid, w->m, w->n, &w->tot);
	w->cpu_ns = nw_thread_cpu_ns() - c0;
	return NULL;
}

/*
 * m[0..n) moved by up to --move-threads movers at once, each on a contiguous
 * share (the list is sorted by destination, so each share is too); this
 * thread takes the first. move_pages(2) copies in the caller, so on a machine
 * with idle CPUs the copies overlap. The others' CPU time is added to the
 * move phase here (the caller times this thread's). -ESRCH wins over other
 * errors: the process is gone.
 */
static int moves_parallel(struct engine *e, int pid, struct move *m, size_t n,
			  struct move_totals *tot)
{
	struct mover w[NW_MOVE_THREADS_MAX];
	struct move_totals sum = {};
	uint64_t pages = 0, t0;
	int nw = e->o->move_threads, rc;
	sigset_t all, old;
	size_t at = 0;

	for (size_t i = 0; i < n; i++)
		pages += 1ull << m[i].order;
	if (nw > 1 && pages / nw < MOVER_MIN_PAGES)
		nw = pages / MOVER_MIN_PAGES > 1 ? (int)(pages / MOVER_MIN_PAGES) : 1;
	if (nw > (int)n)
		nw = (int)n;
	if (nw <= 1)
		return moves_apply(pid, m, n, tot);
	/* signals stay with this thread (the loop's handlers and EINTR) */
	t0 = nw_now_ns();
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < nw; i++) {
		size_t k = (n - at) / (size_t)(nw - i);

		w[i] = (struct mover){ .pid = pid, .m = m + at, .n = k };
		if (i && pthread_create(&w[i].th, NULL, mover_run, &w[i])) {
			nw = i;	/* out of threads: this one takes the rest after its share */
			break;
		}
		at += k;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	nw_debug("pid %d: %zu folios (%llu pages) with %d movers", pid, n,
		 (unsigned long long)pages, nw);
	w[0].rc = moves_apply(pid, w[0].m, w[0].n, &w[0].tot);
	if (!w[0].rc && at < n)
		w[0].rc = moves_apply(pid, m + at, n - at, &w[0].tot);
	rc = w[0].rc;
	move_totals_add(&sum, &w[0].tot);
	for (int i = 1; i < nw; i++) {
		pthread_join(w[i].th, NULL);
		move_totals_add(&sum, &w[i].tot);
		e->ctl.cpu_move_ns += w[i].cpu_ns;
		if (w[i].rc && (rc == 0 || w[i].rc == -ESRCH))
			rc = w[i].rc;
	}
	sum.ns = nw_now_ns() - t0;	/* time moving is wall time: the calls overlapped */
	move_totals_add(tot, &sum);
	return rc;
}

/*
 * What of e->moves may go now, a real pass's or a dry run's: nodes that were
 * full recently get nothing; under migrate_hot with a size quota, regions
 * known idle wait while some of the target's wait for heat; then the quota
 * cuts the list. Its length.
 */
static size_t moves_cut(struct engine *e, struct pol *p)
{
	e->moves.n = policy_drop_paused(e->moves.m, e->moves.n, e->node_pause, e->heat.now,
					&e->p.deferred);
	/* counted only under migrate_hot with a size quota (region_wanted) */
	if (e->ctl.heat_waits != e->p.t_heat_waits0)
		e->moves.n = policy_drop_idle(e->moves.m, e->moves.n, &e->p.deferred);
	return policy_quota_cut(e->moves.m, e->moves.n, p->cfg.action, &p->budget,
				&e->p.deferred, &e->ctl.quota_deferred);
}

/*
 * The bulk path (issue 31): a full pass found every misplaced page of t bound
 * for one node, and nothing leaves any behind: the policy places everything
 * on one node with no filter, pattern or quota (policy_bulk_dest), every page
 * found misplaced is on the list (no region backed off, contested or waiting
 * for heat), none is in a userfaultfd range, and t maps no file shared or
 * hugetlb memory (migrate_pages(2) would move page cache only it maps there,
 * which numaweave leaves alone). Then one migrate_pages(2) call moves it all
 * at the kernel's bulk speed (~40 ns of overhead a page against
 * move_pages(2)'s ~256 ns). It also moves what numaweave does not list: page
 * cache of private file mappings only t maps (its own binary's text), as
 * migratepages(8) does. The node of its destination, or -1.
 */
static int bulk_dest(struct engine *e, struct target *t, size_t n)
{
	int dest = policy_bulk_dest(&e->cur->cfg, &e->cur->wt);
	uint64_t pages = 0;

	if (dest < 0 || !e->p.full || n < BULK_MIN_FOLIOS || e->o->dry_run ||
	    e->p.deferred != e->p.t_deferred0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (e->moves.m[i].dest != dest || e->moves.m[i].no_touch)
			return -1;
		pages += 1ull << e->moves.m[i].order;
	}
	if (pages != e->p.misplaced - e->p.t_misplaced0)
		return -1;
	return policy_vmas_bulk_safe(t->vmas.v, t->vmas.n) ? dest : -1;
}

/*
 * Every listed move made by one migrate_pages(2). 0 when the kernel moved
 * everything (each listed move counted as moved); 1 to go page by page now:
 * the call was refused, or left folios unmoved, which the kernel does not
 * name, so move_pages(2) goes over the whole list at once: what the bulk call
 * moved is found on its node (counted as moved then) and every page still
 * left gets its own outcome and reason (pinned: ebusy; full node: enomem), in
 * this pass. -ESRCH: the target exited.
 */
static int bulk_move(struct engine *e, struct target *t, size_t n, int dest,
		     struct move_totals *tot)
{
	uint64_t t0 = nw_now_ns(), pages = 0;
	long left = migrate_process(t->pid, nodes_with_memory(), dest);

	if (left == -ESRCH)
		return -ESRCH;
	if (left < 0) {
		nw_debug("pid %d: migrate_pages(2) refused (%s): page by page", t->pid,
			 strerror((int)-left));
		return 1;
	}
	/* time moving, this call's too; counted in bulk_calls, not as a move_pages(2) call */
	tot->ns += nw_now_ns() - t0;
	e->ctl.bulk_calls++;
	for (size_t i = 0; i < n; i++)
		pages += 1ull << e->moves.m[i].order;
	nw_debug("pid %d: migrate_pages(2) to node %d: %zu folios listed, %ld not moved, %.1f ms",
		 t->pid, dest, n, left, (nw_now_ns() - t0) / 1e6);
	if (left) {
		/* its pages (the kernel counts folios unmoved: a bound) */
		e->ctl.bulk_pages += pages > (uint64_t)left ? pages - (uint64_t)left : 0;
		return 1;	/* the rest, and the count of all, page by page */
	}
	for (size_t i = 0; i < n; i++) {
		struct move *m = &e->moves.m[i];

		m->result = (int8_t)dest;
		count_moved(e, t, m);
		move_totals_moved(tot, m);
	}
	e->ctl.bulk_pages += pages;
	return 0;
}

/*
 * Move what the quotas allow of e->moves for target t: the size quota cuts
 * the list (hottest first for migrate_hot, coldest for migrate_cold); the time
 * quota stops between chunks once the window's move time is spent, so with
 * one the list goes in score order, each chunk sorted by destination.
 */
int move_target(struct engine *e, struct target *t)
{
	struct move_totals tot = {};
	struct pol *p = e->cur;
	uint64_t deferred0 = e->p.deferred;
	bool timed = p->cfg.quota_time_ms != 0;
	size_t chunk = (size_t)MOVE_CHUNK * (e->o->move_threads > 1 ? e->o->move_threads : 1);
	size_t n, i;
	int rc = 0, dest;

	n = moves_cut(e, p);
	if ((dest = bulk_dest(e, t, n)) >= 0 && (rc = bulk_move(e, t, n, dest, &tot)) <= 0) {
		add_totals(e, &tot);
		return rc;
	}
	rc = 0;
	if (timed)
		moves_sort_by_score(e->moves.m, n, p->cfg.action == NW_MIGRATE_HOT);
	else
		moves_sort_by_dest(e->moves.m, n);
	for (i = 0; i < n && !rc && !engine_stopping(); i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;

		if (timed && !time_left_ns(p, nw_now_ns()))
			break;
		if (timed)
			moves_sort_by_dest(e->moves.m + i, k);
		rc = moves_parallel(e, t->pid, e->moves.m + i, k, &tot);
		count_results(e, t, e->moves.m + i, k);
		p->qt_used_ns += tot.ns;
		add_totals(e, &tot);	/* chunk by chunk: a long pass's progress shows */
		memset(&tot, 0, sizeof(tot));
		engine_consume(e);	/* the job keeps faulting meanwhile */
		report_midpass(e);
	}
	if (i < n && !rc && !engine_stopping()) {	/* the time quota is spent */
		for (size_t j = i; j < n; j++)
			e->p.deferred += 1ull << e->moves.m[j].order;
		e->ctl.quota_deferred += n - i;
	}
	if (e->p.deferred != deferred0)
		t->need_full = true;
	return rc;
}

/*
 * A dry run's pass over t: what the quotas would let move, by destination,
 * counted and printed at the default verbosity when it differs from what was
 * printed last for t (issue 28: a dry run printed nothing without --json or
 * -v). Nothing moves; the time quota is not modelled (no move time is spent).
 */
int dry_target(struct engine *e, struct target *t)
{
	struct pol *p = e->cur;
	uint64_t to[NW_MAX_NODES] = {}, pages = 0, deferred0 = e->p.deferred, digest;
	char line[1024];
	size_t n;
	int len;

	n = moves_cut(e, p);
	for (size_t i = 0; i < n; i++) {
		uint64_t pg = 1ull << e->moves.m[i].order;

		to[e->moves.m[i].dest] += pg;
		pages += pg;
	}
	e->p.planned += pages;
	digest = pages * 1000003u + (e->p.deferred - deferred0) + 1;
	for (int i = 0; i < NW_MAX_NODES; i++) {
		e->p.planned_to[i] += to[i];
		digest = digest * 31 + to[i];
	}
	if (e->o->json || digest == t->plan_said)
		return 0;
	t->plan_said = digest;
	if (!pages) {
		printf("dry run: pid %d: nothing would move (%llu pages scanned)\n", t->pid,
		       (unsigned long long)e->p.scanned);
		return 0;
	}
	len = snprintf(line, sizeof(line), "dry run: pid %d: %llu pages (%.1f MiB) would move:",
		       t->pid, (unsigned long long)pages, pages * 4096.0 / (1 << 20));
	for (int i = 0, first = 1; i < NW_MAX_NODES && len < (int)sizeof(line) - 48; i++) {
		if (!to[i])
			continue;
		len += snprintf(line + len, sizeof(line) - len, "%s %llu to node %d",
				first ? "" : ",", (unsigned long long)to[i], i);
		first = 0;
	}
	if (e->p.deferred != deferred0 && len < (int)sizeof(line) - 48)
		snprintf(line + len, sizeof(line) - len, "; %llu more held back by the quota",
			 (unsigned long long)(e->p.deferred - deferred0));
	printf("%s\n", line);
	fflush(stdout);
	return 0;
}
