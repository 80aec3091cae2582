// SPDX-License-Identifier: GPL-2.0
/*
 * bench_placement — placement decisions per second on one core: the node of
 * N consecutive interleave indices (what a pass does for a VMA), and of
 * random ones, for small (lookup table) and huge (binary search) weight totals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "placement.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(const char *name, const uint32_t *w, uint64_t n, int random)
{
	struct wtable t;
	uint64_t acc = 0, x = 88172645463325252ull;
	double t0, dt;

	if (wtable_init(&t, w))
		return;
	t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t ilx = i;

		if (random) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ilx = x;
		}
		acc += wtable_node(&t, ilx);
	}
	dt = now() - t0;
	printf("%-34s %8.1f M decisions/s  (%llu in %.3f s, checksum %llu)\n", name, n / dt / 1e6,
	       (unsigned long long)n, dt, (unsigned long long)acc);
	wtable_free(&t);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 500000000ull;
	uint32_t w11[NW_MAX_NODES] = { 1, 1 }, w31[NW_MAX_NODES] = { 3, 1 };
	uint32_t w8[NW_MAX_NODES] = { 5, 3, 2, 7, 1, 9, 4, 6 }, big[NW_MAX_NODES] = { 0 };

	big[0] = 1000000;
	big[3] = 333333;
	big[9] = 77777;
	run("1:1 sequential", w11, n, 0);
	run("3:1 sequential", w31, n, 0);
	run("8 nodes sequential", w8, n, 0);
	run("8 nodes random", w8, n / 5, 1);
	run("3 nodes, total 1.4M (search)", big, n / 5, 1);
	return 0;
}
