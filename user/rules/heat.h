/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heat — access heat per region of a target's address space. Pure.
 *
 * A region is 2 MiB of one process's virtual addresses (a THP's worth). Each
 * holds a decayed event score, the events of the current interval, its age
 * (intervals since its heat last changed class, damo's "age"), a dirty bit
 * (faulted since the last pass), DAMON's word on it where DAMON is a source
 * (or, where it is not, the accessed bits numaweave read itself),
 * NUMA balancing's arming, the node its pages were on at the last scan, and
 * the planner's placement state, and its pages per node at the last scan
 * (numaweave record draws them). 80 bytes a region in an open-addressed
 * table at most half full: a target with 1 TiB resident has 512 Ki regions
 * and costs at most 80 MiB (the table's power-of-two rounding included);
 * the table refuses to grow past its cap and counts what it could not hold.
 */
#ifndef NW_HEAT_H
#define NW_HEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NW_REGION_SHIFT 21

/* DAMON as a source (damon.c): its sampling and what 100 % accesses is */
#define NW_DAMON_SAMPLE_US 5000
#define NW_DAMON_AGGR_US 100000
#define NW_DAMON_MAX_NR (NW_DAMON_AGGR_US / NW_DAMON_SAMPLE_US)
#define NW_DAMON_FRESH 5	/* intervals DAMON's last word on a region stays valid, at least */
/*
 * DAMON's regions: it merges them only up to the monitored size over its
 * minimum count, so that minimum sets how coarse its word can be. With its
 * default of 10 a 256 MiB job had regions of 20-64 MiB, each straddling hot
 * and idle memory; with 200, ~1.3 MiB, but a job whose mappings span 850 MiB
 * had ~4.3 MiB regions across the edges of 16 MiB hot chunks (hot precision
 * 0.59 on the emulated tier). numaweave asks for one region per
 * NW_DAMON_REGION_BYTES of what DAMON monitors (heat_damon_min_regions), at
 * least NW_DAMON_MIN_REGIONS and at most NW_DAMON_MAX_MIN_REGIONS, under a
 * maximum of NW_DAMON_MAX_REGIONS. DAMON checks one page per region per
 * sample: at most 180,000 a second at the 5 ms floor with 900.
 */
#define NW_DAMON_REGION_BYTES (1ull << 20)
#define NW_DAMON_MIN_REGIONS 200
#define NW_DAMON_MAX_MIN_REGIONS 900
#define NW_DAMON_MAX_REGIONS 1000
/*
 * Where the kernel tunes DAMON's intervals (Linux 6.15+, intervals_goal: as
 * DAMON_STAT does), numaweave asks for 4 % of the possible accesses seen in
 * 3 aggregations, sampling every 5 ms to 500 ms: aggregations of 100 ms to
 * 10 s. The ratio of the two intervals, so NW_DAMON_MAX_NR, stays; ages are
 * converted to NW_DAMON_AGGR_US units as they arrive (heat_damon_age).
 */
#define NW_DAMON_GOAL_BP 400
#define NW_DAMON_GOAL_AGGRS 3
#define NW_DAMON_MAX_SAMPLE_US 500000

struct region {
	uint64_t key;		/* tgid << 40 | region number (addr >> 21), 0 = free */
	float score;		/* decayed events */
	uint16_t nr;		/* events in the current interval */
	uint16_t last_nr;	/* events in the last whole interval */
	uint32_t age;		/* intervals since the score last crossed a power of two */
	uint32_t touched;	/* interval + 1 of its last event (an access), 0 never */
	uint32_t placed_gen;	/* weights generation it was last fully placed under, 0 none */
	uint32_t backoff_until;	/* interval before which the planner leaves it alone */
	uint8_t dirty : 1;
	uint8_t removes : 6;	/* times it was found misplaced again after placing (<= 31) */
	uint8_t dmajor : 1;	/* DAMON: its last word covered at least half of it */
	uint8_t cls;		/* log2 class of the score, for age */
	uint8_t node;		/* node of all its pages at the last scan, or NW_RNODE_* */
	uint8_t dnr;		/* DAMON: nr_accesses in its last aggregation (0..MAX_NR) */
	uint32_t dage;		/* DAMON: age, aggregation intervals */
	uint32_t dseen;		/* DAMON: interval of its last word + 1, 0 never */
	uint32_t dacc;		/* DAMON: interval + 1 of its last word with accesses before the
				   latest one (an interval's word is final at the next's), 0 never */
	uint32_t dmoved;	/* interval + 1 numaweave last moved (or tried) pages of it, 0 never */
	uint32_t armed;		/* NUMA balancing: interval + 1 of the first arm no fault
				   has answered yet, 0 none pending */
	uint32_t arm_seen;	/* NUMA balancing: interval + 1 of its last arm, 0 never */
	uint16_t pages;		/* resident pages at its last scan, the moves since applied */
	uint16_t on[7];		/* of them, on nodes 0..6 (abi.h NW_REC_NODES) */
	uint16_t scanned;	/* pass stamp (pass + 1, 16 bits) of its last scan, 0 never */
	uint16_t seen;		/* pass stamp of the last pass that found it resident */
};

#define NW_RNODE_MIXED 0xfe	/* pages on several nodes, or some moved since the scan */
#define NW_RNODE_UNKNOWN 0xff	/* not scanned yet */

#define NW_HEAT_WATCH 4	/* age.min values watched: a daemon's policies may differ */

struct heat {
	struct region *tab;
	uint64_t cap;		/* slots, a power of two */
	uint64_t used;
	uint64_t max_slots;	/* the cap on growth */
	uint64_t refused;	/* events for regions that did not fit */
	uint64_t damon_moved;	/* DAMON words set aside: numaweave moved their pages meanwhile */
	uint32_t now;		/* current interval */
	double decay;		/* score multiplier per interval */
	/*
	 * DAMON ages (aggregation intervals) whose crossing makes a region due
	 * for a scan: the policies' age.min, 0 ends the list; and the same for
	 * the fault-based age (intervals).
	 */
	uint32_t damon_watch_age[NW_HEAT_WATCH];
	uint32_t watch_age[NW_HEAT_WATCH];
	uint32_t *drop;			/* processes whose regions go at the next flush */
	size_t ndrop;
};

int heat_init(struct heat *h, uint64_t max_regions, double decay);
void heat_free(struct heat *h);
/* Record n accesses; returns the region or NULL if the table is full. */
struct region *heat_touch_n(struct heat *h, uint32_t tgid, uint64_t addr, uint32_t n);
static inline struct region *heat_touch(struct heat *h, uint32_t tgid, uint64_t addr)
{
	return heat_touch_n(h, tgid, addr, 1);
}
struct region *heat_find(const struct heat *h, uint32_t tgid, uint64_t addr);
/* The region, created with no heat if missing; NULL if the table is full. */
struct region *heat_get(struct heat *h, uint32_t tgid, uint64_t addr);
/*
 * DAMON's word on [start, start + bytes) of tgid: the regions the table holds
 * there (made by scans, where memory is resident) take nr_accesses and age.
 * A region becomes dirty (due for a scan) on its first word, when it turns
 * idle or accessed, and when its age crosses damon_watch_age. A word over a
 * range where numaweave moved pages lately (region_moved_lately) is set
 * aside (counted in damon_moved): the regions it covers keep their previous
 * word, renewed (a region with none waits for a later word). Returns the
 * regions updated; cost bounded by the smaller of the range and the table.
 */
uint64_t heat_damon(struct heat *h, uint32_t tgid, uint64_t start, uint64_t bytes,
		    unsigned int nr, unsigned int age);
/*
 * Accessed bits of the 2 MiB region at addr over the last `span` DAMON
 * aggregation intervals (young.h): of `present` resident pages, `young` were
 * accessed. Kept in DAMON's fields and units (nr_accesses: the share of pages
 * accessed, 0..NW_DAMON_MAX_NR; age: how long it has been accessed, or idle),
 * so the rules read one kind of sampled word; the two never run together.
 * A region the table does not hold (not scanned yet) is left alone: false.
 */
bool heat_young(struct heat *h, uint32_t tgid, uint64_t addr, uint32_t present, uint32_t young,
		unsigned int span);
/*
 * NUMA balancing armed [start, start + bytes) of tgid (some of its pages: the
 * call changed at least one entry): the regions the table holds there wait
 * for a fault to answer. skip_node >= 0: the kernel left the pages on that
 * node alone (a single-threaded process's own node), so a region all on it
 * was not armed and learns nothing; nor does one not scanned yet. A region
 * touched in this interval or the last one counts as answered: the record
 * comes after the arming, and the faults that answer it may come before the
 * record. Returns the regions armed.
 */
uint64_t heat_arm(struct heat *h, uint32_t tgid, uint64_t start, uint64_t bytes, int skip_node);
/* NUMA balancing's arming is no evidence any more (its mode changed): forget it. */
void heat_forget_arms(struct heat *h);
/* Armed and not answered: idle for this many intervals (0: not pending). */
static inline uint32_t region_arm_idle(const struct region *r, uint32_t now)
{
	return r && r->armed ? now + 1 - r->armed : 0;
}
/* Intervals since its last event (an access of any kind); UINT32_MAX never. */
static inline uint32_t region_since_touch(const struct region *r, uint32_t now)
{
	return r && r->touched ? now + 1 - r->touched : UINT32_MAX;
}
/*
 * Intervals DAMON's word stays valid: NW_DAMON_FRESH, or longer where its
 * aggregation interval is (one DAMON per process: heat_damon_span sets it).
 */
extern uint32_t heat_damon_fresh;
/*
 * Intervals a DAMON word that saw accesses keeps a region accessed (warm)
 * after later words call it idle: NW_DAMON_GOAL_AGGRS aggregations and two
 * intervals (while the latest word is fresh). DAMON checks one page of a region
 * per sample, so a region read once in a few seconds shows accesses in some
 * aggregations and none in others (in the emulated tier, with the kernel
 * tuning aggregations to 1.4-2.9 s, a hot set read about once in 6 s was
 * idle in DAMON's last word for 17 of 32 hot regions); numaweave tunes DAMON
 * to see its accesses over NW_DAMON_GOAL_AGGRS aggregations and keeps its
 * word on them for as long. DAMON's own nr_accesses and age (damo's access
 * patterns) are left as DAMON gave them: its age does not restart when a
 * region goes from one sample accessed to none, so it cannot tell this.
 */
extern uint32_t heat_damon_recall;
/*
 * DAMON now samples every sample_us (0: as numaweave started it) and the
 * controller's interval is interval_us: how long a word stays valid (an
 * aggregation and two intervals, at least NW_DAMON_FRESH; returned) and how
 * long one that saw accesses is remembered (heat_damon_recall).
 */
uint32_t heat_damon_span(uint64_t interval_us, uint64_t sample_us);
/* DAMON's minimum region count for targets whose monitored spans sum to bytes. */
unsigned int heat_damon_min_regions(uint64_t bytes);
/* DAMON's age (aggregations of sample_us x NW_DAMON_MAX_NR) in NW_DAMON_AGGR_US units. */
static inline unsigned int heat_damon_age(unsigned int age, uint64_t sample_us)
{
	uint64_t a = sample_us ? (uint64_t)age * sample_us / NW_DAMON_SAMPLE_US : age;

	return a > UINT32_MAX ? UINT32_MAX : (unsigned int)a;
}
/*
 * DAMON runs late when its kdamond is starved (in the TCG guests its
 * aggregations came up to 2x later than its intervals, and then several at
 * once): its words then keep their validity while it is silent, counted on
 * its own clock (the interval of its latest word), for up to NW_DAMON_LATE
 * times heat_damon_fresh; past that, the controller's clock runs on.
 */
#define NW_DAMON_LATE 3
/* Interval + 1 of DAMON's latest word on any region (0: none, or stopped). */
extern uint32_t heat_damon_heard;
/* DAMON stopped: its words age on the controller's clock from now on. */
static inline void heat_damon_quiet(void)
{
	heat_damon_heard = 0;
}
/* Intervals DAMON has been silent: since its latest word (0: spoke this interval, none, stopped). */
static inline uint32_t heat_damon_silent(uint32_t now)
{
	return heat_damon_heard && heat_damon_heard <= now + 1 ? now + 1 - heat_damon_heard : 0;
}
/* The interval DAMON's words are aged to: now, or DAMON's own while it is late. */
static inline uint32_t heat_damon_now(uint32_t now)
{
	uint32_t silent = heat_damon_silent(now), allow = NW_DAMON_LATE * heat_damon_fresh;

	return now - (silent < allow ? silent : allow);
}
/* DAMON spoke of this region in its latest words (its aggregation and two intervals). */
static inline bool region_damon_fresh(const struct region *r, uint32_t now)
{
	return r && r->dseen && heat_damon_now(now) + 1 - r->dseen <= heat_damon_fresh;
}
/* One of DAMON's words within heat_damon_recall saw accesses (counts where its latest is fresh). */
static inline bool region_damon_recalls(const struct region *r, uint32_t now)
{
	return r->dacc && heat_damon_now(now) + 1 - r->dacc <= heat_damon_recall;
}
/*
 * numaweave moved (or tried to move) pages of the region lately: a DAMON
 * word on it whose aggregation may have overlapped the move does not speak
 * of the job. move_pages(2) takes the folios off the LRU before it migrates
 * them, and DAMON leaves a folio off the LRU unmarked when it samples it
 * (damon_get_folio), then finds the migrated one accessed: in a 7.3 guest,
 * 216 MiB no one touched read up to 20 of 20 samples accessed in every
 * aggregation over the 5 s move_pages(2) took on it, and none after
 * (docs/design.md). The span is a word's validity (heat_damon_fresh: an
 * aggregation and two intervals), so any aggregation that saw the move
 * ends within it.
 */
static inline bool region_moved_lately(const struct region *r, uint32_t now)
{
	return r->dmoved && now + 1 - r->dmoved <= heat_damon_fresh;
}
/* numaweave moves, or tries to move, pages of the region in interval now. */
static inline void region_moving(struct region *r, uint32_t now)
{
	r->dmoved = now + 1;
}
/*
 * The keys of the regions due for a scan (dirty), sorted: by process, then
 * address. One walk of the table; *keys grows as needed. Returns how many or
 * -ENOMEM.
 */
long heat_dirty_keys(const struct heat *h, uint64_t **keys, size_t *cap);
/* Index of the first key >= k in keys[0..n). */
size_t heat_keys_lower(const uint64_t *keys, size_t n, uint64_t k);
/* End of an interval: decay, age, roll the interval counters. */
void heat_tick(struct heat *h);
/* Watch age in w (a watch_age array): up to NW_HEAT_WATCH ages, the smallest kept. */
void heat_watch(uint32_t *w, uint32_t age);
/*
 * Forget every region of a process: queued, and done for all queued processes
 * in one rebuild of the table by heat_drop_flush() (once a pass: a fork storm
 * costs one rebuild per interval, not one per exit). Until then the regions
 * stay findable; a pid that comes back must be flushed first.
 */
void heat_drop(struct heat *h, uint32_t tgid);
bool heat_drop_pending(const struct heat *h, uint32_t tgid);
void heat_drop_flush(struct heat *h);
static inline uint64_t heat_key(uint32_t tgid, uint64_t addr)
{
	return ((uint64_t)tgid << 40) | ((addr >> NW_REGION_SHIFT) & ((1ull << 40) - 1));
}
static inline uint64_t region_addr(const struct region *r)
{
	return (r->key & ((1ull << 40) - 1)) << NW_REGION_SHIFT;
}
static inline uint32_t region_tgid(const struct region *r)
{
	return (uint32_t)(r->key >> 40);
}
/*
 * The pages of a region by node (numaweave record): a scan starts it afresh
 * (region_scan_start), counts each folio it finds (region_count), and each
 * move the planner makes is applied after (region_moved). Nodes above the
 * named ones count in pages only. Saturates at the 16-bit field's limit.
 */
#define NW_REGION_ON_NODES ((int)(sizeof(((struct region *)0)->on) / sizeof(uint16_t)))
/* A pass's stamp for scanned and seen: never 0, wraps at 16 bits. */
static inline uint16_t region_stamp(uint64_t passes)
{
	uint16_t s = (uint16_t)(passes + 1);

	return s ? s : 1;
}
/* Stamp a is the same pass as b or a later one (within 32k passes of each other). */
static inline bool region_stamp_since(uint16_t a, uint16_t b)
{
	return (uint16_t)(a - b) < 0x8000;
}
static inline void region_scan_start(struct region *r, uint16_t pass_stamp)
{
	r->pages = 0;
	memset(r->on, 0, sizeof(r->on));
	r->scanned = pass_stamp;
}
static inline uint16_t region_add16(uint16_t a, int64_t d)
{
	int64_t v = (int64_t)a + d;

	return v < 0 ? 0 : v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}
static inline void region_count(struct region *r, int node, uint64_t pages)
{
	r->pages = region_add16(r->pages, (int64_t)pages);
	if (node >= 0 && node < NW_REGION_ON_NODES)
		r->on[node] = region_add16(r->on[node], (int64_t)pages);
}
static inline void region_moved(struct region *r, int src, int dst, uint64_t pages)
{
	if (src >= 0 && src < NW_REGION_ON_NODES)
		r->on[src] = region_add16(r->on[src], -(int64_t)pages);
	if (dst >= 0 && dst < NW_REGION_ON_NODES)
		r->on[dst] = region_add16(r->on[dst], (int64_t)pages);
}
/* Bytes the table holds now. */
static inline uint64_t heat_bytes(const struct heat *h)
{
	return h->cap * sizeof(struct region);
}

#endif
