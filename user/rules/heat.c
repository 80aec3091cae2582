// SPDX-License-Identifier: GPL-2.0
/*
 * heat.c — per-region access heat, fed by ring-buffer events, read by the
 * planner to order work (hottest first) and to apply damo access patterns.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "heat.h"
#include "vec.h"

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

int heat_init(struct heat *h, uint64_t max_regions, double decay)
{
	memset(h, 0, sizeof(*h));
	h->cap = 1024;
	h->max_slots = 1024;
	while (h->max_slots < 2 * max_regions)
		h->max_slots <<= 1;
	h->decay = decay;
	heat_damon_quiet();
	h->tab = calloc(h->cap, sizeof(*h->tab));
	return h->tab ? 0 : -ENOMEM;
}

void heat_free(struct heat *h)
{
	free(h->tab);
	free(h->drop);
	h->tab = NULL;
	h->drop = NULL;
	h->ndrop = 0;
}

static struct region *slot(struct region *tab, uint64_t cap, uint64_t key)
{
	uint64_t i = mix(key) & (cap - 1);

	while (tab[i].key && tab[i].key != key)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int grow(struct heat *h)
{
	uint64_t ncap = h->cap * 2, i;
	struct region *nt;

	if (ncap > h->max_slots)
		return -ENOSPC;
	nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (i = 0; i < h->cap; i++)
		if (h->tab[i].key)
			*slot(nt, ncap, h->tab[i].key) = h->tab[i];
	free(h->tab);
	h->tab = nt;
	h->cap = ncap;
	return 0;
}

struct region *heat_find(const struct heat *h, uint32_t tgid, uint64_t addr)
{
	struct region *r = slot(h->tab, h->cap, heat_key(tgid, addr));

	return r->key ? r : NULL;
}

struct region *heat_get(struct heat *h, uint32_t tgid, uint64_t addr)
{
	uint64_t key = heat_key(tgid, addr);
	struct region *r;

	if (!key)
		return NULL;	/* tgid 0 owns no user memory */
	r = slot(h->tab, h->cap, key);
	if (!r->key) {
		if ((h->used + 1) * 2 > h->cap && grow(h)) {
			h->refused++;
			return NULL;
		}
		r = slot(h->tab, h->cap, key);
		memset(r, 0, sizeof(*r));
		r->key = key;
		r->node = NW_RNODE_UNKNOWN;
		h->used++;
	}
	return r;
}

struct region *heat_touch_n(struct heat *h, uint32_t tgid, uint64_t addr, uint32_t n)
{
	struct region *r = heat_get(h, tgid, addr);

	if (!r)
		return NULL;
	r->score += (float)n;
	r->nr = r->nr + n < UINT16_MAX ? r->nr + n : UINT16_MAX;
	r->touched = h->now + 1;
	r->dirty = 1;
	r->armed = 0;	/* a fault answers NUMA balancing's arming */
	return r;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

long heat_dirty_keys(const struct heat *h, uint64_t **keys, size_t *cap)
{
	size_t n = 0;

	for (uint64_t i = 0; i < h->cap; i++) {
		if (!h->tab[i].key || !h->tab[i].dirty)
			continue;
		if (vec_reserve(keys, cap, n + 1, sizeof(**keys), 256))
			return -ENOMEM;
		(*keys)[n++] = h->tab[i].key;
	}
	if (n)
		qsort(*keys, n, sizeof(**keys), cmp_u64);
	return (long)n;
}

size_t heat_keys_lower(const uint64_t *keys, size_t n, uint64_t k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (keys[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* age is one of the watched ones */
static bool watched(const uint32_t *w, uint64_t age)
{
	for (int i = 0; i < NW_HEAT_WATCH && w[i]; i++)
		if (age == w[i])
			return true;
	return false;
}

/* from one age to the next, a watched one was reached */
static bool crossed(const uint32_t *w, uint32_t from, uint32_t to)
{
	for (int i = 0; i < NW_HEAT_WATCH && w[i]; i++)
		if (from < w[i] && to >= w[i])
			return true;
	return false;
}

void heat_watch(uint32_t *w, uint32_t age)
{
	for (int i = 0; i < NW_HEAT_WATCH; i++) {
		if (w[i] == age)
			return;
		if (!w[i]) {
			w[i] = age;
			return;
		}
	}
	/* full: keep the smallest ones (a region is due no later than the next full pass) */
	for (int i = 0; i < NW_HEAT_WATCH; i++)
		if (age < w[i]) {
			uint32_t t = w[i];

			w[i] = age;
			age = t;
		}
}

void heat_tick(struct heat *h)
{
	for (uint64_t i = 0; i < h->cap; i++) {
		struct region *r = &h->tab[i];
		uint8_t cls;

		if (!r->key)
			continue;
		r->last_nr = r->nr;
		r->nr = 0;
		r->score *= (float)h->decay;
		cls = r->score < 1.0f ? 0 : (uint8_t)(1 + ilogbf(r->score));
		if (cls != r->cls) {
			r->cls = cls;
			r->age = 0;
		} else if (r->age < UINT32_MAX) {
			r->age++;
			if (h->watch_age[0] && watched(h->watch_age, r->age))
				r->dirty = 1;	/* reached age.min: due for a scan */
		}
		/* armed and unanswered for age.min once this interval ends */
		if (h->watch_age[0] && r->armed &&
		    watched(h->watch_age, (uint64_t)h->now + 2 - r->armed))
			r->dirty = 1;
	}
	h->now++;
}

void heat_drop(struct heat *h, uint32_t tgid)
{
	size_t cap = h->ndrop;

	for (size_t i = 0; i < h->ndrop; i++)
		if (h->drop[i] == tgid)
			return;
	if (!vec_reserve(&h->drop, &cap, h->ndrop + 1, sizeof(*h->drop), 16))
		h->drop[h->ndrop++] = tgid;
	else
		heat_drop_flush(h);	/* no memory for the queue: drop what is queued now */
}

bool heat_drop_pending(const struct heat *h, uint32_t tgid)
{
	for (size_t i = 0; i < h->ndrop; i++)
		if (h->drop[i] == tgid)
			return true;
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void heat_drop_flush(struct heat *h)
{
	uint64_t i, n = 0;
	struct region *keep;

	if (!h->ndrop)
		return;
	/* One rebuild for every process queued: simple and correct for open addressing. */
	keep = calloc(h->cap, sizeof(*keep));
	if (!keep)
		return;	/* kept queued: the next flush tries again */
	qsort(h->drop, h->ndrop, sizeof(*h->drop), cmp_u32);
	for (i = 0; i < h->cap; i++) {
		uint32_t t = region_tgid(&h->tab[i]);

		if (!h->tab[i].key || bsearch(&t, h->drop, h->ndrop, sizeof(t), cmp_u32))
			continue;
		*slot(keep, h->cap, h->tab[i].key) = h->tab[i];
		n++;
	}
	free(h->tab);
	h->tab = keep;
	h->used = n;
	h->ndrop = 0;
}

uint32_t heat_damon_fresh = NW_DAMON_FRESH;
uint32_t heat_damon_recall = NW_DAMON_FRESH;
uint32_t heat_damon_heard;

/* intervals of interval_us that cover n aggregations of aggr_us, and two more */
static uint32_t aggr_intervals(uint64_t n, uint64_t aggr_us, uint64_t interval_us)
{
	uint64_t k = (n * aggr_us + interval_us - 1) / interval_us + 2;

	return k > 100000 ? 100000 : (uint32_t)k;
}

uint32_t heat_damon_span(uint64_t interval_us, uint64_t sample_us)
{
	uint64_t aggr = (sample_us ? sample_us : NW_DAMON_SAMPLE_US) * NW_DAMON_MAX_NR;

	if (!interval_us) {
		heat_damon_fresh = heat_damon_recall = NW_DAMON_FRESH;
		return heat_damon_fresh;
	}
	heat_damon_fresh = aggr_intervals(1, aggr, interval_us);
	if (heat_damon_fresh < NW_DAMON_FRESH)
		heat_damon_fresh = NW_DAMON_FRESH;
	heat_damon_recall = aggr_intervals(NW_DAMON_GOAL_AGGRS, aggr, interval_us);
	return heat_damon_fresh;
}

unsigned int heat_damon_min_regions(uint64_t bytes)
{
	uint64_t n = (bytes + NW_DAMON_REGION_BYTES - 1) / NW_DAMON_REGION_BYTES;

	return n < NW_DAMON_MIN_REGIONS ? NW_DAMON_MIN_REGIONS
	       : n > NW_DAMON_MAX_MIN_REGIONS ? NW_DAMON_MAX_MIN_REGIONS : (unsigned int)n;
}

static void damon_update(struct heat *h, struct region *r, unsigned int nr, unsigned int age,
			  bool major)
{
	bool first = !r->dseen, flip, again = r->dseen == h->now + 1;

	/*
	 * DAMON's regions do not follow 2 MiB boundaries: where several speak of
	 * one region in an interval, a word covering at least half of it beats
	 * one covering less (a DAMON region across a hot chunk's edge made the
	 * idle 2 MiB beside it hot: hot precision 0.89-0.91 on the emulated
	 * tier); among the same, the most accessed wins (a region half read is
	 * not idle), then the youngest age.
	 */
	if (again && r->dmajor && !major)
		return;	/* a sliver after a word over most of it */
	if (again && r->dmajor == major) {
		if (r->dnr > nr) {
			nr = r->dnr;
			age = r->dage;
		} else if (r->dnr == nr && r->dage < age) {
			age = r->dage;
		}
	}
	/*
	 * An interval's word is final once the next interval's first comes: a
	 * word that saw accesses is remembered (dacc) only then, so a sliver
	 * across a hot neighbour's edge that a word over most of the region
	 * overrode in the same interval is not (it made the idle 2 MiB after
	 * each hot chunk warm: hot precision 0.889-0.914 on the emulated tier).
	 */
	if (!again && r->dnr)
		r->dacc = r->dseen;
	r->dmajor = major;
	flip = !!r->dnr != !!nr;
	bool cross = h->damon_watch_age[0] && crossed(h->damon_watch_age, r->dage, age);

	r->dnr = nr > 255 ? 255 : (uint8_t)nr;
	r->dage = age;
	r->dseen = h->now + 1;
	if (first || flip || cross)
		r->dirty = 1;
}

/* Each region of tgid the table holds in [start, start + bytes): bounded by
 * the smaller of the range and the table. */
static uint64_t heat_range(struct heat *h, uint32_t tgid, uint64_t start, uint64_t bytes,
			   void (*fn)(struct heat *, struct region *, void *), void *arg)
{
	uint64_t end = start + bytes, n = 0;
	uint64_t lo = start >> NW_REGION_SHIFT, hi = (end + (1ull << NW_REGION_SHIFT) - 1) >>
						    NW_REGION_SHIFT;

	if (!bytes || end < start)
		return 0;
	if (hi - lo <= h->used) {
		for (uint64_t k = lo; k < hi; k++) {
			struct region *r = heat_find(h, tgid, k << NW_REGION_SHIFT);

			if (r) {
				fn(h, r, arg);
				n++;
			}
		}
		return n;
	}
	/* a huge range (a reservation): walk the table instead */
	for (uint64_t i = 0; i < h->cap; i++) {
		struct region *r = &h->tab[i];
		uint64_t a;

		if (!r->key || region_tgid(r) != tgid)
			continue;
		a = region_addr(r);
		if (a + (1ull << NW_REGION_SHIFT) > start && a < end) {
			fn(h, r, arg);
			n++;
		}
	}
	return n;
}

struct damon_word {
	unsigned int nr, age;
	uint64_t start, end;
};

static void damon_one(struct heat *h, struct region *r, void *arg)
{
	const struct damon_word *d = arg;
	uint64_t a = region_addr(r), b = a + (1ull << NW_REGION_SHIFT);
	uint64_t lo = d->start > a ? d->start : a, hi = d->end < b ? d->end : b;

	damon_update(h, r, d->nr, d->age, 2 * (hi - lo) >= (1ull << NW_REGION_SHIFT));
}

static void moved_one(struct heat *h, struct region *r, void *arg)
{
	*(bool *)arg |= region_moved_lately(r, h->now);
}

/* A word set aside: what the region had stays, and stays valid. */
static void renew_one(struct heat *h, struct region *r, void *arg)
{
	(void)arg;
	if (r->dseen)
		r->dseen = h->now + 1;
}

uint64_t heat_damon(struct heat *h, uint32_t tgid, uint64_t start, uint64_t bytes,
		    unsigned int nr, unsigned int age)
{
	struct damon_word d = { nr, age, start, start + bytes };
	bool moved = false;

	heat_damon_heard = h->now + 1;	/* DAMON's clock, whether the table holds the range or not */
	/*
	 * DAMON samples one page of its region at a time: pages moved anywhere
	 * in it count for the whole word, so the word goes for every region.
	 */
	heat_range(h, tgid, start, bytes, moved_one, &moved);
	if (moved) {
		h->damon_moved++;
		return heat_range(h, tgid, start, bytes, renew_one, NULL);
	}
	return heat_range(h, tgid, start, bytes, damon_one, &d);
}

bool heat_young(struct heat *h, uint32_t tgid, uint64_t addr, uint32_t present, uint32_t young,
		unsigned int span)
{
	struct region *r = heat_find(h, tgid, addr);
	unsigned int nr = 0, age = span;

	if (!r || !present)
		return false;
	heat_damon_heard = h->now + 1;
	if (young)	/* its share of pages accessed, DAMON's scale; one page is not none */
		nr = (young * NW_DAMON_MAX_NR + present - 1) / present;
	if (nr > NW_DAMON_MAX_NR)
		nr = NW_DAMON_MAX_NR;
	/* as DAMON's age: how long it has stayed accessed, or idle */
	if (region_damon_fresh(r, h->now) && !!r->dnr == !!nr)
		age += r->dage;
	damon_update(h, r, nr, age, true);
	return true;
}

struct arm_word {
	int skip_node;
	uint64_t armed;
};

static void arm_one(struct heat *h, struct region *r, void *arg)
{
	struct arm_word *a = arg;

	if (r->node == NW_RNODE_UNKNOWN ||
	    (a->skip_node >= 0 && r->node == (unsigned int)a->skip_node))
		return;	/* not armed, or not known to be: no evidence either way */
	if (!r->arm_seen)
		r->dirty = 1;	/* a read source's first word: due (a quota waited for it) */
	r->arm_seen = h->now + 1;
	a->armed++;
	if (region_since_touch(r, h->now) <= 1)
		return;	/* answered, perhaps before this record came */
	if (!r->armed)
		r->armed = h->now + 1;	/* idle from the first arm no fault answered */
}

uint64_t heat_arm(struct heat *h, uint32_t tgid, uint64_t start, uint64_t bytes, int skip_node)
{
	struct arm_word a = { skip_node, 0 };

	heat_range(h, tgid, start, bytes, arm_one, &a);
	return a.armed;
}

void heat_forget_arms(struct heat *h)
{
	for (uint64_t i = 0; i < h->cap; i++)
		h->tab[i].armed = h->tab[i].arm_seen = 0;
}
