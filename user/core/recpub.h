/* SPDX-License-Identifier: GPL-2.0 */
/* recpub — the regions map a recorder reads, written during report.c's walk (recpub.c). */
#ifndef NW_RECPUB_H
#define NW_RECPUB_H

#include <stdbool.h>
#include <stdint.h>
#include "heat.h"
#include "numaweave/abi.h"

struct engine;

struct recpub {
	bool on;			/* a recorder wants this pass's regions */
	struct nw_rec_region *out;
	uint32_t cap, n, now;
	uint64_t dropped;
	struct tg_full *tg;		/* live targets by pid: their last full scan */
	size_t ntg;
};

/* A recorder wants the regions: the map is opened for writing (seq odd). */
bool recpub_begin(struct engine *e, struct recpub *rp);
/* One region of the walk, with the class, source and heat report.c gave it. */
void recpub_put(struct recpub *rp, const struct region *r, int cls, int src, float heat,
		uint64_t age_us);
/* The map closed (seq even), with its count. */
void recpub_end(struct engine *e, struct recpub *rp);

#endif
