// SPDX-License-Identifier: GPL-2.0
/* policy.c: each rule on plain structs, as the controller meets them. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "config.h"
#include "policy.h"

#define GIB (1ull << 30)

static struct nw_vma anon(uint64_t start, uint64_t end)
{
	return (struct nw_vma){ .start = start, .end = end, .pgoff = start >> 12,
				.kind = NW_VMA_ANON };
}

Test(policy, eligible_vmas)
{
	struct nw_vma v = anon(0, GIB);

	cr_assert(policy_vma_eligible(&v));
	v.kind = NW_VMA_FILE;
	cr_assert(policy_vma_eligible(&v), "private file mapping: its CoW-ed pages");
	cr_assert(policy_vma_anon_only(&v));
	v.flags = 0x8;	/* VM_SHARED: page cache of a shared file */
	cr_assert(!policy_vma_eligible(&v));
	v.kind = NW_VMA_SHMEM;
	cr_assert(policy_vma_eligible(&v) && !policy_vma_anon_only(&v), "shared shmem: all pages");
	v = anon(0, GIB);
	v.flags = 0x00400000;	/* VM_HUGETLB */
	cr_assert(!policy_vma_eligible(&v));
	v.flags = 0x00004000;	/* VM_IO */
	cr_assert(!policy_vma_eligible(&v));
}

static struct damos_filter anon_f(bool matching, bool allow)
{
	return (struct damos_filter){ .type = NW_FILTER_ANON, .matching = matching, .allow = allow };
}

static struct damos_filter addr_f(uint64_t start, uint64_t end, bool matching, bool allow)
{
	return (struct damos_filter){ NW_FILTER_ADDR, matching, allow, start, end };
}

/* pass(c, vma, addr) over a list: "AaS" = expected for anon at in/out, shmem */
#define F(...) do { struct damos_filter l_[] = { __VA_ARGS__ };				\
		c.nr_dfilters = sizeof(l_) / sizeof(l_[0]);				\
		memcpy(c.dfilters, l_, sizeof(l_)); } while (0)

/* DAMOS filter semantics (DAMON's docs and mm/damon/core.c), case by case. */
Test(policy, filters_damos_allow_reject)
{
	struct nw_config c;
	struct nw_vma a = anon(0, GIB), sh = a, cow = a;
	const uint64_t in = 0x1800, out = 0x5000;

	config_defaults(&c);
	sh.kind = NW_VMA_SHMEM;
	sh.flags = 0x08;	/* VM_SHARED */
	cow.kind = NW_VMA_FILE;		/* a private file mapping: its CoW-ed pages are anon */
	cr_assert(policy_filters_pass(&c, &a, in) && policy_filters_pass(&c, &sh, in),
		  "no filter: everything");
	F(anon_f(true, false));
	cr_assert(!policy_filters_pass(&c, &a, in) && !policy_filters_pass(&c, &cow, in) &&
		  policy_filters_pass(&c, &sh, in), "reject anon: shmem only");
	F(anon_f(true, true));
	cr_assert(policy_filters_pass(&c, &a, in) && policy_filters_pass(&c, &cow, in) &&
		  !policy_filters_pass(&c, &sh, in), "allow anon: the rest is rejected (last allows)");
	F(anon_f(false, false));
	cr_assert(policy_filters_pass(&c, &a, in) && !policy_filters_pass(&c, &sh, in),
		  "reject non-anon: anon only");
	F(addr_f(0x1000, 0x2000, true, true));
	cr_assert(policy_filters_pass(&c, &a, in) && !policy_filters_pass(&c, &a, out),
		  "allow a range: only inside");
	F(addr_f(0x1000, 0x2000, true, false));
	cr_assert(!policy_filters_pass(&c, &a, in) && policy_filters_pass(&c, &a, out),
		  "reject a range: only outside");
	F(addr_f(0x1000, 0x2000, false, true));
	cr_assert(!policy_filters_pass(&c, &a, in) && policy_filters_pass(&c, &a, out),
		  "allow what is not in a range");
	/* core (addr) filters decide before ops (anon) filters, whatever their order */
	F(addr_f(0x1000, 0x2000, true, true), anon_f(true, false));
	cr_assert(policy_filters_pass(&c, &a, in) && !policy_filters_pass(&c, &a, out) &&
		  policy_filters_pass(&c, &sh, out), "allow range, reject anon");
	F(anon_f(true, false), addr_f(0x1000, 0x2000, true, true));
	cr_assert(policy_filters_pass(&c, &a, in) && !policy_filters_pass(&c, &a, out) &&
		  policy_filters_pass(&c, &sh, out), "reject anon, allow range: the same");
	/* the first match decides: a hole rejected inside an allowed range */
	F(addr_f(0x1800, 0x1900, true, false), addr_f(0x1000, 0x2000, true, true));
	cr_assert(!policy_filters_pass(&c, &a, 0x1800) && policy_filters_pass(&c, &a, 0x1900) &&
		  !policy_filters_pass(&c, &a, out), "a rejected hole in an allowed range");
	F(addr_f(0x1000, 0x2000, true, true), addr_f(0x1800, 0x1900, true, false));
	cr_assert(policy_filters_pass(&c, &a, 0x1800) && policy_filters_pass(&c, &a, out),
		  "allowed first: the later reject never matches first; last rejects: default allows");
	/* targets[].regions still bound everything */
	F(anon_f(true, true));
	c.filters[c.nr_filters++] = (struct addr_filter){ 0x1000, 0x2000, true };
	cr_assert(policy_filters_pass(&c, &a, in) && !policy_filters_pass(&c, &a, out),
		  "outside the target's regions: never");
}

Test(policy, access_pattern_counts_percents_and_age)
{
	struct nw_config c;
	struct region r = { .last_nr = 64, .age = 30 };

	config_defaults(&c);
	c.interval_us = 100000;
	cr_assert(policy_pattern_pass(&c, &r, 100) && policy_pattern_pass(&c, NULL, 100));
	c.ap.acc_min = 65;
	cr_assert(!policy_pattern_pass(&c, &r, 100), "64 events < min 65");
	c.ap.acc_min = 0;
	c.ap.acc_max = 0;
	cr_assert(!policy_pattern_pass(&c, &r, 100) && policy_pattern_pass(&c, NULL, 100),
		  "max 0: only regions with no access");
	/* percent of the region's 512 pages: 64 events = 12.5 % */
	c.ap.acc_pct = true;
	c.ap.acc_min = 12;
	c.ap.acc_max = 13;
	cr_assert(policy_pattern_pass(&c, &r, 100));
	c.ap.acc_min = 13;
	cr_assert(!policy_pattern_pass(&c, &r, 100));
	c.ap.acc_pct = false;
	c.ap.acc_min = 0;
	c.ap.acc_max = INFINITY;
	/* age: 30 intervals of 100 ms = 3 s; a region never seen is as old as the run */
	c.ap.age_min_us = 3000000;
	cr_assert(policy_pattern_pass(&c, &r, 100));
	c.ap.age_min_us = 3000001;
	cr_assert(!policy_pattern_pass(&c, &r, 100));
	cr_assert(policy_pattern_pass(&c, NULL, 100), "never seen: 10 s old");
	cr_assert(!policy_pattern_pass(&c, NULL, 20), "never seen: 2 s old");
	/* size: regions are 2 MiB */
	config_defaults(&c);
	c.ap.sz_min = 4 << 20;
	cr_assert(!policy_pattern_pass(&c, &r, 1));
}

Test(policy, contest_backoff_then_surrender)
{
	struct region r = { .placed_gen = 3 };
	__u64 contested = 0;

	cr_assert(policy_contested(&r, 3) && !policy_contested(&r, 4) && !policy_contested(NULL, 3));
	policy_backoff(&r, 100, &contested);
	cr_assert_eq(r.removes, 1);
	cr_assert_eq(r.backoff_until, 102, "first contest: 2 intervals");
	cr_assert_eq(r.placed_gen, 0, "to be placed again");
	cr_assert_eq(contested, 0);
	policy_backoff(&r, 101, &contested);
	cr_assert_eq(r.removes, 1, "once per backoff: a second report in it changes nothing");
	/* waits out the backoff, then until quiet for QUIET << removes intervals */
	r.touched = 101;	/* its last event in interval 100 */
	cr_assert(policy_region_waits(&r, 101));
	cr_assert(policy_region_waits(&r, 102 + 5), "touched at 100: quiet only since then");
	cr_assert(!policy_region_waits(&r, 100 + (POLICY_QUIET << 1)));
	/* moved back again: surrendered to the kernel */
	policy_backoff(&r, 200, &contested);
	cr_assert_eq(r.removes, POLICY_MAX_CONTESTS);
	cr_assert_eq(r.backoff_until, 200 + POLICY_SURRENDER);
	cr_assert_eq(contested, 1);
	cr_assert(policy_region_waits(&r, 200 + POLICY_SURRENDER - 1));
	/* new weights: placed afresh */
	policy_reset_contests(&r, 1);
	cr_assert(!policy_region_waits(&r, 201) && !r.removes && !r.backoff_until);
	cr_assert(!policy_region_waits(NULL, 0));
}

Test(policy, failures_retry_busy_and_pause_full_nodes)
{
	uint32_t pause[NW_MAX_NODES] = { 0 };
	struct region r = { .placed_gen = 5 };
	bool full = false;
	struct move m[] = { { .addr = 1, .dest = 1, .order = 9 }, { .addr = 2, .dest = 0 },
			    { .addr = 3, .dest = 1 } };
	uint64_t deferred = 0;

	policy_on_failure(NW_FAIL_EBUSY, &r, 1, pause, 50, &full);
	cr_assert(r.dirty && !r.placed_gen && !full, "busy: the region is scanned again");
	policy_on_failure(NW_FAIL_ENOMEM, NULL, 1, pause, 50, &full);
	cr_assert(full && pause[1] == 50 + POLICY_ENOMEM_PAUSE);
	policy_on_failure(NW_FAIL_ENOMEM, NULL, 99, pause, 50, &full);	/* out of range: ignored */
	cr_assert_eq(policy_drop_paused(m, 3, pause, 51, &deferred), 1);
	cr_assert(m[0].addr == 2 && deferred == 513, "node 1 paused: 512 + 1 pages deferred");
	cr_assert_eq(policy_drop_paused(m, 1, pause, 60, &deferred), 1, "pause over");
}

Test(policy, budget_follows_time_capped_at_two_intervals)
{
	uint64_t s = 1000000000ull;

	cr_assert_eq(policy_budget(0, 0, s, 200000), UINT64_MAX, "no quota");
	cr_assert_eq(policy_budget(10 << 20, s, s + s / 10, 200000), (10 << 20) / 10);
	cr_assert_eq(policy_budget(10 << 20, s, s + 5 * s, 200000), (10 << 20) * 4 / 10,
		     "a late pass gets two intervals, not the backlog");
	cr_assert_eq(policy_budget(10 << 20, 0, s, 200000), (10 << 20) * 4 / 10, "first pass");
}

Test(policy, quota_hottest_first_for_hot_coldest_for_cold)
{
	struct move m[4];
	uint64_t budget, pages = 0;
	__u64 folios = 0;

	for (int i = 0; i < 4; i++)
		m[i] = (struct move){ .addr = 0x1000 * (i + 1), .score = (float)(i % 2 ? 9 : 1) };
	budget = 2 * 4096;
	cr_assert_eq(policy_quota_cut(m, 4, NW_MIGRATE_HOT, &budget, &pages, &folios), 2);
	cr_assert(m[0].score == 9 && m[1].score == 9 && m[0].addr < m[1].addr,
		  "hot regions first, equal heat in address order");
	cr_assert(budget == 0 && pages == 2 && folios == 2);
	budget = 2 * 4096 + 100;
	cr_assert_eq(policy_quota_cut(m, 4, NW_MIGRATE_COLD, &budget, &pages, &folios), 2);
	cr_assert(m[0].score == 1 && m[1].score == 1 && m[0].addr == 0x1000);
	cr_assert_eq(budget, 100);
	/* a huge page does not fit a budget smaller than it */
	m[0].order = 9;
	budget = 1 << 20;
	cr_assert_eq(policy_quota_cut(m, 1, NW_MIGRATE_COLD, &budget, &pages, &folios), 0);
	budget = UINT64_MAX;
	cr_assert_eq(policy_quota_cut(m, 4, NW_MIGRATE_HOT, &budget, &pages, &folios), 4,
		     "unlimited: all, budget untouched");
	cr_assert_eq(budget, UINT64_MAX);
}

Test(policy, idle_regions_wait_while_others_wait_for_heat)
{
	/* NUMA balancing armed both at interval 4; a fault answered only one */
	struct region idle = { .armed = 5, .arm_seen = 5 }, read = { .arm_seen = 5, .touched = 9 };
	struct move m[3];
	uint64_t deferred = 0;

	read.score = 0.5f;
	m[0] = (struct move){ .addr = 0x1000, .order = 9, .idle_now = policy_region_idle_now(&idle, 10) };
	m[1] = (struct move){ .addr = 0x2000, .idle_now = policy_region_idle_now(&read, 10) };
	m[2] = (struct move){ .addr = 0x3000, .idle_now = policy_region_idle_now(&idle, 10) };
	cr_assert_eq(policy_drop_idle(m, 3, &deferred), 1);
	cr_assert(m[0].addr == 0x2000, "the region a fault answered keeps its move");
	cr_assert_eq(deferred, 513, "the armed, unanswered ones wait: 512 + 1 pages");
}

/*
 * DAMON's word: a region accessed an aggregation ago and idle in the latest
 * is warm for status and the quota's order, but waits with the idle while
 * other regions wait for heat; one accessed in the latest word does not.
 */
Test(policy, accessed_before_damons_latest_word_waits_with_the_idle)
{
	struct heat h;
	struct region *before, *now;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	heat_damon_span(1000000, 146500);	/* 2.93 s aggregations, 1 s intervals */
	before = heat_get(&h, 7, 0x40000000);
	now = heat_get(&h, 7, 0x40200000);
	heat_damon(&h, 7, 0x40000000, 4 << 20, 2, 10);
	for (int i = 0; i < 3; i++)
		heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 11);
	heat_damon(&h, 7, 0x40200000, 2 << 20, 1, 11);
	cr_assert_geq(policy_region_heat(before, h.now), POLICY_HEAT_WARM, "warm for status");
	cr_assert(policy_region_idle_now(before, h.now));
	cr_assert(!policy_region_idle_now(now, h.now));
	now->score = 0.5f;	/* a fault since: not idle either */
	before->score = 0.5f;
	cr_assert(!policy_region_idle_now(before, h.now));
	heat_damon_span(1000000, 0);
	heat_free(&h);
}

Test(policy, weights_settle_before_force)
{
	struct wsettle s = { .force = { 1, 1 }, .read = { 1, 1 } };
	uint32_t half[NW_MAX_NODES] = { 3, 1 }, w31[NW_MAX_NODES] = { 3, 1 };
	uint32_t back[NW_MAX_NODES] = { 1, 1 };
	uint64_t q = 50;

	cr_assert(!wsettle_poll(&s, s.read, 0, q), "unchanged");
	cr_assert(!wsettle_poll(&s, half, 100, q) && s.pending, "changed: pending");
	cr_assert(!wsettle_poll(&s, w31, 120, q), "same table, not settled yet");
	cr_assert(wsettle_poll(&s, w31, 150, q), "read the same for the settle time: in force");
	cr_assert(!s.pending);
	cr_assert(!wsettle_poll(&s, w31, 400, q), "reported once, not again");
	memcpy(s.force, w31, sizeof(w31));
	/* a table changed back before it settles is never put in force */
	w31[1] = 2;
	cr_assert(!wsettle_poll(&s, w31, 500, q) && s.pending);
	cr_assert(!wsettle_poll(&s, half, 510, q) && !s.pending, "back to the table in force");
	cr_assert(!wsettle_poll(&s, half, 600, q));
	/* an entry-by-entry write keeps restarting the clock */
	cr_assert(!wsettle_poll(&s, back, 700, q));
	back[2] = 1;
	cr_assert(!wsettle_poll(&s, back, 740, q));
	cr_assert(!wsettle_poll(&s, back, 780, q), "40 since the last change");
	cr_assert(wsettle_poll(&s, back, 790, q));
}

/* With DAMON's word on a region, patterns and the quota use DAMON's units
 * (samples accessed per aggregation, age in aggregations), as damo means them. */
/* migrate_cold, nr_accesses 0, age >= 3 s (the scenario's cold_idle3s.yaml) */
static void cold_idle3s(struct nw_config *c, uint64_t interval_us)
{
	config_defaults(c);
	c->action = NW_MIGRATE_COLD;
	c->interval_us = interval_us;
	c->ap.acc_min = 0;
	c->ap.acc_max = 0;
	c->ap.age_min_us = 3000000;
}

Test(policy, damon_units_for_patterns_and_heat)
{
	struct nw_config c;
	struct region idle = { .key = 1, .dnr = 0, .dage = 40, .dseen = 100, .score = 3.0f };
	struct region read = { .key = 2, .dnr = NW_DAMON_MAX_NR, .dage = 40, .dseen = 100 };

	config_defaults(&c);
	c.action = NW_MIGRATE_COLD;
	c.ap.acc_min = 0;
	c.ap.acc_max = 0;
	c.ap.age_min_us = 3000000;
	cr_assert(policy_pattern_wants_heat(&c));
	cr_assert(policy_pattern_pass(&c, &idle, 100), "idle 4 s by DAMON, though it faulted");
	cr_assert(!policy_pattern_pass(&c, &read, 100), "read in every sample");
	idle.dage = 20;
	cr_assert(!policy_pattern_pass(&c, &idle, 100), "idle only 2 s");
	c.ap.acc_pct = 1;
	c.ap.acc_min = 50;
	c.ap.acc_max = 100;
	c.ap.age_min_us = 0;
	cr_assert(policy_pattern_pass(&c, &read, 100), "100 %% accessed");
	cr_assert(policy_region_heat(&read, 100) > policy_region_heat(&idle, 100),
		  "the quota puts DAMON-read memory before faulted-but-idle memory");
	idle.dseen = 0;
	cr_assert_float_eq(policy_region_heat(&idle, 100), 3.0f, 1e-6, "no DAMON: fault score");
	config_defaults(&c);
	cr_assert(!policy_pattern_wants_heat(&c), "the default pattern takes everything");
}

/* Without DAMON, NUMA balancing's arming decides: armed and untouched is idle
 * for as long, touched since its arming is accessed, whatever faults counted. */
Test(policy, armed_ranges_decide_cold_patterns)
{
	struct nw_config c;
	struct region idle = { .key = 1, .armed = 1, .arm_seen = 20, .score = 2.0f };
	struct region read = { .key = 2, .armed = 0, .arm_seen = 20, .age = 50 };

	cold_idle3s(&c, 200000);
	cr_assert(policy_pattern_pass(&c, &idle, 20), "armed at 0, untouched 4 s");
	cr_assert(!policy_pattern_pass(&c, &idle, 10), "untouched only 2 s");
	cr_assert(!policy_pattern_pass(&c, &read, 20), "touched after its arming");
	cr_assert(policy_region_heat(&read, 20) > policy_region_heat(&idle, 20));
	struct region unseen = { .key = 3, .age = 50 };
	cr_assert(policy_pattern_pass(&c, &unseen, 20), "by faults alone it looks idle...");
	cr_assert(!policy_region_has_evidence(&unseen, 20), "...but no read source spoke of it");
	cr_assert(policy_region_has_evidence(&read, 20) && policy_region_has_evidence(&idle, 20));
}

/*
 * DAMON samples one address per region per 5 ms and can miss a region read
 * now and then; a fault (a hinting fault) on it since is an access all the
 * same: the region is not cold however long DAMON calls it idle.
 */
Test(policy, a_recent_fault_beats_damons_idle_word)
{
	struct nw_config c;
	struct region r = { .key = 1, .dnr = 0, .dage = 40, .dseen = 100, .touched = 99 };

	cold_idle3s(&c, 100000);
	cr_assert(!policy_pattern_pass(&c, &r, 100), "a hinting fault 0.2 s ago: not idle");
	r.touched = 50;
	cr_assert(policy_pattern_pass(&c, &r, 100), "the fault 5 s ago is older than DAMON's 4 s");
	r.touched = 80;	/* 2 s ago: accessed then, so idle for 2 s only */
	cr_assert(!policy_pattern_pass(&c, &r, 100));
	c.ap.age_min_us = 1500000;
	cr_assert(!policy_pattern_pass(&c, &r, 100), "an access is not nr_accesses 0");
	/* a hot pattern is not widened: DAMON's 0 stays below min 1 without a fault */
	r.touched = 0;
	c.action = NW_MIGRATE_HOT;
	c.ap.acc_min = 1;
	c.ap.acc_max = INFINITY;
	c.ap.age_min_us = 0;
	cr_assert(!policy_pattern_pass(&c, &r, 100));
}

/*
 * Under a quota, migrate_hot waits for heat: a region no read source has
 * spoken of (and no fault touched) is unknown until the grace is over; with
 * faults as the only source there is nothing to wait for.
 */
Test(policy, quota_waits_for_a_read_sources_word)
{
	const uint64_t iv = 200000, reads = NW_HEAT_FAULTS | NW_HEAT_DAMON;
	struct region r = { .key = 1, .age = 3 };

	cr_assert(policy_heat_unknown(NULL, 10, reads, iv), "not in the table");
	cr_assert(policy_heat_unknown(&r, 10, reads, iv));
	cr_assert(policy_heat_unknown(&r, 10, NW_HEAT_FAULTS | NW_HEAT_ARMS, iv));
	cr_assert(!policy_heat_unknown(&r, 10, NW_HEAT_FAULTS | NW_HEAT_HINTS, iv),
		  "hinting faults alone: nothing better will come");
	r.dseen = 10;
	cr_assert(!policy_heat_unknown(&r, 10, reads, iv), "DAMON spoke of it");
	r.dseen = 0;
	r.arm_seen = 9;
	cr_assert(!policy_heat_unknown(&r, 10, reads, iv), "armed");
	r.arm_seen = 0;
	r.touched = 4;
	cr_assert(!policy_heat_unknown(&r, 10, reads, iv), "a fault touched it");
	r.touched = 0;
	r.age = POLICY_HEAT_GRACE_US / iv;
	cr_assert(!policy_heat_unknown(&r, 60, reads, iv),
		  "never reached in the grace (a single-threaded job's own node): moved after all");
}

Test(policy, the_source_that_decides_a_region)
{
	const uint64_t reads = NW_HEAT_FAULTS | NW_HEAT_DAMON;
	struct region r = { .key = 1 };

	cr_assert_eq(policy_region_source(&r, 10, reads), NW_RSRC_NONE);
	cr_assert_eq(policy_region_source(&r, 10, NW_HEAT_FAULTS), NW_RSRC_FAULTS,
		     "faults alone: their guess");
	r.touched = 3;
	cr_assert_eq(policy_region_source(&r, 10, reads), NW_RSRC_FAULTS);
	r.arm_seen = 5;
	cr_assert_eq(policy_region_source(&r, 10, reads), NW_RSRC_ARMS);
	r.dseen = 10;
	cr_assert_eq(policy_region_source(&r, 10, reads), NW_RSRC_DAMON);
	cr_assert_eq(policy_region_source(&r, 10 + NW_DAMON_FRESH, reads), NW_RSRC_ARMS,
		     "DAMON's word gone stale");
}

/*
 * The accessed bits numaweave reads itself (heat_young), a sample a second:
 * a region with one page of 512 accessed is accessed; an idle one grows
 * older by a sample's span each time and turns cold at age.min (3 s: the
 * third idle sample), not before; an access resets it; status names the
 * source. A region the table does not hold (never scanned) learns nothing.
 */
Test(policy, accessed_bits_age_a_region_sample_by_sample)
{
	struct nw_config c;
	struct heat h;
	struct region *r;
	unsigned int span = 1000000 / NW_DAMON_AGGR_US;	/* a 1 s sample */

	cold_idle3s(&c, 1000000);
	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	cr_assert(!heat_young(&h, 7, 0x40000000, 512, 0, span), "not scanned: not held");
	r = heat_get(&h, 7, 0x40000000);
	cr_assert(policy_heat_unknown(r, h.now, NW_HEAT_YOUNG, c.interval_us), "before a sample");
	heat_tick(&h);
	cr_assert(heat_young(&h, 7, 0x40000000, 512, 1, span));
	cr_assert(r->dnr >= 1, "one page of 512 accessed is accessed");
	cr_assert(!policy_pattern_pass(&c, r, h.now));
	cr_assert(!policy_heat_unknown(r, h.now, NW_HEAT_YOUNG, c.interval_us));
	cr_assert_eq(policy_region_source(r, h.now, NW_HEAT_YOUNG | NW_HEAT_FAULTS), NW_RSRC_YOUNG);
	for (int i = 1; i <= 3; i++) {
		heat_tick(&h);
		heat_young(&h, 7, 0x40000000, 512, 0, span);
		cr_assert_eq(policy_pattern_pass(&c, r, h.now), i == 3,
			     "idle for %d s: cold only from 3 s", i);
	}
	heat_tick(&h);
	heat_young(&h, 7, 0x40000000, 512, 512, span);
	cr_assert_eq(r->dnr, NW_DAMON_MAX_NR, "every page accessed: DAMON's 100 %%");
	heat_tick(&h);
	heat_young(&h, 7, 0x40000000, 512, 0, span);
	cr_assert(!policy_pattern_pass(&c, r, h.now), "idle 1 s after an access");
	/* a sample skipped (its cost): the next one's span covers both intervals */
	heat_tick(&h);
	heat_tick(&h);
	heat_young(&h, 7, 0x40000000, 512, 0, 2 * span);
	cr_assert(policy_pattern_pass(&c, r, h.now), "idle 1 + 2 s");
	heat_free(&h);
}

/* The kernel's vm_flags bits (include/linux/mm.h) */
#define T_VM_SHARED 0x00000008ul
#define T_VM_HUGETLB 0x00400000ul

/* The bulk path: one node with weight and nothing left behind by the policy, or none. */
Test(policy, bulk_dest)
{
	struct nw_config c;
	struct wtable one = {}, two = {};
	uint32_t w1[NW_MAX_NODES] = { [1] = 1 }, w2[NW_MAX_NODES] = { 1, 1 };
	struct nw_vma v[2] = { { .start = 0x1000, .end = 0x2000, .kind = NW_VMA_ANON },
			       { .start = 0x3000, .end = 0x4000, .kind = NW_VMA_FILE } };

	cr_assert_eq(wtable_init(&one, w1), 0);
	cr_assert_eq(wtable_init(&two, w2), 0);
	config_defaults(&c);
	cr_assert_eq(policy_bulk_dest(&c, &one), 1, "0:1 with nothing else: all to node 1");
	cr_assert_eq(policy_bulk_dest(&c, &two), -1, "1:1 interleaves page by page");
	c.quota_bytes = 1 << 20;
	cr_assert_eq(policy_bulk_dest(&c, &one), -1, "a size quota cuts the list");
	config_defaults(&c);
	c.quota_time_ms = 10;
	cr_assert_eq(policy_bulk_dest(&c, &one), -1, "a time quota stops between chunks");
	config_defaults(&c);
	c.nr_filters = 1;
	cr_assert_eq(policy_bulk_dest(&c, &one), -1, "an address filter leaves pages");
	config_defaults(&c);
	c.ap.age_min_us = 1000000;
	cr_assert_eq(policy_bulk_dest(&c, &one), -1, "an access pattern leaves pages");
	cr_assert(policy_vmas_bulk_safe(v, 2), "private file mappings: page cache only it maps");
	v[1].flags |= T_VM_SHARED;
	cr_assert(!policy_vmas_bulk_safe(v, 2), "a shared file mapping: numaweave leaves it");
	v[1].flags = T_VM_HUGETLB;
	v[1].kind = NW_VMA_ANON;
	cr_assert(!policy_vmas_bulk_safe(v, 2), "hugetlb: numaweave leaves it");
	wtable_free(&one);
	wtable_free(&two);
}
