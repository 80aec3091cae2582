/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recfmt — numaweave's recording format (docs/record.md), written by
 * `numaweave record` and read by `numaweave report`. Text, a record a line,
 * each line complete before the next is begun and flushed once a frame, so a
 * recording stopped at any moment reads to its last whole frame:
 *
 *   numaweave-record 1
 *   H KEY=VALUE...                  the recording: interval_ms, nodes, pin_dir, ...
 *   F T_MS PASS REGIONS DROPPED     a frame: ms since the start, the controller's
 *                                   passes, regions it published, regions left out
 *   W W0,W1,...                     the weights in force (first frame, then on change)
 *   P NAME W0,W1,...                a daemon policy's weights, likewise
 *   C MOVED0,MOVED1,... FAIL0,...   pages moved to each node, failed per reason (running totals)
 *   R PID ADDR CLS SRC NR HEAT AGE_MS DAGE PAGES ON0,ON1,...
 *                                   a region new or changed since it was last written
 *   X PID ADDR                      a region gone
 *   E REASON                        the end (absent when the recorder was killed)
 *
 * A region's AGE_MS and DAGE are as of the frame that wrote it; HEAT is
 * written again when it moved by REC_HEAT_STEP or more (x100 units), NR when
 * it moved by REC_NR_STEP samples or more; any other change is written.
 */
#ifndef NW_RECFMT_H
#define NW_RECFMT_H

#include <stdint.h>
#include "numaweave/abi.h"

#define REC_MAGIC "numaweave-record 1"
#define REC_HEAT_STEP 500	/* 5 of 100: a heat change smaller is not written */
#define REC_NR_STEP 2		/* of DAMON's 20 samples */
#define REC_REGION_BYTES (1ull << 21)

enum rec_line { REC_NONE, REC_HDR, REC_FRAME, REC_WEIGHTS, REC_COUNTS, REC_REGION, REC_GONE,
		REC_END, REC_POLICY };

/* One line of a recording, parsed. */
struct rec_item {
	enum rec_line kind;
	uint64_t t_ms, pass, nreg, dropped;	/* F */
	uint32_t w[NW_MAX_NODES];		/* W, P (and text: P's name) */
	uint64_t moved[NW_MAX_NODES], failed[NW_FAIL_MAX];	/* C */
	struct nw_rec_region r;			/* R, X (pid, addr) */
	uint64_t other;				/* R: pages on nodes past NW_REC_NODES */
	char text[256];				/* H: the line's rest; E: the reason */
};

/* Parse one line (its newline stripped or not); nodes: the header's. 0, or -EINVAL. */
int rec_parse_line(const char *line, int nodes, struct rec_item *it);
/* The header value of KEY in an H line's text (a number), or def. */
uint64_t rec_hdr_num(const char *text, const char *key, uint64_t def);

#endif
