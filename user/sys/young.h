/* SPDX-License-Identifier: GPL-2.0 */
/*
 * young — the accessed bits of a target's page tables as a heat source, where
 * DAMON is not used (Debian 6.1 has none, and no idle page tracking). Each
 * sample: clear the bits (/proc/PID/clear_refs, "1"), let an interval pass,
 * read them per 2 MiB (bpf/young.bpf.c). A region with no bit set was not
 * accessed in that time: evidence of idleness that NUMA balancing cannot give
 * for a single-threaded job's pages on its own node.
 *
 * What it costs the job: clear_refs walks all its page tables, takes its
 * mmap lock for reading and clears PG_referenced too (reclaim sees its pages
 * as less recently used, as under DAMON); no TLB flush, so an access through a
 * TLB entry that survived the clear is not seen (the hardware sets the bit on
 * a page walk), as with DAMON and idle page tracking.
 */
#ifndef NW_YOUNG_H
#define NW_YOUNG_H

#include <stdbool.h>
#include <stdint.h>

struct young_bpf;

struct young_src {
	struct young_bpf *skel;
	unsigned int levels;	/* page-table levels the self-test found */
};

/* Load and check on this process; NULL when usable, else why not (y unloaded). */
const char *young_open(struct young_src *y);
void young_close(struct young_src *y);
/* Clear pid's accessed bits: 0 or -errno. */
int young_clear(int pid);
/*
 * Read pid's accessed bits since its last clear: fn once per 2 MiB block
 * holding resident pages, in address order. 0 or -errno.
 */
typedef void (*young_fn)(void *arg, uint64_t addr, uint32_t present, uint32_t young);
int young_read(struct young_src *y, int pid, young_fn fn, void *arg);

#endif
