// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <unistd.h>
#include "heat.h"
#include "policy.h"
#include "procfs.h"

Test(heat, touch_and_find)
{
	struct heat h;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	for (int i = 0; i < 10; i++)
		heat_touch(&h, 42, 0x7f0000200000 + i * 4096);
	struct region *r = heat_find(&h, 42, 0x7f00003fffff);

	cr_assert_not_null(r);
	cr_assert_float_eq(r->score, 10.0f, 1e-6);
	cr_assert_eq(r->nr, 10);
	cr_assert(r->dirty);
	cr_assert_null(heat_find(&h, 43, 0x7f0000200000));
	cr_assert_null(heat_find(&h, 42, 0x7f0000400000));
	heat_free(&h);
}

Test(heat, decay_and_age)
{
	struct heat h;
	struct region *r;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	for (int i = 0; i < 8; i++)
		heat_touch(&h, 1, 0x400000);
	heat_tick(&h);
	r = heat_find(&h, 1, 0x400000);
	cr_assert_float_eq(r->score, 4.0f, 1e-6);
	cr_assert_eq(r->last_nr, 8);
	cr_assert_eq(r->nr, 0);
	for (int i = 0; i < 10; i++)
		heat_tick(&h);
	cr_assert(r->score < 0.01f);
	cr_assert(r->age >= 5, "age %u", r->age);
	heat_free(&h);
}

Test(heat, grows_and_caps)
{
	struct heat h;
	uint64_t i;

	cr_assert_eq(heat_init(&h, 5000, 0.5), 0);
	for (i = 0; i < 20000; i++)
		heat_touch(&h, 7, i << 21);
	cr_assert(h.used <= 8192, "used %llu", (unsigned long long)h.used);
	cr_assert(h.refused > 0);
	cr_assert(heat_bytes(&h) <= 16384 * sizeof(struct region));
	heat_free(&h);
}

Test(heat, drop_process)
{
	struct heat h;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	for (int i = 0; i < 100; i++) {
		heat_touch(&h, 1, (uint64_t)i << 21);
		heat_touch(&h, 2, (uint64_t)i << 21);
	}
	heat_drop(&h, 1);
	heat_drop(&h, 3);
	heat_drop(&h, 1);
	cr_assert(heat_drop_pending(&h, 1) && heat_drop_pending(&h, 3) && !heat_drop_pending(&h, 2));
	cr_assert_eq(h.ndrop, 2, "queued once each");
	heat_drop_flush(&h);
	cr_assert_eq(h.used, 100);
	cr_assert_eq(h.ndrop, 0);
	cr_assert_null(heat_find(&h, 1, 5ull << 21));
	cr_assert_not_null(heat_find(&h, 2, 5ull << 21));
	for (int i = 0; i < 100; i++)
		cr_assert_not_null(heat_find(&h, 2, (uint64_t)i << 21), "region %d of 2 lost", i);
	heat_free(&h);
}

/* DAMON's word lands only on regions the scans made (resident memory), marks
 * them due on the transitions the planner acts on, and a huge DAMON region
 * (a reservation) costs the table, not its size. */
Test(heat, damon_updates_resident_regions_and_marks_transitions)
{
	struct heat h;
	struct region *a, *b;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	a = heat_get(&h, 7, 0x40000000);
	b = heat_get(&h, 7, 0x40200000);
	h.damon_watch_age[0] = 30;
	cr_assert_eq(heat_damon(&h, 7, 0x40000000, 4 << 20, 12, 3), 2);
	cr_assert(a->dirty && b->dirty, "first word: due");
	cr_assert_eq(a->dnr, 12);
	cr_assert_eq(a->dage, 3);
	cr_assert(region_damon_fresh(a, h.now));
	a->dirty = b->dirty = 0;
	heat_tick(&h);	/* DAMON's words of later intervals */
	cr_assert_eq(heat_damon(&h, 7, 0x40000000, 2 << 20, 9, 4), 1);
	cr_assert(!a->dirty, "still accessed, age below the watch: not due");
	heat_tick(&h);
	cr_assert_eq(heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 0), 1);
	cr_assert(a->dirty, "turned idle: due");
	a->dirty = 0;
	heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 29);
	cr_assert(!a->dirty);
	heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 31);
	cr_assert(a->dirty, "crossed age.min: due");
	/* 64 TiB of DAMON region over two resident regions: both updated, none made */
	cr_assert_eq(heat_damon(&h, 7, 0, 64ull << 40, 5, 1), 2);
	cr_assert_eq(h.used, 2);
	cr_assert_eq(heat_damon(&h, 8, 0, 64ull << 40, 5, 1), 0, "another process");
	/* DAMON goes on speaking, of b only: a's word goes stale */
	for (int i = 0; i <= NW_DAMON_FRESH; i++) {
		heat_tick(&h);
		heat_damon(&h, 7, 0x40200000, 2 << 20, 0, 40);
	}
	cr_assert(!region_damon_fresh(a, h.now), "DAMON's word goes stale");
	cr_assert(region_damon_fresh(b, h.now));
	heat_free(&h);
}

/*
 * The kernel tuned DAMON to sample every 400 ms (aggregations of 8 s) while the
 * controller ticks every 200 ms: a word comes once in 40 intervals, so it must
 * stay valid that long (with the fixed 5 it was stale 35 intervals in 40 and
 * the region fell back to fault heat); and an age of 3 aggregations is 24 s,
 * not the 300 ms it would be in untuned units. Untuned, nothing changes.
 */
Test(heat, tuned_damon_word_lasts_an_aggregation_and_ages_in_time)
{
	struct heat h;
	struct region *a;
	uint32_t fresh;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	a = heat_get(&h, 7, 0x40000000);
	fresh = heat_damon_span(200000, 400000);
	cr_assert_geq(fresh, 40, "an 8 s aggregation over 200 ms intervals: %u", fresh);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, heat_damon_age(3, 400000));
	cr_assert_eq(policy_region_age_us(a, h.now, 200000), 24000000ull,
		     "3 aggregations of 8 s");
	for (int i = 0; i < 39; i++)
		heat_tick(&h);
	cr_assert(region_damon_fresh(a, h.now), "valid until the next aggregation's word");
	/* the next aggregations speak of another region, not of this one */
	heat_get(&h, 7, 0x40200000);
	for (uint32_t i = 39; i <= fresh; i++) {
		heat_tick(&h);
		heat_damon(&h, 7, 0x40200000, 2 << 20, 0, 0);
	}
	cr_assert(!region_damon_fresh(a, h.now), "no word for longer than that: stale");
	cr_assert_eq(heat_damon_span(200000, 0), NW_DAMON_FRESH, "untuned: as before");
	cr_assert_eq(heat_damon_age(3, 0), 3);
	cr_assert_eq(heat_damon_span(1000000, 5000), NW_DAMON_FRESH);
	heat_free(&h);
}

/*
 * A hot set read about once in 6 s against the kernel's 2.93 s aggregations
 * (the emulated tier, 7.3): DAMON's words on a region alternate between one
 * sample accessed and none. The region stays warm through an idle word that
 * follows an accessed one within three aggregations, ranked below a region
 * accessed in the last word; a region whose last accesses lie further back
 * is idle, and so is one DAMON never saw accessed.
 */
Test(heat, damon_accesses_count_for_three_aggregations)
{
	struct heat h;
	struct region *a, *b, *c;
	uint64_t iv = 1000000, s = 146500;	/* 1 s intervals, 2.93 s aggregations */

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	heat_damon_span(iv, s);
	a = heat_get(&h, 7, 0x40000000);
	b = heat_get(&h, 7, 0x40200000);
	c = heat_get(&h, 7, 0x40400000);
	heat_damon(&h, 7, 0x40000000, 6 << 20, 1, 20);	/* all three: one sample accessed */
	for (int agg = 1; agg <= 3; agg++) {	/* then three idle words on a and c, b still read */
		for (int i = 0; i < 3; i++)
			heat_tick(&h);
		heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 21 + agg);
		heat_damon(&h, 7, 0x40200000, 2 << 20, agg == 3, 21 + agg);
		heat_damon(&h, 7, 0x40400000, 2 << 20, 0, 21 + agg);
		if (agg == 1) {
			float ha = policy_region_heat(a, h.now), hb = policy_region_heat(b, h.now);

			cr_assert(ha >= POLICY_HEAT_WARM && ha < POLICY_HEAT_HOT,
				  "idle in the last word, read one aggregation before: warm (%f)", ha);
			cr_assert(policy_region_heat(c, h.now) >= POLICY_HEAT_WARM);
			cr_assert_eq(hb, ha, "both idle now, both read then");
		}
	}
	/* 9 intervals after the accessed word: still within three aggregations and two intervals */
	cr_assert(policy_region_heat(a, h.now) >= POLICY_HEAT_WARM, "9 s after: warm");
	cr_assert(policy_region_heat(b, h.now) > policy_region_heat(a, h.now),
		  "accessed in the last word ranks above accessed before it");
	for (int i = 0; i < 3; i++)
		heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 25);
	cr_assert(policy_region_heat(a, h.now) < POLICY_HEAT_WARM, "12 s after: idle");
	cr_assert_eq(a->dnr, 0, "DAMON's own word is kept as it came");
	cr_assert_eq(a->dage, 25);
	/* untuned (100 ms aggregations): an idle word 5 intervals on is idle */
	heat_damon_span(iv, 0);
	heat_damon(&h, 7, 0x40400000, 2 << 20, 1, 0);
	for (int i = 0; i < NW_DAMON_FRESH; i++)
		heat_tick(&h);
	heat_damon(&h, 7, 0x40400000, 2 << 20, 0, 40);
	cr_assert(policy_region_heat(c, h.now) < POLICY_HEAT_WARM);
	heat_free(&h);
}

Test(heat, damon_a_sliver_overridden_in_its_interval_is_not_remembered)
{
	struct heat h;
	struct region *lead, *trail;
	uint64_t iv = 200000, s = 133000;	/* 200 ms intervals, 2.66 s aggregations */

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	heat_damon_span(iv, s);
	lead = heat_get(&h, 7, 0x40000000);	/* idle, just before a hot chunk */
	trail = heat_get(&h, 7, 0x40800000);	/* idle, just after one */
	for (int agg = 0; agg < 3; agg++) {
		/*
		 * DAMON's words come in address order. Before the chunk: a word over
		 * most of lead (idle), then one across the chunk's start over a
		 * quarter of lead (accessed); after it: one across the chunk's end
		 * over a quarter of trail (accessed), then one over the rest (idle).
		 */
		heat_damon(&h, 7, 0x40000000 - (1 << 20), (5 << 20) / 2, 0, 10);
		heat_damon(&h, 7, 0x40180000, 1 << 20, 4, 10);
		heat_damon(&h, 7, 0x40780000, 1 << 20, 4, 10);
		heat_damon(&h, 7, 0x40880000, (3 << 20) / 2, 0, 10);
		for (int i = 0; i < 14; i++)
			heat_tick(&h);
	}
	heat_damon(&h, 7, 0x40000000 - (1 << 20), (5 << 20) / 2, 0, 10);
	heat_damon(&h, 7, 0x40880000, (3 << 20) / 2, 0, 10);
	cr_assert(policy_region_heat(lead, h.now) < POLICY_HEAT_WARM, "lead: %f",
		  policy_region_heat(lead, h.now));
	cr_assert(policy_region_heat(trail, h.now) < POLICY_HEAT_WARM, "trail: %f",
		  policy_region_heat(trail, h.now));
	/* a word over most of it that saw accesses is remembered, once it is final */
	heat_damon(&h, 7, 0x40800000, 2 << 20, 3, 0);
	heat_tick(&h);
	heat_damon(&h, 7, 0x40800000, 2 << 20, 0, 1);
	cr_assert(policy_region_heat(trail, h.now) >= POLICY_HEAT_WARM);
	heat_free(&h);
}

Test(heat, damon_words_over_moved_pages_are_set_aside)
{
	struct heat h;
	struct region *a, *b, *c, *d, *e;
	uint64_t iv = 1000000;	/* 1 s intervals, 100 ms aggregations */

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	heat_damon_span(iv, 0);
	a = heat_get(&h, 7, 0x40000000);	/* idle, demoted */
	c = heat_get(&h, 7, 0x40200000);	/* idle beside it, not moved */
	b = heat_get(&h, 7, 0x40800000);	/* read, interleaved */
	d = heat_get(&h, 7, 0x40c00000);	/* idle, left alone */
	e = heat_get(&h, 7, 0x41000000);	/* moved before DAMON's first word on it */
	heat_damon(&h, 7, 0x40000000, 4 << 20, 0, 30);
	heat_damon(&h, 7, 0x40800000, 2 << 20, 20, 30);
	heat_damon(&h, 7, 0x40c00000, 2 << 20, 0, 30);
	heat_tick(&h);
	region_moving(a, h.now);
	region_moving(b, h.now);
	region_moving(e, h.now);
	heat_tick(&h);
	/* the move seen by DAMON: every sample of a's and c's word, none of b's */
	heat_damon(&h, 7, 0x40000000, 4 << 20, 20, 0);
	heat_damon(&h, 7, 0x40800000, 2 << 20, 0, 0);
	heat_damon(&h, 7, 0x40c00000, 2 << 20, 3, 0);
	heat_damon(&h, 7, 0x41000000, 2 << 20, 20, 0);
	cr_assert_eq(h.damon_moved, 3, "a's and c's word, b's, e's: %llu",
		     (unsigned long long)h.damon_moved);
	cr_assert(policy_region_heat(a, h.now) < POLICY_HEAT_WARM, "a demoted stays idle");
	cr_assert(policy_region_heat(c, h.now) < POLICY_HEAT_WARM, "c shares a's word: idle");
	cr_assert_eq(a->dage, 30, "a keeps its word");
	cr_assert(policy_region_heat(b, h.now) >= POLICY_HEAT_HOT, "b interleaved stays hot");
	cr_assert_eq(d->dnr, 3, "d, not moved, takes its word");
	cr_assert_eq(e->dseen, 0, "e waits for a word after the move");
	cr_assert_eq(policy_region_source(e, h.now, NW_HEAT_DAMON), NW_RSRC_NONE);
	/* the set-aside words kept a and b valid: four intervals on, theirs still stand */
	for (int i = 0; i < 4; i++)
		heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 4 << 20, 20, 0);
	cr_assert_eq(a->dnr, 0, "within a word's validity of the move: still set aside");
	cr_assert(region_damon_fresh(b, h.now), "b's old word renewed");
	/* past the span: DAMON's word counts again */
	heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 4 << 20, 20, 0);
	cr_assert_eq(a->dnr, 20);
	cr_assert_eq(c->dnr, 20);
	heat_free(&h);
}

/*
 * A starved kdamond falls behind its own schedule (in the TCG guest no word
 * came for 17 intervals against a 9-interval span, then several
 * aggregations at once): a region's word stays valid while DAMON is silent,
 * counted on DAMON's clock, for up to NW_DAMON_LATE spans, so the regions
 * do not all turn unknown at once (they did, and migrate_cold waited on them);
 * past that, or once DAMON is stopped, they age on the controller's clock.
 */
Test(heat, late_damon_keeps_its_last_words_for_a_while)
{
	struct heat h;
	struct region *a, *b;
	uint32_t f;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	f = heat_damon_span(200000, 70000);	/* 1.4 s aggregations over 200 ms intervals */
	a = heat_get(&h, 7, 0x40000000);
	b = heat_get(&h, 7, 0x40200000);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 40);
	heat_tick(&h);
	heat_damon(&h, 7, 0x40200000, 2 << 20, 3, 0);	/* DAMON's last word: one interval later */
	for (uint32_t i = 0; i < NW_DAMON_LATE * f - 1; i++)
		heat_tick(&h);
	cr_assert(region_damon_fresh(a, h.now) && region_damon_fresh(b, h.now),
		  "silent for %u intervals (span %u): the last words stand", NW_DAMON_LATE * f, f);
	cr_assert_eq(policy_region_heat(a, h.now), 0.0f);
	for (uint32_t i = 0; i <= f; i++)
		heat_tick(&h);
	cr_assert(!region_damon_fresh(a, h.now), "too late: a's word expires first");
	cr_assert(region_damon_fresh(b, h.now));
	heat_tick(&h);
	cr_assert(!region_damon_fresh(b, h.now), "and then b's");
	/* DAMON speaks again: of b only; a stays stale, b is fresh */
	heat_damon(&h, 7, 0x40200000, 2 << 20, 0, 0);
	cr_assert(!region_damon_fresh(a, h.now) && region_damon_fresh(b, h.now));
	/* stopped: no allowance, its words age on the controller's clock */
	heat_damon_quiet();
	for (uint32_t i = 0; i <= f; i++)
		heat_tick(&h);
	cr_assert(!region_damon_fresh(b, h.now), "DAMON stopped: its word went stale after its span");
	heat_damon_span(200000, 0);
	heat_free(&h);
}

/* Without DAMON, a region whose fault-based age reaches age.min is due for a
 * scan then, not at the next full pass. */
Test(heat, fault_age_reaching_watch_marks_due)
{
	struct heat h;
	struct region *r;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	h.watch_age[0] = 15;
	r = heat_get(&h, 7, 0x40000000);
	r->dirty = 0;
	for (int i = 0; i < 15; i++) {
		cr_assert(!r->dirty, "due too early, at interval %d", i);
		heat_tick(&h);
	}
	cr_assert(r->dirty, "idle for age.min: due");
	r->dirty = 0;
	heat_tick(&h);
	cr_assert(!r->dirty, "once, not every interval after");
	heat_free(&h);
}

/* NUMA balancing's arming: a range armed and not answered by a fault is idle
 * from the first arm; any fault answers it; its crossing age.min makes it due. */
Test(heat, armed_unanswered_is_idle_evidence)
{
	struct heat h;
	struct region *a, *b;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	h.watch_age[0] = 3;
	a = heat_get(&h, 9, 0x40000000);
	b = heat_get(&h, 9, 0x40200000);
	a->node = b->node = 0;	/* scanned: all on node 0 */
	cr_assert_eq(heat_arm(&h, 9, 0x40000000, 4 << 20, -1), 2);
	heat_tick(&h);
	heat_arm(&h, 9, 0x40000000, 4 << 20, -1);	/* armed again: idle since the first */
	cr_assert_eq(region_arm_idle(a, h.now), 1);
	heat_touch(&h, 9, 0x40200000 + 4096);	/* b is read: a hinting fault */
	cr_assert_eq(region_arm_idle(b, h.now), 0);
	cr_assert(b->arm_seen);
	a->dirty = 0;
	heat_tick(&h);
	heat_tick(&h);
	cr_assert(a->dirty, "armed and unanswered for age.min: due");
	cr_assert_eq(region_arm_idle(a, h.now), 3);
	heat_free(&h);
}

/* Two DAMON regions over one 2 MiB region in the same interval: the most
 * accessed wins; in the next interval DAMON's newest word stands. */
Test(heat, damon_most_accessed_wins_within_an_interval)
{
	struct heat h;
	struct region *r;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	r = heat_get(&h, 7, 0x40000000);
	heat_damon(&h, 7, 0x3ff00000, 2 << 20, 15, 2);	/* covers the first 1 MiB */
	heat_damon(&h, 7, 0x40100000, 8 << 20, 0, 40);	/* the rest, idle */
	cr_assert_eq(r->dnr, 15, "partly read is not idle");
	cr_assert_eq(r->dage, 2);
	heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 41);
	cr_assert_eq(r->dnr, 0);
	heat_free(&h);
}

/* A DAMON region across a hot chunk's edge, over a sliver of an idle 2 MiB */
Test(heat, damon_a_word_over_most_of_a_region_beats_a_sliver)
{
	struct heat h;
	struct region *r;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	r = heat_get(&h, 7, 0x40000000);
	heat_damon(&h, 7, 0x3fe00000, 0x280000, 18, 9);	/* 512 KiB of it, read */
	heat_damon(&h, 7, 0x40080000, 0x180000, 0, 30);	/* the other 1.5 MiB, idle */
	cr_assert_eq(r->dnr, 0, "the sliver's word decided: %u", r->dnr);
	cr_assert_eq(r->dage, 30);
	heat_tick(&h);	/* the other order: a sliver after the word over most */
	heat_damon(&h, 7, 0x40000000, 0x180000, 0, 31);
	heat_damon(&h, 7, 0x40180000, 0x100000, 17, 2);
	cr_assert_eq(r->dnr, 0);
	cr_assert_eq(r->dage, 31);
	heat_tick(&h);	/* slivers alone: the most accessed still wins */
	heat_damon(&h, 7, 0x40000000, 0xc0000, 0, 32);
	heat_damon(&h, 7, 0x400c0000, 0xc0000, 11, 3);
	heat_damon(&h, 7, 0x40180000, 0x80000, 0, 32);
	cr_assert_eq(r->dnr, 11);
	heat_tick(&h);	/* a sliver first, then the word over most */
	heat_damon(&h, 7, 0x3ff00000, 0x180000, 14, 3);
	heat_damon(&h, 7, 0x40080000, 0x180000, 0, 33);
	cr_assert_eq(r->dnr, 0);
	heat_free(&h);
}

/* A daemon's policies may each have an age.min: every one watched, up to
 * NW_HEAT_WATCH, the smallest kept when more come. */
Test(heat, watch_keeps_each_age_and_the_smallest)
{
	uint32_t w[NW_HEAT_WATCH] = { 0 };

	heat_watch(w, 30);
	heat_watch(w, 10);
	heat_watch(w, 30);
	cr_assert(w[0] == 30 && w[1] == 10 && w[2] == 0, "distinct, in order: %u %u %u",
		  w[0], w[1], w[2]);
	heat_watch(w, 50);
	heat_watch(w, 40);
	heat_watch(w, 5);	/* full: 50 gives way */
	uint32_t sum = 0, max = 0;

	for (int i = 0; i < NW_HEAT_WATCH; i++) {
		sum += w[i];
		max = w[i] > max ? w[i] : max;
	}
	cr_assert_eq(sum, 30 + 10 + 40 + 5, "kept 5, 10, 30, 40");
	cr_assert_eq(max, 40);
}

/* Two policies' ages: a region is due when its age reaches either, by
 * DAMON's word and by the fault-based age. */
Test(heat, two_watched_ages_each_make_a_region_due)
{
	struct heat h;
	struct region *a, *r;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	heat_watch(h.damon_watch_age, 30);
	heat_watch(h.damon_watch_age, 50);
	a = heat_get(&h, 7, 0x40000000);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 10);
	a->dirty = 0;
	heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 31);
	cr_assert(a->dirty, "crossed the first age.min");
	a->dirty = 0;
	heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 45);
	cr_assert(!a->dirty, "between the two: not due");
	heat_tick(&h);
	heat_damon(&h, 7, 0x40000000, 2 << 20, 0, 52);
	cr_assert(a->dirty, "crossed the second age.min");
	heat_free(&h);

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	heat_watch(h.watch_age, 3);
	heat_watch(h.watch_age, 6);
	r = heat_get(&h, 7, 0x40000000);
	r->dirty = 0;
	for (int i = 1; i <= 7; i++) {
		heat_tick(&h);
		cr_assert_eq(!!r->dirty, i == 3 || i == 6, "interval %d: due %d", i, r->dirty);
		r->dirty = 0;
	}
	heat_free(&h);
}

/*
 * The kernel arms no page of a single-threaded process on the node it runs
 * on: a region all on that node was not armed, and staying unanswered says
 * nothing (it is what made read memory look idle on 6.1). A region with pages
 * elsewhere was armed; one not scanned yet is not known to be.
 */
Test(heat, arming_skips_a_single_threaded_jobs_own_node)
{
	struct heat h;
	struct region *local, *remote, *mixed, *unseen;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	local = heat_get(&h, 9, 0x40000000);
	remote = heat_get(&h, 9, 0x40200000);
	mixed = heat_get(&h, 9, 0x40400000);
	unseen = heat_get(&h, 9, 0x40600000);
	local->node = 0;
	remote->node = 1;
	mixed->node = NW_RNODE_MIXED;
	for (int i = 0; i < 3; i++)
		heat_tick(&h);
	cr_assert_eq(heat_arm(&h, 9, 0x40000000, 8 << 20, 0), 2, "remote and mixed armed");
	cr_assert(!local->arm_seen && !local->armed, "its own node: not armed, no evidence");
	cr_assert(!unseen->arm_seen && !unseen->armed, "not scanned: no evidence");
	cr_assert(remote->armed && mixed->armed);
	for (int i = 0; i < 10; i++)
		heat_tick(&h);
	cr_assert_eq(region_arm_idle(local, h.now), 0, "never called idle by arming");
	cr_assert_eq(region_arm_idle(remote, h.now), 10, "armed 10 intervals ago");
	/* the same process with a second thread: every node is armed */
	cr_assert_eq(heat_arm(&h, 9, 0x40000000, 2 << 20, -1), 1);
	cr_assert(local->armed && local->arm_seen);
	heat_free(&h);
}

/*
 * The arming record comes after the kernel armed the range, so the faults
 * that answer it can come first: a region touched in this interval or the
 * last one counts as answered (accessed since its arming), not as idle; one
 * touched longer ago waits for an answer as before.
 */
Test(heat, a_fault_before_the_arming_record_answers_it)
{
	struct heat h;
	struct region *now, *last, *old;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	for (int i = 0; i < 5; i++)
		heat_tick(&h);
	old = heat_touch(&h, 9, 0x40400000);
	heat_tick(&h);
	heat_tick(&h);
	last = heat_touch(&h, 9, 0x40200000);
	heat_tick(&h);
	now = heat_touch(&h, 9, 0x40000000);	/* the hinting fault, then the record */
	now->node = last->node = old->node = 1;
	cr_assert_eq(heat_arm(&h, 9, 0x40000000, 6 << 20, 0), 3);
	cr_assert(now->arm_seen && !now->armed, "answered in this interval");
	cr_assert(last->arm_seen && !last->armed, "answered in the last interval");
	cr_assert(old->armed, "touched three intervals before the arming: waits for an answer");
	heat_free(&h);
}

/* A read source's first word on a region makes it due (a quota waits for it). */
Test(heat, first_arming_makes_a_region_due)
{
	struct heat h;
	struct region *r;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	r = heat_get(&h, 9, 0x40000000);
	r->node = 1;
	r->dirty = 0;
	heat_arm(&h, 9, 0x40000000, 2 << 20, -1);
	cr_assert(r->dirty);
	r->dirty = 0;
	heat_tick(&h);
	heat_tick(&h);
	heat_arm(&h, 9, 0x40000000, 2 << 20, -1);
	cr_assert(!r->dirty, "the first word only");
	heat_free(&h);
}

/* DAMON's "three regions": the mappings and the gaps but the two largest. */
Test(heat, vaddr_span_leaves_out_the_two_largest_gaps)
{
	struct vaddr_span s = { 0 };

	cr_assert_eq(vaddr_span_bytes(&s), 0);
	vaddr_span_add(&s, 0x1000, 0x3000);
	vaddr_span_add(&s, 0x5000, 0x6000);		/* gap 8 KiB */
	vaddr_span_add(&s, 0x4000, 0x4800);		/* out of order: ignored */
	vaddr_span_add(&s, 0x100000, 0x200000);		/* gap 1000 KiB */
	vaddr_span_add(&s, 0x7ff000000000, 0x7ff000001000);	/* the huge gap */
	vaddr_span_add(&s, 0x7ff000001000, 0x7ff000001000);	/* empty: ignored */
	vaddr_span_add(&s, 0x7ff000003000, 0x7ff000004000);	/* gap 8 KiB */
	/* 8 + 4 + 1024 + 4 + 4 KiB mapped, the two 8 KiB gaps kept */
	cr_assert_eq(vaddr_span_bytes(&s), 0x109000, "%#llx",
		     (unsigned long long)vaddr_span_bytes(&s));
}

/* /proc/PID/maps lines: a long path, [vsyscall] in the kernel's half */
Test(heat, vaddr_span_reads_a_maps_file)
{
	static char text[2048];
	uint64_t b = 0;
	int n;
	FILE *f;

	n = snprintf(text, sizeof(text),
		     "55d0a0000000-55d0a0002000 r--p 00000000 08:01 12 /usr/bin/job\n"
		     "55d0a0004000-55d0a0005000 rw-p 00000000 00:00 0 [heap]\n"
		     "7f0000000000-7f0010000000 rw-p 00000000 00:00 0 \n"
		     "7f0010100000-7f0010200000 r-xp 00000000 08:01 13 /");
	memset(text + n, 'x', 700);	/* a path longer than one read of a line */
	snprintf(text + n + 700, sizeof(text) - n - 700,
		 "\n7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n"
		 "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n");
	f = fmemopen(text, strlen(text), "r");
	cr_assert_not_null(f);
	b = vaddr_span_read(f);
	fclose(f);
	/* 8 + 4 KiB, 8 KiB between; 256 MiB, 1 MiB between, 1 MiB; the two
	 * gaps of terabytes left out; 132 KiB of stack */
	cr_assert_eq(b, 0x3000 + 0x2000 + 0x10000000 + 0x100000 + 0x100000 + 0x21000,
		     "%#llx", (unsigned long long)b);
	cr_assert_eq(proc_vaddr_span(getpid(), &b), 0);
	cr_assert_gt(b, 0);
	cr_assert_eq(proc_vaddr_span(0x7fffffff, &b), -ENOENT);
}

Test(heat, damon_regions_follow_the_span_within_bounds)
{
	cr_assert_eq(heat_damon_min_regions(0), 200);
	cr_assert_eq(heat_damon_min_regions(100ull << 20), 200);
	cr_assert_eq(heat_damon_min_regions((200ull << 20) + 1), 201);
	cr_assert_eq(heat_damon_min_regions(850ull << 20), 850);
	cr_assert_eq(heat_damon_min_regions(100ull << 30), 900);
}
