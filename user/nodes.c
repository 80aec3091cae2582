// SPDX-License-Identifier: GPL-2.0
/*
 * nodes.c — node existence and memory from libnuma (numa_nodes_ptr,
 * numa_node_size64). Without NUMA support in the kernel there is one node, 0.
 */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include "nodes.h"
#include "parse.h"
#include "numaweave/abi.h"

static bool have_numa(void)
{
	static int avail = -2;

	if (avail == -2)
		avail = numa_available();
	return avail >= 0;
}

bool node_exists(int n)
{
	if (n < 0)
		return false;
	if (!have_numa())
		return n == 0;
	return n <= numa_max_possible_node() && numa_bitmask_isbitset(numa_nodes_ptr, n);
}

bool node_has_memory(int n)
{
	if (!node_exists(n))
		return false;
	if (!have_numa())
		return true;
	return numa_node_size64(n, NULL) > 0;
}

int nodes_list(int *nodes, int max)
{
	int k = 0;

	for (int n = 0; n < NW_MAX_NODES && k < max; n++)
		if (node_exists(n))
			nodes[k++] = n;
	return k;
}

int weights_validate(const uint32_t *w, char *err, int errlen, int *bad_node)
{
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!w[n])
			continue;
		*bad_node = n;
		if (w[n] > NW_WEIGHT_MAX) {
			snprintf(err, errlen, "weight %u for node %d out of range (1-%u)", w[n], n,
				 NW_WEIGHT_MAX);
			return -ERANGE;
		}
		if (!node_exists(n)) {
			snprintf(err, errlen, "node %d does not exist", n);
			return -EINVAL;
		}
		if (!node_has_memory(n)) {
			snprintf(err, errlen, "node %d has no memory", n);
			return -EINVAL;
		}
	}
	return 0;
}
