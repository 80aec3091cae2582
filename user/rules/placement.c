// SPDX-License-Identifier: GPL-2.0
/*
 * placement.c — which node the kernel's weighted interleave gives an index.
 *
 * mm/mempolicy.c (weighted_interleave_nid) walks the policy's nodemask in
 * ascending id; each node takes `weight` consecutive values of ilx % total.
 * We build the same partition once per weight table; a lookup is then one
 * modulo and one table read (or a binary search for huge totals).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "placement.h"

int wtable_init(struct wtable *t, const uint32_t *weights)
{
	uint64_t sum = 0;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < NW_MAX_NODES; i++) {
		if (!weights[i])
			continue;
		sum += weights[i];
		t->node[t->nr] = i;
		t->end[t->nr] = sum;
		t->nr++;
	}
	if (!t->nr)
		return -EINVAL;
	t->total = sum;
	if (sum <= NW_LUT_MAX) {
		unsigned int j = 0;
		uint64_t r;

		t->lut = malloc(sum);
		if (!t->lut)
			return 0;	/* the binary search still works */
		for (r = 0; r < sum; r++) {
			while (r >= t->end[j])
				j++;
			t->lut[r] = t->node[j];
		}
	}
	return 0;
}

void wtable_free(struct wtable *t)
{
	free(t->lut);
	t->lut = NULL;
}

/* Written from the kernel's description, step by step, for the tests. */
static int next_node_in(const uint32_t *weights, int nid)
{
	for (int i = 1; i <= NW_MAX_NODES; i++) {
		int n = (nid + i) % NW_MAX_NODES;

		if (weights[n])
			return n;
	}
	return -1;
}

int wtable_node_ref(const uint32_t *weights, uint64_t ilx)
{
	uint64_t total = 0, target;
	int nid;

	for (nid = 0; nid < NW_MAX_NODES; nid++)
		total += weights[nid];
	if (!total)
		return -1;
	target = ilx % total;
	nid = next_node_in(weights, NW_MAX_NODES - 1);	/* first_node() */
	while (target) {
		if (target < weights[nid])
			break;
		target -= weights[nid];
		nid = next_node_in(weights, nid);
	}
	return nid;
}

void wtable_expect(const struct wtable *t, uint64_t ilx0, uint64_t n, uint64_t *per_node)
{
	uint64_t full = n / t->total, rest = n % t->total, k;
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		uint64_t w = t->end[i] - (i ? t->end[i - 1] : 0);

		per_node[t->node[i]] += full * w;
	}
	for (k = 0; k < rest; k++)
		per_node[wtable_node(t, ilx0 + k)]++;
}

bool weights_equal(const uint32_t *a, const uint32_t *b)
{
	return !memcmp(a, b, NW_MAX_NODES * sizeof(*a));
}

bool weights_zero(const uint32_t *w)
{
	for (int i = 0; i < NW_MAX_NODES; i++)
		if (w[i])
			return false;
	return true;
}
