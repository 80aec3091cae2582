// SPDX-License-Identifier: GPL-2.0
/* autow.c — the weights controller and the model it is tested on (autow.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "autow.h"

void autow_defaults(struct autow_params *p)
{
	/* the cover letter's toy job uses 75 % of its node alone and must stay there */
	p->hi = 0.90;
	p->lo = 0.80;
	p->band = 0.05;
	p->gain = 0.5;
	p->max_step = 0.25;
	p->dwell = 2;
	/* the kernel's own weights from bandwidth (mempolicy.c, 6.16) are at most
	 * 32 ("weightiness") and divided by their GCD: a weight is a run of
	 * consecutive pages on one node, and long runs leave the other nodes
	 * idle while a stream reads through them */
	p->scale = 32;
	p->lat_band = 0.10;
	p->min_step = 2.0 / 32;
	p->hold_share = 0.01;
	p->hold_max = 15;
}

void autow_init(struct autow *a, const struct autow_params *p, int home)
{
	memset(a, 0, sizeof(*a));
	a->p = *p;
	a->home = home;
	a->why = "starting at home";
	a->s_spill = -1;
	a->s_back = 2;
}

static uint32_t gcd(uint32_t x, uint32_t y)
{
	while (y) {
		uint32_t t = x % y;

		x = y;
		y = t;
	}
	return x;
}

/* The same shares in the shortest runs: 24:8 is 3:1 (3 pages, then 1). */
void weights_reduce(uint32_t *w)
{
	uint32_t g = 0;

	for (int n = 0; n < NW_MAX_NODES; n++)
		g = gcd(w[n], g);
	for (int n = 0; g > 1 && n < NW_MAX_NODES; n++)
		w[n] /= g;
}

void autow_weights(const struct autow *a, const double *capacity, double s, uint32_t *w)
{
	double co = 0;

	memset(w, 0, NW_MAX_NODES * sizeof(*w));
	for (int n = 0; n < NW_MAX_NODES; n++)
		if (n != a->home && capacity[n] > 0)
			co += capacity[n];
	if (co <= 0)
		s = 0;
	w[a->home] = (uint32_t)lround((1.0 - s) * a->p.scale);
	if (!w[a->home] && s < 1.0)
		w[a->home] = 1;
	for (int n = 0; s > 0 && n < NW_MAX_NODES; n++)
		if (n != a->home && capacity[n] > 0)
			w[n] = (uint32_t)lround(s * capacity[n] / co * a->p.scale);
	weights_reduce(w);
}

int autow_describe(const struct autow *a, char *buf, size_t len)
{
	if (a->by_latency && isfinite(a->u_others))
		return snprintf(buf, len,
				"latency home %.0f ns, others %.0f ns (busy: home %.0f %%, others %.0f %%): %s",
				a->l_home, isfinite(a->l_others) ? a->l_others : 0.0,
				a->u_home * 100, a->u_others * 100, a->why);
	if (a->by_latency)
		return snprintf(buf, len, "latency home %.0f ns, others %.0f ns: %s", a->l_home,
				isfinite(a->l_others) ? a->l_others : 0.0, a->why);
	return snprintf(buf, len, "home %.0f %%, others %.0f %%: %s", a->u_home * 100,
			isfinite(a->u_others) ? a->u_others * 100 : 0.0, a->why);
}

bool autow_hold(struct autow *a, uint64_t moved, uint64_t resident)
{
	if (!resident || (double)moved < a->p.hold_share * (double)resident ||
	    a->held >= a->p.hold_max) {
		a->held = 0;
		return false;
	}
	a->held++;
	if (a->wait > 0)
		a->wait--;
	a->why = "held: pages still moving";
	return true;
}

void autow_own_traffic(const uint64_t *to, const uint64_t *from, int home, double dt, double *own)
{
	uint64_t nto = 0, nfrom = 0;

	if (dt <= 0)
		return;
	for (int n = 0; n < NW_MAX_NODES; n++) {
		own[n] += (double)(to[n] + from[n]) * 4096 / dt;
		nto += to[n];
		nfrom += from[n];
	}
	if (nto > nfrom)
		own[home] += (double)(nto - nfrom) * 4096 / dt;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Put spill share ns in force if its weights differ from the current ones. */
static bool commit(struct autow *a, const double *capacity, double ns, uint32_t *weights)
{
	uint32_t before[NW_MAX_NODES];

	ns = clamp(ns, 0.0, 1.0 - 1.0 / a->p.scale);
	/* too few pages off home to be worth a table of their own: home */
	if (ns < fmax(0.5 / a->p.scale, a->p.min_step))
		ns = 0;
	/*
	 * A new table re-places pages by the interleave formula, not by the
	 * difference in shares: 3:1 to 23:9 (0.25 to 0.28 off home) moves 34 %
	 * of the pages. A step under min_step is not worth that (home always is).
	 */
	if (ns > 0 && fabs(ns - a->s) < a->p.min_step) {
		a->why = "a step too small for the pages it would move";
		return false;
	}
	autow_weights(a, capacity, a->s, before);
	autow_weights(a, capacity, ns, weights);
	if (!memcmp(before, weights, sizeof(before)))
		return false;
	a->s = ns;
	a->wait = a->p.dwell;
	a->changes++;
	return true;
}

/* A decision skipped while the last change (or the start) settles. */
static bool settling(struct autow *a)
{
	if (a->wait <= 0)
		return false;
	a->wait--;
	a->why = a->changes ? "waiting for the last change to settle" :
			      "waiting for the start to settle";
	return true;
}

/* Traffic (numaweave's own moves taken out) and capacity, bytes/s. */
struct load {
	double t_home, t_others, c_home, c_others;
};

/*
 * Home's and the others' load, and their utilisation into a->u_home and
 * a->u_others. False when home has no capacity.
 */
static bool load_of(struct autow *a, const double *traffic, const double *capacity,
		    const double *own, struct load *l)
{
	memset(l, 0, sizeof(*l));
	if (capacity[a->home] <= 0)
		return false;
	for (int n = 0; n < NW_MAX_NODES; n++) {
		double t = traffic[n] - (own ? own[n] : 0);

		if (n == a->home || capacity[n] <= 0)
			continue;
		l->t_others += t > 0 ? t : 0;
		l->c_others += capacity[n];
	}
	l->c_home = capacity[a->home];
	l->t_home = traffic[a->home] - (own ? own[a->home] : 0);
	if (l->t_home < 0)
		l->t_home = 0;
	a->u_home = l->t_home / l->c_home;
	a->u_others = l->c_others > 0 ? l->t_others / l->c_others : INFINITY;
	return true;
}

/* Pages off home, and what home would carry if they all came back (others'
 * load counted: cautious) below lo. */
static bool fits_at_home(const struct autow *a, const struct load *l)
{
	return a->s > 0 && (l->t_home + l->t_others) / l->c_home < a->p.lo;
}

/* The bandwidth law's step: the relative imbalance of the utilisations. */
static double load_step(const struct autow *a)
{
	return fmin(a->p.max_step, a->p.gain * fabs(a->u_home - a->u_others) /
					  (a->u_home + a->u_others));
}

bool autow_decide(struct autow *a, const double *traffic, const double *capacity,
		  const double *own, uint32_t *weights)
{
	const struct autow_params *p = &a->p;
	struct load l;
	double ns = a->s;

	a->decisions++;
	a->by_latency = false;
	if (!load_of(a, traffic, capacity, own, &l)) {
		a->why = "home node has no capacity";
		return false;
	}
	if (settling(a))
		return false;
	if (fits_at_home(a, &l)) {
		ns = a->s - p->max_step;
		a->why = "everything fits at home";
	} else if (a->u_home > p->hi && a->u_others < a->u_home - p->band) {
		ns = a->s + load_step(a);
		a->why = "home overloaded, the others have room";
	} else if (a->s > 0 && a->u_others > a->u_home + p->band) {
		ns = a->s - load_step(a);
		a->why = "the others more loaded than home";
	} else {
		a->why = "balanced";
	}
	return commit(a, capacity, ns, weights);
}

bool autow_decide_latency(struct autow *a, const double *latency, const double *traffic,
			  const double *capacity, const double *own, uint32_t *weights)
{
	const struct autow_params *p = &a->p;
	double lo = 0, co = 0, ns, step, gap;
	struct load l = { 0 };
	bool loads = false, busy;
	int dir = 0;

	a->decisions++;
	a->by_latency = true;
	a->u_home = 0;
	a->u_others = INFINITY;	/* not measured: describe leaves them out */
	if (traffic)
		loads = load_of(a, traffic, capacity, own, &l);
	if (capacity[a->home] <= 0 || latency[a->home] <= 0) {
		a->why = "home node has no latency reading";
		return false;
	}
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (n == a->home || capacity[n] <= 0 || latency[n] <= 0)
			continue;
		lo += latency[n] * capacity[n];
		co += capacity[n];
	}
	a->l_home = latency[a->home];
	a->l_others = co > 0 ? lo / co : INFINITY;
	if (settling(a))
		return false;
	/* the bandwidth law's way home: the load changed, the bracket with it */
	if (loads && fits_at_home(a, &l)) {
		a->s_spill = -1;
		a->s_back = 2;
		a->why = "everything fits at home";
		return commit(a, capacity, a->s - p->max_step, weights);
	}
	/*
	 * Both sides busy (over lo) and one clearly busier (by more than band):
	 * the utilisations decide, by the bandwidth law's step. Near
	 * saturation each node's latency is its queue, which reads either way
	 * from one interval to the next: on the emulated tier, at the
	 * throughput-best 3:1 with home 98-101 % busy and the expander 86 %,
	 * home read 2,329 ns against 4,509 in one boot and 1,826 against 1,158
	 * in another, and the law stepped back to 29:3 or on to 5:3, each a
	 * ~27 s move. Both saturated (within band): latency decides.
	 */
	gap = a->u_home - a->u_others;
	busy = loads && l.c_others > 0 && a->u_home > p->lo && a->u_others > p->lo &&
	       fabs(gap) > p->band;
	if (busy) {
		dir = gap > 0 ? 1 : -1;
		step = load_step(a);
	} else {
		if (co > 0 && a->l_home > a->l_others * (1 + p->lat_band))
			dir = 1;
		else if (a->l_others > a->l_home * (1 + p->lat_band))
			dir = -1;
		/* proportional, as the bandwidth law's: near the balance a small
		 * gap asks for a step under min_step, which is no step */
		step = fmin(p->max_step, p->gain * fabs(a->l_home - a->l_others) /
						 (a->l_home + a->l_others));
	}
	if (!dir) {
		a->why = "latencies balanced";
		return false;
	}
	/* the bracket: a reading against it means the load changed */
	if ((dir > 0 && a->s >= a->s_back) || (dir < 0 && a->s <= a->s_spill)) {
		a->s_spill = -1;
		a->s_back = 2;
	}
	if (dir > 0)
		a->s_spill = a->s;
	else
		a->s_back = a->s;
	if (dir < 0 && a->s <= 0) {
		a->why = busy ? "both busy, home the less, and all is home" :
				"at home, and home answers faster";
		return false;
	}
	/*
	 * Latency brings no page back to a busy home (over lo; both busy and
	 * the others clearly busier is the case above): latency rises steeply
	 * near saturation, so a busy home reads faster than it will once the
	 * pages are back, and an expander with 2.5x home's unloaded latency
	 * (the emulated one) reads slower at any equal load. On the emulated
	 * tier at 3:1, home 81 % busy and the expander 79 %, home read 807 ns
	 * against 1,960 and the law brought every page home.
	 */
	if (!busy && dir < 0 && loads && a->u_home > p->lo) {
		a->why = "the others slower, but home is busy: no room to come back";
		return false;
	}
	/*
	 * Nor back past where the nodes would be equally busy: home's traffic
	 * taken as the job's, J = T_home / (1 - s), and the others' beyond the
	 * job's s J as another tenant's, B; equal at s = (J C_o - B C_home) /
	 * (J (C_home + C_o)) (none when B fills them: all may come home). The
	 * expander's latency rises steeply near its capacity, so at the
	 * throughput-best share a dip at home reads as a large gap: on the
	 * emulated tier at 3:1, home 61 % busy and the expander 78 %, home read
	 * 262 ns against 2,989 and the gap asked for max_step, all the way home
	 * (where the job does not fit).
	 */
	if (!busy && dir < 0 && loads && l.t_home > 0) {
		double job = l.t_home / (1 - a->s), other = fmax(0, l.t_others - a->s * job);
		double even = (job * l.c_others - other * l.c_home) /
			      (job * (l.c_home + l.c_others));

		step = fmax(0, fmin(step, a->s - fmax(0, even)));
		if (step < p->min_step) {
			a->why = "the others slower, but home would be the busier";
			return false;
		}
	}
	/*
	 * Nor more spill than the others can take: not past their capacity (a
	 * step moves step / (1 - s) of the traffic at home to them; home's
	 * traffic taken as all the job's, and a saturated home's traffic is
	 * what it served, not what the job asks: an upper bound on room), nor
	 * past the capacity-proportional share C_o / (C_home + C_o), where the
	 * job's own pages load every node alike: the throughput optimum of a
	 * bandwidth-bound job alone, past which each page moved makes the
	 * slower side the busier. A latency gap near saturation is no measure
	 * of how far to go: on the emulated tier, at 7:1 with home 100 % busy
	 * and the expander 45 %, home read 1,773 ns against 297 and the gap
	 * asked for max_step, to 5:3; at 27:5 with home 89 % and the expander
	 * 52 %, 4,502 against 1,635, and the capacity alone allowed 21:11.
	 * Both stop at 3:1 (0.26 of the capacity), the best static weighting
	 * there for the job alone. A co-runner's traffic at home would justify
	 * more (under one, static 1:1 was the best in all three finished boots
	 * of 2026-12-07's evening, 3:1 in six that afternoon; that night, each
	 * static read twice, a static's two readings differed by up to 22 % and
	 * the best was 1:0, 1:1 and 3:1 in three boots); the law gives that
	 * case up: it does not know the job's share of home's traffic.
	 */
	if (!busy && dir > 0 && loads && l.t_home > 0) {
		double room = (1 - a->s) * (l.c_others - l.t_others) / l.t_home;
		double share = l.c_others / (l.c_home + l.c_others) - a->s;

		step = fmax(0, fmin(step, fmin(room, share)));
		if (step < p->min_step) {
			a->why = room < p->min_step ?
				"home slower, but the others have no room for more" :
				"home slower, but at the others' share of capacity";
			return false;
		}
	}
	ns = a->s + dir * step;
	if (ns >= a->s_back || ns <= a->s_spill)
		ns = (a->s_spill + a->s_back) / 2;	/* inside what was measured */
	if (busy)
		a->why = dir > 0 ? "both busy, the others less: spill" :
				   "both busy, home less: come back";
	else
		a->why = dir > 0 ? "home slower than the others: spill" :
				   "the others slower than home: come back";
	if (!commit(a, capacity, ns, weights)) {
		a->why = busy ? "both busy, balanced within the smallest step" :
				"balanced within the smallest step";
		return false;
	}
	return true;
}

double sim_resident(const struct sim *s)
{
	double sz = 0;

	for (int j = 0; j < s->njobs; j++)
		if (s->t >= s->job[j].start && s->t < s->job[j].end)
			sz += s->job[j].size;
	return sz;
}

bool sim_hold(struct autow *a, const struct sim *s, double *migrated)
{
	/* the model's sizes in thousandths: autow_hold counts pages */
	bool held = autow_hold(a, (uint64_t)((s->migrated - *migrated) * 1000),
			       (uint64_t)(sim_resident(s) * 1000));

	*migrated = s->migrated;
	return held;
}

void sim_step(struct sim *s, double dt, const uint32_t *w, int home)
{
	double sum_w = 0, target[NW_MAX_NODES] = {0}, want[NW_MAX_NODES] = {0};
	double budget = s->mig_rate * dt;

	for (int n = 0; n < s->nodes; n++)
		sum_w += w[n];
	for (int n = 0; n < s->nodes; n++)
		target[n] = sum_w > 0 ? w[n] / sum_w : n == home;
	memset(s->own, 0, sizeof(s->own));
	/* pages move toward the weights, jobs in turn, within the migration budget */
	for (int j = 0; j < s->njobs; j++) {
		struct sim_job *jb = &s->job[j];

		if (s->t < jb->start || s->t >= jb->end)
			continue;
		for (int from = 0; from < s->nodes && budget > 0; from++) {
			double extra = (jb->frac[from] - target[from]) * jb->size;

			for (int to = 0; to < s->nodes && extra > 0 && budget > 0; to++) {
				double room = (target[to] - jb->frac[to]) * jb->size, b;

				if (room <= 0)
					continue;
				b = fmin(fmin(extra, room), budget);
				jb->frac[from] -= b / jb->size;
				jb->frac[to] += b / jb->size;
				s->own[from] += b / dt;
				s->own[to] += b / dt;
				s->migrated += b;
				budget -= b;
				extra -= b;
			}
		}
	}
	/* what the jobs ask of each node; a saturated node serves it in proportion */
	for (int j = 0; j < s->njobs; j++) {
		const struct sim_job *jb = &s->job[j];

		if (s->t < jb->start || s->t >= jb->end)
			continue;
		for (int n = 0; n < s->nodes; n++)
			want[n] += jb->demand * jb->frac[n];
	}
	s->served = 0;
	for (int n = 0; n < s->nodes; n++) {
		double total = want[n] + s->bg[n] + s->own[n];
		double k = total > s->cap[n] ? s->cap[n] / total : 1.0;
		double u = s->cap[n] > 0 ? fmin(total / s->cap[n], 0.99) : 0.99;

		s->lat[n] = s->lat0[n] * (1 + s->lat_k * u / (1 - u));
		s->traffic[n] = total * k;
		s->served += want[n] * k;
	}
	s->t += dt;
}
