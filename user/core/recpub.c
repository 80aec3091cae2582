// SPDX-License-Identifier: GPL-2.0
/*
 * recpub.c — the regions a recorder reads (numaweave record, docs/record.md).
 * While the recorder's want_ns (in the stats map) lies ahead, each pass's walk
 * of the heat table (report.c) also writes every region to the mmap-ed
 * `regions` map: its heat class and source, DAMON's word, its pages by node.
 * A seqcount in the stats map brackets the writing, so a reader copies a
 * consistent set or tries again. Nobody recording: one load per pass.
 */
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "log.h"
#include "recpub.h"

struct tg_full {
	uint32_t pid;
	uint16_t full_at;
};

static int tg_cmp(const void *a, const void *b)
{
	const struct tg_full *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

bool recpub_begin(struct engine *e, struct recpub *rp)
{
	struct nw_rec_ctl *rc = &e->ld.stats->rec;

	memset(rp, 0, sizeof(*rp));
	if (!e->ld.regions || __atomic_load_n(&rc->want_ns, __ATOMIC_ACQUIRE) < nw_now_ns())
		return false;
	rp->tg = malloc((e->ts.n ? e->ts.n : 1) * sizeof(*rp->tg));
	if (!rp->tg)
		return false;
	for (size_t i = 0; i < e->ts.n; i++)
		if (!e->ts.t[i]->gone)
			rp->tg[rp->ntg++] = (struct tg_full){ e->ts.t[i]->pid, e->ts.t[i]->full_at };
	qsort(rp->tg, rp->ntg, sizeof(*rp->tg), tg_cmp);
	rp->out = e->ld.regions;
	rp->cap = NW_REC_REGIONS;
	rp->now = e->heat.now;
	/* odd: being written */
	__atomic_store_n(&rc->seq, rc->seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	rp->on = true;
	return true;
}

void recpub_put(struct recpub *rp, const struct region *r, int cls, int src, float heat,
		uint64_t age_us)
{
	struct tg_full key = { region_tgid(r), 0 }, *tg;
	struct nw_rec_region *o;

	if (!rp->on)
		return;
	tg = bsearch(&key, rp->tg, rp->ntg, sizeof(*rp->tg), tg_cmp);
	/* not a live target, or not met by its last full scan (unmapped since) */
	if (!tg || !r->scanned || !tg->full_at || !region_stamp_since(r->seen, tg->full_at))
		return;
	if (rp->n >= rp->cap) {
		rp->dropped++;
		return;
	}
	o = &rp->out[rp->n++];
	o->addr = region_addr(r);
	o->pid = key.pid;
	o->cls = (uint8_t)cls;
	o->src = (uint8_t)src;
	o->nr_accesses = region_damon_fresh(r, rp->now) ? r->dnr : NW_REC_NO_NR;
	o->node = r->node;
	o->heat_x100 = (uint32_t)(heat * 100.0f + 0.5f);
	o->age_ms = age_us / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(age_us / 1000);
	o->damon_age = r->dage;
	o->pages = r->pages;
	memcpy(o->on, r->on, sizeof(o->on));
}

void recpub_end(struct engine *e, struct recpub *rp)
{
	struct nw_rec_ctl *rc = &e->ld.stats->rec;

	if (!rp->on)
		return;
	rc->n = rp->n;
	rc->dropped = rp->dropped;
	rc->pass = e->ctl.passes;
	rc->at_ns = nw_now_ns();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&rc->seq, rc->seq + 1, __ATOMIC_RELEASE);	/* even: done */
	free(rp->tg);
	rp->on = false;
}
