/* SPDX-License-Identifier: GPL-2.0 */
/*
 * placement — the kernel's weighted-interleave choice, bit for bit.
 * Pure: no libbpf, no system calls.
 */
#ifndef NW_PLACEMENT_H
#define NW_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>
#include "numaweave/abi.h"

#define NW_LUT_MAX 65536	/* total weight up to which a direct table is built */

struct wtable {
	unsigned int nr;		/* nodes with a share */
	int node[NW_MAX_NODES];		/* ascending id */
	uint64_t end[NW_MAX_NODES];	/* cumulative weight up to and including node[i] */
	uint64_t total;
	uint8_t *lut;			/* node for each ilx % total, or NULL */
};

/* Build the table for weights[NW_MAX_NODES]; -EINVAL if every weight is 0. */
int wtable_init(struct wtable *t, const uint32_t *weights);
void wtable_free(struct wtable *t);

static inline int wtable_node(const struct wtable *t, uint64_t ilx)
{
	uint64_t r = ilx % t->total;
	unsigned int lo = 0, hi = t->nr - 1;

	if (t->lut)
		return t->lut[r];
	while (lo < hi) {	/* first i with r < end[i] */
		unsigned int mid = (lo + hi) / 2;

		if (r < t->end[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return t->node[lo];
}

/*
 * The interleave index of the folio of @order mapping @addr in a VMA, as
 * mm/mempolicy.c computes it: anonymous memory counts from vm_pgoff; shmem
 * adds the inode number and counts by file index.
 */
static inline uint64_t nw_ilx(const struct nw_vma *v, uint64_t addr, unsigned int order)
{
	if (v->kind == NW_VMA_SHMEM)
		return v->ino + ((v->pgoff + ((addr - v->start) >> 12)) >> order);
	return (v->pgoff >> order) + ((addr - v->start) >> (12 + order));
}

/* Reference: the kernel's loop over the nodemask, one step per weight unit. */
int wtable_node_ref(const uint32_t *weights, uint64_t ilx);

/* Pages per node that a table gives @n consecutive indices from @ilx0. */
void wtable_expect(const struct wtable *t, uint64_t ilx0, uint64_t n, uint64_t *per_node);

bool weights_equal(const uint32_t *a, const uint32_t *b);
bool weights_zero(const uint32_t *w);

#endif
