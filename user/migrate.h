/* SPDX-License-Identifier: GPL-2.0 */
/* migrate — move_pages(2) in large batches, per-page status by reason. */
#ifndef NW_MIGRATE_H
#define NW_MIGRATE_H

#include <stddef.h>
#include <stdint.h>
#include "numaweave/heat.h"

struct move {
	uint64_t addr;		/* folio head */
	float score;		/* region heat, for ordering under the quota */
	int16_t dest;
	int16_t src;		/* node before, -1 unknown */
	uint8_t order;
	int8_t result;		/* after the move: node, or -(1 + enum nw_fail_reason) */
};

struct move_vec {
	struct move *m;
	size_t n, cap;
};

int move_vec_push(struct move_vec *v, const struct move *m);
void move_vec_free(struct move_vec *v);

struct move_totals {
	uint64_t moved_pages, failed_pages, bytes, ns;
	uint64_t moved_to[NW_MAX_NODES];
	uint64_t failed[NW_FAIL_MAX];
	int gone;		/* the process exited during the move */
};

/* Sort by destination then address (one migrate batch per node in the kernel). */
void moves_sort_by_dest(struct move *m, size_t n);
/* Sort by score, hottest first (hot) or coldest first (!hot). */
void moves_sort_by_score(struct move *m, size_t n, int hot);
/* Move m[0..n) of process pid; fills m[i].result and adds to *t. */
int moves_apply(int pid, struct move *m, size_t n, struct move_totals *t);
/* Nodes of the pages at addrs[0..n) (move_pages with nodes NULL). */
int pages_query(int pid, uint64_t *addrs, size_t n, int *status);
enum nw_fail_reason fail_reason(int err);

#endif
