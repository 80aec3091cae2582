// SPDX-License-Identifier: GPL-2.0
/*
 * The weights controller on the model (autow.h): the cover letter's toy
 * example, a node with a noisy neighbour, a saturated CXL expander, each
 * with the bandwidth law and with the loaded-latency law. Units are
 * arbitrary (GB/s and GB, say; latency in ns); one decision a second, the
 * model at 0.1 s.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "autow.h"

struct run {
	uint32_t w[NW_MAX_NODES];
	int changes_after[4];	/* weight changes after t = 50, 150, 250 (phases' second halves) */
	double s_at[4];		/* spill share at t = 99, 199, 299 */
	double served_at[4];
	int max_w1;
	bool no_hold;		/* decide even while pages move (autow_hold defeated) */
	int held;		/* decisions autow_hold skipped */
};

/* One job from 0 to 300 s, a second from 100 to 200 s (the toy example). */
static void toy(struct sim *m, struct autow *a, struct run *r)
{
	double acc[NW_MAX_NODES] = {0}, own[NW_MAX_NODES] = {0}, lat[NW_MAX_NODES] = {0};
	int steps = 0;
	bool changed, no_hold = r->no_hold;
	double migrated = 0;

	memset(r, 0, sizeof(*r));
	r->no_hold = no_hold;
	autow_weights(a, m->cap, 0, r->w);
	for (int i = 0; i < 3000; i++) {
		sim_step(m, 0.1, r->w, a->home);
		for (int n = 0; n < m->nodes; n++) {
			acc[n] += m->traffic[n];
			own[n] += m->own[n];
			lat[n] += m->lat[n];
		}
		if (++steps == 10) {	/* a sensor's one-second average */
			for (int n = 0; n < m->nodes; n++) {
				acc[n] /= steps;
				own[n] /= steps;
				lat[n] /= steps;
			}
			/* as the controller does: no decision while pages move */
			if (!no_hold && sim_hold(a, m, &migrated)) {
				r->held++;
				changed = false;
			} else
			/* the latency law where the model has latency curves */
			changed = m->lat_k > 0 ? autow_decide_latency(a, lat, acc, m->cap, own, r->w) :
						 autow_decide(a, acc, m->cap, own, r->w);
			if (changed) {
				for (int p = 0; p < 3; p++)
					if (m->t > 50 + 100 * p && m->t < 100 + 100 * p)
						r->changes_after[p]++;
			}
			if ((int)r->w[1] > r->max_w1)
				r->max_w1 = r->w[1];
			memset(acc, 0, sizeof(acc));
			memset(own, 0, sizeof(own));
			memset(lat, 0, sizeof(lat));
			steps = 0;
		}
		for (int p = 0; p < 3; p++)
			if (fabs(m->t - (99 + 100 * p)) < 0.05) {
				r->s_at[p] = a->s;
				r->served_at[p] = m->served;
			}
	}
}

/* Back home after the second job, and nothing changing in any phase's second half. */
static void assert_home_and_settled(const struct run *r)
{
	cr_assert_eq(r->s_at[2], 0.0, "after: spill %.3f", r->s_at[2]);
	for (int p = 0; p < 3; p++)
		cr_assert_eq(r->changes_after[p], 0, "phase %d still changing", p);
}

/*
 * bg1: other tenants' traffic on node 1. lat_k > 0: latency curves (DRAM
 * 100 ns unloaded, the expander 200 ns) and the latency law.
 */
static void setup_law(struct sim *m, struct autow *a, double bg1, double lat_k)
{
	struct autow_params p;

	memset(m, 0, sizeof(*m));
	m->nodes = 2;
	m->cap[0] = 100;	/* DRAM */
	m->cap[1] = 50;		/* a CXL expander */
	m->bg[1] = bg1;
	m->mig_rate = 20;
	m->njobs = 2;
	m->job[0] = (struct sim_job){ .demand = 75, .size = 100, .start = 0, .end = 1e9 };
	m->job[1] = (struct sim_job){ .demand = 75, .size = 100, .start = 100, .end = 200 };
	m->job[0].frac[0] = m->job[1].frac[0] = 1;
	m->lat0[0] = 100;
	m->lat0[1] = 200;
	m->lat_k = lat_k;
	autow_defaults(&p);
	autow_init(a, &p, 0);
}

/*
 * The cover letter's toy example under a law (lat_k 0: bandwidth; > 0:
 * latency curves and the latency law): alone at 75 % of its node the job
 * stays local; two jobs: both nodes carry their share and each job's demand
 * is served; one ends: back home; no change in any phase's second half; at
 * most max_changes changes and max_moved moved.
 */
static void toy_case(double lat_k, uint64_t max_changes, double max_moved)
{
	struct sim m;
	struct autow a;
	struct run r = { 0 };

	setup_law(&m, &a, 0, lat_k);
	toy(&m, &a, &r);
	cr_assert_eq(r.s_at[0], 0.0, "alone: spill %.2f", r.s_at[0]);
	cr_assert_eq(a.by_latency, lat_k > 0);
	cr_assert(r.s_at[1] > 0.25 && r.s_at[1] < 0.40, "two jobs: spill %.3f", r.s_at[1]);
	cr_assert(r.served_at[1] > 140, "two jobs served %.1f of 150", r.served_at[1]);
	cr_assert(r.served_at[1] > r.served_at[0] * 1.8, "%.1f vs %.1f alone", r.served_at[1],
		  r.served_at[0]);
	assert_home_and_settled(&r);
	cr_assert(a.changes <= max_changes, "%llu changes", (unsigned long long)a.changes);
	cr_assert(m.migrated < max_moved, "migrated %.1f", m.migrated);
}

/* Other tenants use bg1 of the expander's 50: little room there (45) or none (50). */
static void neighbour_case(double bg1, double lat_k)
{
	struct sim m;
	struct autow a;
	struct run r = { 0 };

	setup_law(&m, &a, bg1, lat_k);
	toy(&m, &a, &r);
	if (bg1 < 50) {
		cr_assert(r.s_at[1] < 0.10, "spill %.3f onto a busy node", r.s_at[1]);
		assert_home_and_settled(&r);
	} else {
		cr_assert_eq(r.max_w1, 0, "weight %d given to a saturated node", r.max_w1);
		cr_assert_eq(m.migrated, 0);
	}
}

/* Bandwidth: what moved is the two jobs' third out and the first's back (~100) and little more. */
Test(autow, toy_example_alone_local_two_interleaved_back_local)
{
	toy_case(0, 8, 150);
}

/* Other tenants use 45 of the expander's 50: it is not worth spilling there. */
Test(autow, noisy_neighbour_on_the_expander)
{
	neighbour_case(45, 0);
}

/* The expander is saturated by others: nothing goes there. */
Test(autow, saturated_expander_gets_nothing)
{
	neighbour_case(50, 0);
}

/* s off home, spread by capacity, out of 32 and reduced: half over 50:0:50 is
 * 16:8:0:8, written 2:1:0:1; a quarter on one other node is 3:1. */
Test(autow, weights_for_a_spill_share)
{
	struct autow_params p;
	struct autow a;
	double cap[NW_MAX_NODES] = { 100, 50, 0, 50 };
	uint32_t w[NW_MAX_NODES];

	autow_defaults(&p);
	autow_init(&a, &p, 0);
	autow_weights(&a, cap, 0, w);
	cr_assert(w[0] == 1 && w[1] == 0 && w[3] == 0, "%u %u %u", w[0], w[1], w[3]);
	autow_weights(&a, cap, 0.5, w);
	cr_assert(w[0] == 2 && w[1] == 1 && w[2] == 0 && w[3] == 1, "%u %u %u %u", w[0], w[1],
		  w[2], w[3]);
	cap[3] = 0;
	autow_weights(&a, cap, 0.25, w);
	cr_assert(w[0] == 3 && w[1] == 1 && w[3] == 0, "%u %u %u", w[0], w[1], w[3]);
	autow_weights(&a, cap, 0.3, w);	/* 22.4:9.6 of 32 */
	cr_assert(w[0] == 11 && w[1] == 5, "%u %u", w[0], w[1]);
}

/*
 * The latency law on the toy example: alone, home at 75 % answers in 175 ns,
 * faster than the idle expander's 200: stays. Two jobs saturate home: pages
 * spill until both answer alike, and the bracket stops the swing that a
 * fixed step makes across such steep curves. One ends: back home. It moves
 * more than the bandwidth law (its bisection passes through 50:50 once).
 */
Test(autow, latency_toy_example)
{
	toy_case(0.25, 16, 200);
}

/* A noisy neighbour at 45 of the expander's 50 leaves little room there. */
Test(autow, latency_noisy_neighbour_on_the_expander)
{
	neighbour_case(45, 0.25);
}

/* The expander saturated by others answers slowest of all: nothing goes there. */
Test(autow, latency_saturated_expander_gets_nothing)
{
	neighbour_case(50, 0.25);
}

/*
 * A fixed step across a steep curve swings: the same model and law with the
 * bracket defeated (reset before every decision) keeps changing in the
 * two-job phase, which is what the bracket is for.
 */
Test(autow, latency_without_the_bracket_swings)
{
	struct sim m;
	struct autow a;
	double lat[NW_MAX_NODES] = {0};
	uint32_t w[NW_MAX_NODES];
	int late = 0;

	setup_law(&m, &a, 0, 0.25);
	autow_weights(&a, m.cap, 0, w);
	for (int i = 0; i < 2000; i++) {
		sim_step(&m, 0.1, w, 0);
		for (int n = 0; n < 2; n++)
			lat[n] += m.lat[n] / 10;
		if ((i + 1) % 10)
			continue;
		a.s_spill = -1;
		a.s_back = 2;
		if (autow_decide_latency(&a, lat, NULL, m.cap, NULL, w) && m.t > 150 && m.t < 200)
			late++;
		memset(lat, 0, sizeof(lat));
	}
	cr_assert(late >= 5, "%d changes in 150-200 s without the bracket", late);
}

/*
 * A slow mover (the emulated tier's: a spill takes ~15 decisions to move):
 * SLOW pages/s against the model's 20. Deciding while pages move reads the
 * old placement as the load and steps again: the bandwidth law changes the
 * weights 16 times and moves 2.7x what it must (251); the latency law changes
 * them 9 times and moves 249 (it ended stuck half-spilled until it took
 * the bandwidth law's way home, 2026-12-07). Held while pages move (autow_hold),
 * each law makes its few changes, serves the two jobs and comes home.
 */
static void slow_mover_case(double lat_k, bool no_hold, struct sim *m, struct autow *a,
			    struct run *r)
{
	setup_law(m, a, 0, lat_k);
	m->mig_rate = 4;
	r->no_hold = no_hold;
	toy(m, a, r);
}

Test(autow, slow_mover_held_while_pages_move)
{
	for (int law = 0; law < 2; law++) {
		double lat_k = law ? 0.25 : 0;
		struct sim m;
		struct autow a;
		struct run r = { 0 };

		slow_mover_case(lat_k, false, &m, &a, &r);
		cr_assert(r.held > 0, "law %d: never held", law);
		cr_assert(r.served_at[1] > 145, "law %d: two jobs served %.1f of 150", law,
			  r.served_at[1]);
		assert_home_and_settled(&r);
		cr_assert(a.changes <= 9, "law %d: %llu changes", law, (unsigned long long)a.changes);
		cr_assert(m.migrated <= 200, "law %d: migrated %.1f", law, m.migrated);
	}
}

/* The same with the hold defeated: what it is for (the bandwidth law's). */
Test(autow, slow_mover_without_the_hold_overshoots)
{
	struct sim m;
	struct autow a;
	struct run r = { 0 };

	slow_mover_case(0, true, &m, &a, &r);
	cr_assert(a.changes >= 15 && m.migrated > 200, "bandwidth: %llu changes, migrated %.1f",
		  (unsigned long long)a.changes, m.migrated);
	/*
	 * The latency law without the hold went on spilling while pages moved
	 * (9 changes, 249 moved, before its spill stopped at the others' share
	 * of capacity); with that cap the spill it asks for mid-move is no
	 * more than it would have held to: 4 changes, 103 moved
	 */
	slow_mover_case(0.25, true, &m, &a, &r);
	cr_assert(a.changes <= 5 && m.migrated < 150, "latency: %llu changes, migrated %.1f",
		  (unsigned long long)a.changes, m.migrated);
	assert_home_and_settled(&r);
}

/* A few pages moving all the time (under hold_share) do not hold it; nor does
 * a steady stream for longer than hold_max decisions. */
Test(autow, hold_is_bounded)
{
	struct autow_params p;
	struct autow a;
	int i;

	autow_defaults(&p);
	autow_init(&a, &p, 0);
	cr_assert_not(autow_hold(&a, 9, 1000));
	cr_assert_not(autow_hold(&a, 500, 0));
	a.wait = 2;
	for (i = 0; autow_hold(&a, 10, 1000); i++)
		cr_assert(i < 100);
	cr_assert_eq(i, p.hold_max);
	cr_assert_eq(a.wait, 0, "held decisions count toward the dwell");
	cr_assert(autow_hold(&a, 10, 1000), "a new hold after one decision");
}

/* Latencies at the decision after a change has settled (dwell passed). */
static bool decide_settled(struct autow *a, double home, double other, const double *cap,
			   uint32_t *w)
{
	double lat[NW_MAX_NODES] = { home, other };

	while (a->wait > 0)
		autow_decide_latency(a, lat, NULL, cap, NULL, w);
	return autow_decide_latency(a, lat, NULL, cap, NULL, w);
}

/*
 * Read on the emulated tier (docs/tier.md, queueing latency): from 1:0 home
 * answers in 2,279 ns and the idle expander in 252: spill. At 3:1 home 977
 * and the expander 810, 20 % apart (over lat_band) but close: the law made
 * 3:1 -> 1:1 of it with a fixed step, re-placing half the pages onto the
 * slower node. A gap that small moves nothing; a wider one moves further
 * than a narrower one from the same place.
 */
Test(autow, latency_step_follows_the_gap)
{
	struct autow_params p;
	struct autow a, b;
	double cap[NW_MAX_NODES] = { 72, 26 };
	uint32_t w[NW_MAX_NODES];
	double s31;

	autow_defaults(&p);
	autow_init(&a, &p, 0);
	cr_assert(decide_settled(&a, 2279, 252, cap, w), "no spill at 9x");
	cr_assert(w[0] > w[1] && w[1] > 0, "%u:%u", w[0], w[1]);
	s31 = a.s;
	cr_assert_not(decide_settled(&a, 977, 810, cap, w), "stepped on a 20 %% gap: %s", a.why);
	cr_assert_eq(a.s, s31);
	b = a;
	cr_assert(decide_settled(&a, 1800, 800, cap, w));
	cr_assert(decide_settled(&b, 3000, 800, cap, w));
	cr_assert(b.s > a.s && a.s > s31, "steps %.3f, %.3f from %.3f", a.s, b.s, s31);
}

/*
 * Read on the emulated tier (docs/tier.md, 2026-12-07): from 1:0 home at
 * 4,892 ns against the expander's 1,044: spill to 3:1. At 3:1, the
 * throughput-best weighting, with home 98 % busy (77 of 78.7 MB/s) and the
 * expander 86 %, the latencies read either way: home 2,329 ns against 4,509
 * in one boot (the law came back to 29:3), 1,826 against 1,158 in another
 * (it went on to 5:3); each step a ~27 s move that cost the job. Both busy,
 * the utilisations decide: they are 12 points apart, a step under min_step,
 * so it holds either way. Home busy (and not both clearly apart): no step
 * back.
 * Home with room: back. Without traffic (NULL) the law is latency alone.
 */
Test(autow, latency_both_busy_and_no_room_at_home)
{
	struct autow_params p;
	struct autow a, start;
	double cap[NW_MAX_NODES] = { 78.7, 29.8 };
	double lat1[NW_MAX_NODES] = { 4892, 1044 }, back[NW_MAX_NODES] = { 2329, 4509 };
	double on[NW_MAX_NODES] = { 1826, 1158 };
	double full[NW_MAX_NODES] = { 77, 25.7 }, half[NW_MAX_NODES] = { 40, 25.7 };
	double idle1[NW_MAX_NODES] = { 77, 9 }, copying[NW_MAX_NODES] = { 80, 9 };
	double hot1[NW_MAX_NODES] = { 64, 33 }, own[NW_MAX_NODES] = { 40, 0 };
	uint32_t w[NW_MAX_NODES];

	autow_defaults(&p);
	autow_init(&a, &p, 0);
	cr_assert(autow_decide_latency(&a, lat1, idle1, cap, NULL, w));
	cr_assert(w[0] == 3 && w[1] == 1, "%u:%u", w[0], w[1]);
	while (a.wait > 0)
		autow_decide_latency(&a, back, full, cap, NULL, w);
	start = a;
	cr_assert_not(autow_decide_latency(&a, back, full, cap, NULL, w), "came back: %s",
		      a.why);
	cr_assert_eq(a.s, start.s);
	a = start;
	cr_assert_not(autow_decide_latency(&a, on, full, cap, NULL, w), "went on: %s", a.why);
	cr_assert_eq(a.s, start.s);
	/* home busy, the expander not: latency says back, but home has no room */
	a = start;
	cr_assert_not(autow_decide_latency(&a, back, idle1, cap, NULL, w), "%s", a.why);
	cr_assert(strstr(a.why, "no room"), "%s", a.why);
	/* another boot at 3:1: home 81 % busy, the expander 79 %, home 807 ns
	 * against 1,960: the law brought every page home */
	a = start;
	cap[0] = 89.3;
	cap[1] = 33.1;
	cr_assert_not(autow_decide_latency(&a, (double[NW_MAX_NODES]){ 807, 1960 },
					   (double[NW_MAX_NODES]){ 72.3, 26.1 }, cap, NULL, w),
		      "%s", a.why);
	cr_assert(strstr(a.why, "no room"), "%s", a.why);
	cap[0] = 78.7;
	cap[1] = 29.8;
	/* home half busy: back */
	a = start;
	cr_assert(autow_decide_latency(&a, back, half, cap, NULL, w), "half busy: %s", a.why);
	cr_assert(a.s < start.s);
	/* home 81 % busy, the expander past its peak: both busy, back by the gap */
	a = start;
	cr_assert(autow_decide_latency(&a, on, hot1, cap, NULL, w), "%s", a.why);
	cr_assert(a.s < start.s, "%s", a.why);
	/* home busy only with numaweave's own copies */
	a = start;
	cr_assert(autow_decide_latency(&a, back, copying, cap, own, w), "%s", a.why);
	cr_assert(a.s < start.s);
	/* latency alone */
	a = start;
	cr_assert(autow_decide_latency(&a, back, NULL, cap, NULL, w), "%s", a.why);
}

/* The controller with default parameters, home 0, spilled s off home. */
static struct autow spilled(double s)
{
	struct autow_params p;
	struct autow a;

	autow_defaults(&p);
	autow_init(&a, &p, 0);
	a.s = s;
	return a;
}

/*
 * A third boot: from 1:0 the law went to 7:1, where home read 100 % busy
 * (94.2 MB/s) and the expander 45 % of its 34.4, home 1,773 ns against 297:
 * the gap asked for max_step, to 5:3, past the throughput-best 3:1 (the
 * expander cannot carry 37.5 % of the job). The room below the expander's
 * capacity stopped it at 11:5 (home's traffic is what it served, not what
 * the job asks of it); the others' share of capacity now stops it at 3:1
 * (below). With latency alone it goes to 5:3. With the expander already
 * full, latency spills nothing onto it.
 */
Test(autow, latency_spills_no_more_than_the_others_have_room_for)
{
	struct autow a = spilled(0.125), start;
	double cap[NW_MAX_NODES] = { 94.2, 34.4 };
	double lat[NW_MAX_NODES] = { 1773, 297 }, t[NW_MAX_NODES] = { 94.2, 15.5 };
	uint32_t w[NW_MAX_NODES];

	autow_weights(&a, cap, a.s, w);
	cr_assert(w[0] == 7 && w[1] == 1, "%u:%u", w[0], w[1]);
	start = a;
	cr_assert(autow_decide_latency(&a, lat, t, cap, NULL, w), "%s", a.why);
	cr_assert(a.s > 0.2 && a.s < 0.33, "spill %.3f (%u:%u)", a.s, w[0], w[1]);
	a = start;
	cr_assert(autow_decide_latency(&a, lat, NULL, cap, NULL, w), "%s", a.why);
	cr_assert(w[0] == 5 && w[1] == 3, "latency alone: %u:%u", w[0], w[1]);
	a = start;
	cr_assert_not(autow_decide_latency(&a, lat, (double[NW_MAX_NODES]){ 60, 34.4 }, cap, NULL,
					   w), "%s", a.why);
	cr_assert(strstr(a.why, "no room"), "%s", a.why);
}

/*
 * `make tier` (2026-12-07, a slow boot, capacities 66.0 and 23.8 MB/s): at
 * 27:5 home read 89 % busy and the expander 52 %, 4,502 ns against 1,635;
 * the expander's room below its capacity allowed 11:5, past the
 * throughput-best 3:1, and the arm was judged mid-move at 0.30 of it. The
 * spill stops at the others' share of capacity (0.265: 3:1). At 3:1 under
 * a co-runner at home (home 98 % busy, the expander 55 %, home slower), it
 * holds: static 3:1 was the best weighting there in six boots of six.
 */
Test(autow, latency_spills_no_further_than_the_share_of_capacity)
{
	struct autow a = spilled(5.0 / 32);
	double cap[NW_MAX_NODES] = { 66.0, 23.8 };
	double lat[NW_MAX_NODES] = { 4502, 1635 };
	double t[NW_MAX_NODES] = { 0.89 * 66.0, 0.52 * 23.8 };
	uint32_t w[NW_MAX_NODES];

	cr_assert(autow_decide_latency(&a, lat, t, cap, NULL, w), "%s", a.why);
	cr_assert(w[0] == 3 && w[1] == 1, "%u:%u", w[0], w[1]);
	a.wait = 0;
	t[0] = 0.98 * 66.0;
	t[1] = 0.55 * 23.8;
	cr_assert_not(autow_decide_latency(&a, (double[NW_MAX_NODES]){ 3100, 1200 }, t, cap, NULL,
					   w), "went on: %s", a.why);
	cr_assert(strstr(a.why, "share of capacity"), "%s", a.why);
	/* latency alone (no traffic): no cap, the gap decides */
	cr_assert(autow_decide_latency(&a, (double[NW_MAX_NODES]){ 3100, 1200 }, NULL, cap, NULL,
				       w), "%s", a.why);
	cr_assert(a.s > 0.3, "spill %.3f", a.s);
}

/*
 * `make tier` (2026-12-07, evening, capacities 82.3 and 29.7 MB/s): at 3:1
 * home read 61 % busy and the expander 78 %, 262 ns against 2,989, and the
 * gap asked for max_step: every page home, where the job does not fit. The
 * way back stops where the nodes would be equally busy (0.19 here: a step
 * under min_step, it holds). With the expander full of another tenant's
 * traffic, all may come home.
 */
Test(autow, latency_comes_back_no_further_than_even_load)
{
	struct autow a = spilled(0.25), start = a;
	double cap[NW_MAX_NODES] = { 82.3, 29.7 };
	double lat[NW_MAX_NODES] = { 262, 2989 };
	double t[NW_MAX_NODES] = { 0.61 * 82.3, 0.78 * 29.7 };
	uint32_t w[NW_MAX_NODES];

	cr_assert_not(autow_decide_latency(&a, lat, t, cap, NULL, w), "came back: %s", a.why);
	cr_assert(strstr(a.why, "home would be the busier"), "%s", a.why);
	cr_assert_eq(a.s, 0.25);
	/* the expander full of someone else's traffic, home half busy: back */
	a = start;
	t[0] = 0.5 * 82.3;
	t[1] = 29.0;
	cr_assert(autow_decide_latency(&a, lat, t, cap, NULL, w), "%s", a.why);
	cr_assert(a.s < 0.25, "spill %.3f", a.s);
}

/* With no other memory node (a one-node machine) nothing is "both busy". */
Test(autow, latency_alone_on_one_node_is_not_both_busy)
{
	struct autow a = spilled(0);
	double cap[NW_MAX_NODES] = { 100 }, lat[NW_MAX_NODES] = { 900 };
	double t[NW_MAX_NODES] = { 95 };
	uint32_t w[NW_MAX_NODES];

	cr_assert_not(autow_decide_latency(&a, lat, t, cap, NULL, w));
	cr_assert_null(strstr(a.why, "both busy"), "%s", a.why);
	cr_assert_eq(a.s, 0.0);
}

/*
 * numaweave's own migration traffic: a page read where it was and written
 * where it went. Pages moved home from node 1 (the case a job whose pages
 * started off home meets first) make node 1 busy with reads; they were taken
 * as read at home, so the law saw node 1 busier than the job made it.
 */
Test(autow, own_traffic_by_where_pages_left_and_went)
{
	uint64_t to[NW_MAX_NODES] = {0}, from[NW_MAX_NODES] = {0};
	double own[NW_MAX_NODES] = {0};

	to[0] = 1000;		/* home, from node 1 */
	from[1] = 1000;
	autow_own_traffic(to, from, 0, 2.0, own);
	cr_assert_float_eq(own[0], 1000 * 4096 / 2.0, 1e-6);
	cr_assert_float_eq(own[1], 1000 * 4096 / 2.0, 1e-6, "node 1's reads: %f", own[1]);
	memset(own, 0, sizeof(own));
	memset(from, 0, sizeof(from));
	to[0] = 0;
	to[1] = 500;		/* out to node 1, source unknown: read at home */
	autow_own_traffic(to, from, 0, 1.0, own);
	cr_assert_float_eq(own[0], 500 * 4096.0, 1e-6);
	cr_assert_float_eq(own[1], 500 * 4096.0, 1e-6);
	autow_own_traffic(to, from, 0, 0, own);	/* no interval yet: nothing */
	cr_assert_float_eq(own[0], 500 * 4096.0, 1e-6);
}
