/* SPDX-License-Identifier: GPL-2.0 */
/*
 * migrate — move_pages(2) in batches, every page accounted once by its real
 * outcome, also when the kernel stops part-way.
 */
#ifndef NW_MIGRATE_H
#define NW_MIGRATE_H

#include <stddef.h>
#include <stdint.h>
#include "moves.h"

struct move_totals {
	uint64_t moved_pages, failed_pages, bytes, ns;
	uint64_t moved_to[NW_MAX_NODES];
	uint64_t moved_from[NW_MAX_NODES];	/* of them, by the node they left (when known) */
	uint64_t failed[NW_FAIL_MAX];
	uint64_t calls;		/* move_pages(2) calls made, queries included */
	uint64_t resubmitted;	/* folios sent again after the kernel stopped part-way */
	uint64_t touched;	/* present pages read so move_pages(2) could find them */
	int gone;		/* the process exited during the move */
};

/* The system call the mover uses; the unit tests put a model of the kernel here. */
typedef long (*move_pages_fn)(int pid, unsigned long n, void **pages, const int *nodes,
			      int *status, int flags);
extern move_pages_fn migrate_syscall;

/*
 * Reads one byte of each present page of addrs[0..n) in process pid (so the
 * kernel resolves a NUMA hinting entry there); returns the pages read or
 * -errno. Absent pages are not read. The unit tests replace it with a model.
 */
typedef long (*touch_fn)(int pid, const uint64_t *addrs, size_t n);
extern touch_fn migrate_touch;
long pages_touch_present(int pid, const uint64_t *addrs, size_t n);

/*
 * Move m[0..n) of process pid; fills m[i].result and adds to *t. -ESRCH: it
 * exited. Threads may each run it on entries of their own.
 */
int moves_apply(int pid, struct move *m, size_t n, struct move_totals *t);
/* One folio moved (mv->result: the node it is on now) into the totals. */
void move_totals_moved(struct move_totals *t, const struct move *mv);
/* *t += *a (the totals of another mover thread) */
void move_totals_add(struct move_totals *t, const struct move_totals *a);
/*
 * migrate_pages(2): every page of process pid on a node of from_mask that only
 * this process maps goes to node dest. CAP_SYS_NICE is dropped from this
 * thread's effective set for the call (restored after), so the kernel moves
 * with MPOL_MF_MOVE, never MPOL_MF_MOVE_ALL: pages other processes map too
 * (shared libraries, shared memory mapped by two) stay. Folios the kernel
 * could not move (>= 0), or -errno.
 */
long migrate_process(int pid, uint64_t from_mask, int dest);
/* Nodes of the pages at addrs[0..n) (move_pages with nodes NULL). */
int pages_query(int pid, uint64_t *addrs, size_t n, int *status);

#endif
