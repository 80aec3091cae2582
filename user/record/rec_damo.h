/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rec_damo — a recording in damo's JSON record format (what `damo record
 * --output_type json` writes and `damo report` reads): a list of records, one
 * per target and frame, each with one snapshot of its regions' nr_accesses
 * and age. Adjacent 2 MiB regions with the same nr_accesses merge into one, as
 * DAMON's own do. The file always ends in "]": stopped at any moment, it parses.
 */
#ifndef NW_REC_DAMO_H
#define NW_REC_DAMO_H

#include <stdint.h>
#include <stdio.h>
#include "numaweave/abi.h"

struct rec_damo {
	FILE *f;
	uint64_t records;	/* written so far */
};

/* Start the list ("[\n]\n"). 0 or -errno. */
int rec_damo_open(struct rec_damo *d, FILE *f);
/*
 * One frame: regs[0..n), sorted by pid then address, at end_ns (CLOCK_REALTIME
 * ns, as damo's snapshots) over interval_ns. 0 or -errno.
 */
int rec_damo_frame(struct rec_damo *d, const struct nw_rec_region *regs, size_t n,
		   uint64_t end_ns, uint64_t interval_ns);

/* A region's nr_accesses in DAMON samples (0..20 a 100 ms aggregation of 5 ms samples). */
unsigned int rec_damo_samples(const struct nw_rec_region *r);

#endif
