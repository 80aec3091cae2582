/* SPDX-License-Identifier: GPL-2.0 */
/* moves — the planner's work list: folios to move, their order, their outcome. Pure. */
#ifndef NW_MOVES_H
#define NW_MOVES_H

#include <stddef.h>
#include <stdint.h>
#include "numaweave/abi.h"

struct move {
	uint64_t addr;		/* folio head */
	float score;		/* region heat, for ordering under the quota */
	int16_t dest;
	int16_t src;		/* node before, -1 unknown */
	uint8_t order;
	int8_t result;		/* after the move: node, or -(1 + enum nw_fail_reason) */
	uint8_t no_touch;	/* in a userfaultfd-registered VMA: never read to find it */
	uint8_t idle_now;	/* its region idle by its read source's latest word (policy_drop_idle) */
};

struct move_vec {
	struct move *m;
	size_t n, cap;
};

int move_vec_push(struct move_vec *v, const struct move *m);
void move_vec_free(struct move_vec *v);

/* Sort by destination then address (one migrate batch per node in the kernel). */
void moves_sort_by_dest(struct move *m, size_t n);
/* Sort by score, hottest first (hot) or coldest first (!hot); ties in address order. */
void moves_sort_by_score(struct move *m, size_t n, int hot);

/* The reason for a move_pages(2) status or errno; its name in status and JSON. */
enum nw_fail_reason fail_reason(int err);
const char *fail_reason_name(enum nw_fail_reason r);

#endif
