/* SPDX-License-Identifier: GPL-2.0 */
/*
 * autow — weights from measured bandwidth (`--weights auto[:SENSOR]`), the
 * policy the cover letter leaves to "a userspace program". Pure: the control
 * law, and a model of nodes and jobs to test it on (sim_*).
 *
 * The law, bandwidth only ("fill the home node, then spill by capacity"):
 * the state is s, the share of a job's pages kept off its home node (spread
 * over the other nodes in proportion to their capacity). Each decision looks
 * at per-node utilisation u = traffic / capacity, numaweave's own migration
 * traffic taken out:
 *   - home overloaded (u_home > hi) while the others have room
 *     (u_others < u_home - band): s grows;
 *   - the others more loaded than home (u_others > u_home + band): s shrinks;
 *   - everything would fit at home below lo (the traffic now on the nodes the
 *     job uses, over the home's capacity): s goes back to 0.
 * A step is proportional to the imbalance, at most max_step and at least
 * min_step (a new table re-places many pages); a decision waits
 * dwell intervals after a change, so the pages have moved and the next
 * measurement sees the new placement; lo < hi is the hysteresis.
 *
 * The law on loaded latency (autow_decide_latency, where the sensor gives
 * each node's latency; Colloid's aim): move pages toward the nodes that answer
 * faster until home's latency and the others' (capacity-weighted) are within
 * lat_band of each other, by a step proportional to the gap (gain, at most
 * max_step; one under min_step is none). Latency rises steeply near
 * saturation, so a fixed
 * step would swing across the balance: the law keeps the bracket it has
 * measured (the largest s that still said "spill more", the smallest that
 * said "come back") and bisects it; when the bracket is narrower than
 * min_step it holds. A reading that contradicts the bracket (home now
 * faster at a share that said "spill more") means the load changed: the
 * bracket is dropped and steps start again at max_step. Given traffic too:
 * everything fitting at home below lo brings pages back (the bandwidth
 * law's way, bracket dropped); both sides busy (over lo) and one busier by
 * more than band, the utilisations decide (near saturation a latency is a
 * queue that reads either way from one interval to the next); otherwise
 * latency, but it brings no page back to a busy home (a busy home reads
 * faster than it will once the pages are back).
 */
#ifndef NW_AUTOW_H
#define NW_AUTOW_H

#include <stdbool.h>
#include <stdint.h>
#include "numaweave/abi.h"

struct autow_params {
	double hi, lo;		/* utilisation that spills, and that brings home (lo < hi) */
	double band;		/* imbalance between home and the others that is left alone */
	double gain;		/* step per unit of relative imbalance */
	double max_step;	/* largest change of s in one decision */
	int dwell;		/* decisions to wait after a change */
	uint32_t scale;		/* weights are shares out of this (32), before weights_reduce */
	double lat_band;	/* latency law: relative difference left alone */
	double min_step;	/* smallest change of s made (but home), a new table moves many pages */
	double hold_share;	/* pages moved since the last decision, of the resident, that hold it */
	int hold_max;		/* decisions held in a row at most */
};

void autow_defaults(struct autow_params *p);

struct autow {
	struct autow_params p;
	int home;
	double s;		/* share of pages off home */
	int wait;		/* decisions left before the next change */
	uint64_t decisions, changes;
	double u_home, u_others;	/* last measurement */
	const char *why;	/* the last decision, for status and logs */
	/* latency law */
	bool by_latency;	/* the last decision was on latency */
	double l_home, l_others;	/* last latencies (ns), others capacity-weighted */
	double s_spill, s_back;	/* bracket: largest s that said spill, smallest that said back */
	int held;		/* decisions held in a row (autow_hold) */
};

/* home: the node the job's CPUs are on (its pages start there). */
void autow_init(struct autow *a, const struct autow_params *p, int home);

/*
 * One decision. traffic and capacity: bytes/s per node (capacity 0: not a
 * memory node); own: numaweave's own migration traffic per node in the same
 * interval (taken out). Writes the weights (out of p.scale) and returns true
 * when they changed.
 */
bool autow_decide(struct autow *a, const double *traffic, const double *capacity,
		  const double *own, uint32_t *weights);

/*
 * One decision on loaded latency: latency (ns per node, 0: not read) and
 * capacity (bytes/s: the others' pages are spread by it). traffic and own as
 * autow_decide's, or NULL: latency alone decides. Writes the weights and
 * returns true when they changed.
 */
bool autow_decide_latency(struct autow *a, const double *latency, const double *traffic,
			  const double *capacity, const double *own, uint32_t *weights);

/*
 * Before a decision: true when it is to be skipped because pages are still
 * moving (moved, since the last decision, at least hold_share of the
 * resident pages), at most hold_max in a row. The placement a sensor
 * measures then is neither the old one nor the new, and a slow mover's own
 * traffic reads as load. A skipped decision counts toward the dwell; a few
 * pages moving all the time do not hold it.
 */
bool autow_hold(struct autow *a, uint64_t moved, uint64_t resident);
/*
 * numaweave's own migration traffic per node, bytes/s over dt s, from the
 * pages moved to (to) and from (from) each node since the last decision:
 * each page is read on the node it left and written on the one it reached.
 * Pages whose source is not known (to counts more than from) are taken as
 * read at home. Added to own[].
 */
void autow_own_traffic(const uint64_t *to, const uint64_t *from, int home, double dt, double *own);

/* The last decision's inputs and reason, one line ("home 80 %, others 20 %: why"). */
int autow_describe(const struct autow *a, char *buf, size_t len);

/* Weights divided by their greatest common divisor (0s kept): the same shares,
 * in runs as short as they can be. */
void weights_reduce(uint32_t *w);

/* The weights for a spill share s (home keeps 1 - s), out of p.scale, reduced
 * (weights_reduce). */
void autow_weights(const struct autow *a, const double *capacity, double s, uint32_t *w);

/*
 * The model: nodes with capacities and background traffic (other tenants),
 * jobs with a bandwidth demand, a resident size and a lifetime. A job's pages
 * move toward the weights at the migration rate, which is charged to both
 * nodes. A saturated node serves its demand in proportion (the jobs slow
 * down), so measured traffic never exceeds capacity.
 */
#define SIM_MAX_JOBS 8
struct sim_job {
	double demand;		/* bytes/s it would use */
	double size;		/* resident bytes */
	double start, end;	/* seconds */
	double frac[NW_MAX_NODES];	/* where its pages are */
};

struct sim {
	int nodes;
	double cap[NW_MAX_NODES];
	/* latency: lat0 unloaded, rising with the offered load u (traffic asked
	 * of the node over its capacity, at most 0.99) as lat0 (1 + lat_k u / (1 - u)):
	 * flat while the node is idle, x1.75 at 75 % with lat_k 0.25, x25.75 when
	 * saturated (queueing, as the loaded-latency curves of the Colloid and CXL
	 * characterisation papers rise) */
	double lat0[NW_MAX_NODES];
	double lat_k;
	double lat[NW_MAX_NODES];	/* last step, what a latency sensor reads */
	double bg[NW_MAX_NODES];	/* other tenants' traffic */
	double mig_rate;		/* bytes/s numaweave moves at */
	struct sim_job job[SIM_MAX_JOBS];
	int njobs;
	double t;
	double migrated;		/* bytes moved so far */
	double traffic[NW_MAX_NODES];	/* last step, what a sensor reads */
	double own[NW_MAX_NODES];	/* of which migration */
	double served;			/* bytes/s the jobs got, last step */
};

/* Advance dt seconds with pages moving toward weights w (home = job's start node). */
void sim_step(struct sim *s, double dt, const uint32_t *w, int home);
/* The running jobs' resident size. */
double sim_resident(const struct sim *s);
/* autow_hold on the model, as the controller calls it before each decision:
 * *migrated is what had moved at the last call (updated). */
bool sim_hold(struct autow *a, const struct sim *s, double *migrated);

#endif
