// SPDX-License-Identifier: GPL-2.0
/*
 * nodes.c — node existence and memory from libnuma (numa_nodes_ptr,
 * numa_node_size64). Without NUMA support in the kernel there is one node, 0.
 */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <string.h>
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

#define KERNEL_WI "/sys/kernel/mm/mempolicy/weighted_interleave"

/* The kernel's weighted_interleave table (6.9+; in auto mode, what it computed). */
static int kernel_weights(uint32_t *w, char *err, int errlen)
{
	int found = 0;

	for (int n = 0; n < NW_MAX_NODES; n++) {
		char path[128];
		unsigned int v;
		FILE *f;

		w[n] = 0;
		snprintf(path, sizeof(path), KERNEL_WI "/node%d", n);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%u", &v) == 1 && node_has_memory(n)) {
			w[n] = v > NW_WEIGHT_MAX ? NW_WEIGHT_MAX : v;
			found++;
		}
		fclose(f);
	}
	if (!found) {
		snprintf(err, errlen, "the kernel has no weighted_interleave table here (%s: "
			 "Linux 6.9 or later, and a node with memory)", KERNEL_WI);
		return -ENOENT;
	}
	return 0;
}

uint64_t nodes_with_memory(void)
{
	uint64_t m = 0;

	for (int n = 0; n < NW_MAX_NODES; n++)
		if (node_has_memory(n))
			m |= 1ull << n;
	return m;
}

int weights_from_spec(const char *spec, uint32_t *w, char *err, int errlen)
{
	char e[NW_ERRLEN];

	if (!strcmp(spec, "kernel"))
		return kernel_weights(w, err, errlen);
	if (!strcmp(spec, "auto") || !strncmp(spec, "auto:", 5)) {
		snprintf(err, errlen, "'%s': weights from measured bandwidth are `run --weights "
			 "auto:file:PATH`'s; here give NODES:W or kernel", spec);
		return -EOPNOTSUPP;
	}
	if (parse_weights(spec, nodes_with_memory(), w, e)) {
		snprintf(err, errlen, "%s", e);
		return -EINVAL;
	}
	return 0;
}

bool kernel_weights_auto(void)
{
	char buf[16] = "";
	/* "auto" (6.16+); some builds name the attribute after the compiler's macro */
	FILE *f = fopen(KERNEL_WI "/auto", "re");

	if (!f)
		f = fopen(KERNEL_WI "/__auto_type", "re");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !strncmp(buf, "true", 4) || buf[0] == '1' || buf[0] == 'Y';
}

int kernel_weights_write(const uint32_t *w, char *err, int errlen)
{
	int written = 0;

	for (int n = 0; n < NW_MAX_NODES; n++) {
		char path[128];
		FILE *f;

		if (!w[n])
			continue;	/* the kernel refuses 0: the caller says which were left out */
		if (w[n] > 255) {
			snprintf(err, errlen, "node %d: weight %u, but the kernel's table holds 1-255",
				 n, w[n]);
			return -ERANGE;
		}
		snprintf(path, sizeof(path), KERNEL_WI "/node%d", n);
		f = fopen(path, "we");
		if (!f || fprintf(f, "%u\n", w[n]) < 0 || fclose(f)) {
			int e = errno;

			snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
			return -e;
		}
		written++;
	}
	return written;
}

int nodes_home(void)
{
	int first = -1;

	for (int n = 0; n < NW_MAX_NODES; n++) {
		char path[96], buf[64] = "";
		FILE *f;

		if (!node_has_memory(n))
			continue;
		if (first < 0)
			first = n;
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", n);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		if (buf[0] >= '0' && buf[0] <= '9')
			return n;
	}
	return first < 0 ? 0 : first;
}
