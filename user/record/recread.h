/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recread — a recording (recfmt.h) read back for `numaweave report`: its
 * frames, what each target had on each node in each frame, the weights and
 * counters, and the regions as a matrix of rows (a target's resident 2 MiB
 * regions, address order, targets one after the other) by frames.
 */
#ifndef NW_RECREAD_H
#define NW_RECREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "recfmt.h"

struct rec_row {
	uint32_t pid;
	uint64_t addr;
};

/* One frame: time, weights, running totals, and per target pages by node. */
struct rec_frame {
	uint64_t t_ms, pass, nreg, dropped;
	uint32_t w[NW_MAX_NODES];
	uint64_t moved[NW_MAX_NODES], failed[NW_FAIL_MAX];
	uint32_t cls[NW_CLS_MAX];	/* regions by heat class (of the targets shown) */
};

struct rec_target {
	uint32_t pid;
	uint64_t *pages;	/* [frame * nodes + node] */
	uint32_t first_row, nrows;
};

enum rec_value { REC_V_HEAT, REC_V_PLACE };

/* A daemon policy's weights from a frame on (a P line). */
struct rec_polw {
	uint64_t t_ms;
	char name[65];
	uint32_t w[NW_MAX_NODES];
};

struct recording {
	char hdr[256];
	int nodes;
	uint64_t interval_ms;
	char end[64];		/* E's reason, "" if it has none */
	struct rec_frame *f;
	size_t nf;
	struct rec_row *rows;	/* every region ever recorded, by pid and address */
	size_t nrows;
	struct rec_target *tg;
	size_t ntg;
	struct rec_polw *polw;	/* the daemon's policies' weights as they changed */
	size_t npolw;
	/* binned: [row bin * ncols + frame bin], NAN where no region was resident */
	float *heat, *place;
	size_t ncols, nrowsb;
};

/* Read path (only pid's regions when pid != 0). 0, or -errno / -EINVAL with err. */
int rec_read(const char *path, uint32_t pid, struct recording *rc, char *err, size_t errlen);
void rec_free(struct recording *rc);
/* Target pid's share (0..1) of pages on node n in frame k. */
double rec_share(const struct recording *rc, const struct rec_target *t, size_t k, int n);
/* A region's placement value: 0 all on node 0 .. 1 all on the highest node. */
float rec_place_value(const struct nw_rec_region *r, uint64_t other, int nodes);

#endif
