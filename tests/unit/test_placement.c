// SPDX-License-Identifier: GPL-2.0
/* Placement against the step-by-step reference of the kernel's algorithm. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "placement.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

Test(placement, one_to_one_alternates)
{
	uint32_t w[NW_MAX_NODES] = { 1, 1 };
	struct wtable t;

	cr_assert_eq(wtable_init(&t, w), 0);
	for (uint64_t i = 0; i < 100; i++)
		cr_assert_eq(wtable_node(&t, i), (int)(i % 2));
	wtable_free(&t);
}

Test(placement, three_to_one_blocks)
{
	uint32_t w[NW_MAX_NODES] = { 3, 1 };
	int want[] = { 0, 0, 0, 1, 0, 0, 0, 1 };
	struct wtable t;

	cr_assert_eq(wtable_init(&t, w), 0);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(wtable_node(&t, i), want[i], "ilx %d", i);
	wtable_free(&t);
}

Test(placement, zero_weight_means_no_share)
{
	uint32_t w[NW_MAX_NODES] = { 0 };
	struct wtable t;

	w[2] = 2;
	w[5] = 1;
	cr_assert_eq(wtable_init(&t, w), 0);
	cr_assert_eq(t.nr, 2);
	for (uint64_t i = 0; i < 30; i++)
		cr_assert(wtable_node(&t, i) == 2 || wtable_node(&t, i) == 5);
	cr_assert_eq(wtable_node(&t, 2), 5);
	wtable_free(&t);
}

Test(placement, all_zero_refused)
{
	uint32_t w[NW_MAX_NODES] = { 0 };
	struct wtable t;

	cr_assert_eq(wtable_init(&t, w), -EINVAL);
}

Test(placement, random_tables_match_reference)
{
	for (int round = 0; round < 400; round++) {
		uint32_t w[NW_MAX_NODES] = { 0 };
		int nodes = 1 + next() % 8;
		struct wtable t;

		for (int i = 0; i < nodes; i++)
			w[next() % NW_MAX_NODES] = (round % 5 == 0) ? 1 + next() % 100000
								    : 1 + next() % 255;
		if (weights_zero(w))
			w[0] = 1;
		cr_assert_eq(wtable_init(&t, w), 0);
		/* both the lookup table and the binary search */
		for (int k = 0; k < 2000; k++) {
			uint64_t ilx = k < 1000 ? (uint64_t)k : next();

			cr_assert_eq(wtable_node(&t, ilx), wtable_node_ref(w, ilx),
				     "round %d ilx %llu", round, (unsigned long long)ilx);
		}
		wtable_free(&t);
	}
}

Test(placement, ilx_like_mempolicy)
{
	struct nw_vma v = { .start = 0x7f0000000000, .end = 0x7f0040000000,
			    .pgoff = 0x7f0000000, .kind = NW_VMA_ANON };

	/* order 0: pgoff + page index */
	cr_assert_eq(nw_ilx(&v, v.start + 5 * 4096, 0), 0x7f0000000ull + 5);
	/* order 9: (pgoff >> 9) + 2 MiB index */
	cr_assert_eq(nw_ilx(&v, v.start + 3 * (2 << 20), 9), (0x7f0000000ull >> 9) + 3);
	/* shmem: inode number + file index >> order */
	v.kind = NW_VMA_SHMEM;
	v.pgoff = 16;
	v.ino = 1000;
	cr_assert_eq(nw_ilx(&v, v.start + 4 * 4096, 0), 1000 + 20);
	cr_assert_eq(nw_ilx(&v, v.start + 512 * 4096, 9), 1000 + ((16 + 512) >> 9));
}

/* mremap moves a VMA and keeps vm_pgoff: every page keeps its node. */
Test(placement, placement_survives_mremap)
{
	uint32_t w[NW_MAX_NODES] = { 5, 2, 0, 3 };
	struct wtable t;

	cr_assert_eq(wtable_init(&t, w), 0);
	for (int i = 0; i < 1000; i++) {
		uint64_t a = (next() & 0x3fffffffull) << 21, b = (next() & 0x3fffffffull) << 21;
		struct nw_vma v = { .start = a, .end = a + (1ull << 30), .pgoff = a >> 12 };
		struct nw_vma moved = { .start = b, .end = b + (1ull << 30), .pgoff = a >> 12 };
		uint64_t off = (next() % (1ull << 18)) << 12;

		cr_assert_eq(wtable_node(&t, nw_ilx(&v, a + off, 0)),
			     wtable_node(&t, nw_ilx(&moved, b + off, 0)), "page %#llx",
			     (unsigned long long)off);
		off &= ~((2ull << 20) - 1);
		cr_assert_eq(wtable_node(&t, nw_ilx(&v, a + off, 9)),
			     wtable_node(&t, nw_ilx(&moved, b + off, 9)));
	}
	wtable_free(&t);
}

/* Under 1:1, consecutive pages alternate nodes, and so do consecutive huge pages. */
Test(placement, consecutive_folios_alternate_at_one_to_one)
{
	uint32_t w[NW_MAX_NODES] = { 1, 1 };
	struct nw_vma v = { .start = 0x7f0000000000, .end = 0x7f0040000000,
			    .pgoff = 0x7f0000000 + 3 };	/* odd offset: a moved mapping */
	struct wtable t;

	cr_assert_eq(wtable_init(&t, w), 0);
	for (uint64_t a = v.start; a + 4096 < v.start + (64 << 20); a += 4096)
		cr_assert_neq(wtable_node(&t, nw_ilx(&v, a, 0)), wtable_node(&t, nw_ilx(&v, a + 4096, 0)));
	for (uint64_t a = v.start; a + (2 << 20) < v.end; a += 2 << 20)
		cr_assert_neq(wtable_node(&t, nw_ilx(&v, a, 9)),
			      wtable_node(&t, nw_ilx(&v, a + (2 << 20), 9)));
	wtable_free(&t);
}

Test(placement, expect_counts)
{
	uint32_t w[NW_MAX_NODES] = { 3, 1 };
	uint64_t per[NW_MAX_NODES] = { 0 };
	struct wtable t;

	cr_assert_eq(wtable_init(&t, w), 0);
	wtable_expect(&t, 7, 1001, per);
	cr_assert_eq(per[0] + per[1], 1001);
	cr_assert(per[0] >= 750 && per[0] <= 751, "per[0] = %llu", (unsigned long long)per[0]);
	wtable_free(&t);
}
