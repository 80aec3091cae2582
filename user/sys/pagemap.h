/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemap — the resident folios of a range of a target: where each starts, its
 * order, and the node it is on. From /proc/PID/pagemap (present bit, PFN),
 * /proc/kpageflags (compound head/tail, THP) and the memory-block-to-node map
 * in sysfs. Without PFNs (no CAP_SYS_ADMIN) every page is order 0 and its node
 * is unknown (-1): the caller asks move_pages(2).
 */
#ifndef NW_PAGES_H
#define NW_PAGES_H

#include <stdbool.h>
#include <stdint.h>

/* /proc/PID/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (1ull << 63)
#define PM_FILE (1ull << 61)
#define PM_PFN_MASK ((1ull << 55) - 1)

struct node_map {
	uint64_t block_pages;	/* pages per memory block */
	int8_t *node;		/* node of each block, -1 unknown */
	uint64_t nblocks;
};

struct page_scanner {
	int pid;
	int pagemap_fd;
	int kpf_fd;		/* /proc/kpageflags or -1 */
	bool pfn_ok;		/* PFNs are visible */
	const struct node_map *nodes;
	uint64_t *pm;		/* pagemap buffer */
	uint64_t *kpf;		/* kpageflags buffer */
	/* PAGEMAP_SCAN (6.7+): present ranges, so holes cost no reads */
	bool no_pmscan;		/* the kernel has no PAGEMAP_SCAN */
	struct pm_range { uint64_t start, end, cat; } *pr;
	size_t pr_n, pr_i;
	uint64_t pr_from, pr_walk_end;	/* the window the ranges describe */
	uint64_t holes_skipped;		/* bytes of address space never read */
	uint64_t kpf_pages_read;	/* kpageflags entries read */
	/*
	 * Set by the caller for a range where only PMD-mapped folios can be large
	 * (an anonymous VMA with VM_NOHUGEPAGE): with PAGEMAP_SCAN those are found
	 * by it and every other page is order 0, so kpageflags is not read.
	 */
	bool small_only;
};

/* Called for each resident folio whose head lies in the scanned range. */
typedef int (*folio_cb)(void *ctx, uint64_t addr, unsigned int order, int node);

/*
 * The first present page at or after from, below end (end when none). Where
 * the kernel has no PAGEMAP_SCAN, from: the caller reads everything.
 */
uint64_t scanner_next_present(struct page_scanner *s, uint64_t from, uint64_t end);

/* Holes cost nothing to this scanner (the kernel has PAGEMAP_SCAN); probes at at. */
bool scanner_skips_holes(struct page_scanner *s, uint64_t at);

int node_map_load(struct node_map *m);
void node_map_free(struct node_map *m);
static inline int node_of_pfn(const struct node_map *m, uint64_t pfn)
{
	uint64_t b;

	if (!m || !m->block_pages)
		return -1;
	b = pfn / m->block_pages;
	return b < m->nblocks ? m->node[b] : -1;
}

int scanner_open(struct page_scanner *s, int pid, const struct node_map *nodes);
void scanner_close(struct page_scanner *s);
/* anon_only: skip page-cache pages (a private file mapping's un-CoW-ed pages). */
int scan_range(struct page_scanner *s, uint64_t start, uint64_t end, bool anon_only, folio_cb cb,
	       void *ctx);

#endif
