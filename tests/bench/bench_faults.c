// SPDX-License-Identifier: GPL-2.0
/*
 * bench_faults — first-touch page-fault cost: map SIZE of fresh anonymous
 * memory (no THP), touch every page once, time it; ROUNDS times. Prints each
 * round's ns per fault and the median. With THREADS > 1 the threads fault
 * disjoint slices at once (the most fault events per second).
 *
 *   bench_faults [SIZE_MIB=2048] [ROUNDS=7] [THREADS=1]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static size_t size;
static int threads;
static char *buf;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *touch(void *arg)
{
	size_t id = (size_t)arg, slice = size / threads;

	for (size_t off = id * slice; off < (id + 1) * slice; off += 4096)
		buf[off] = 1;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 2048;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	double per[64], eps = 0;
	pthread_t th[64];

	threads = argc > 3 ? atoi(argv[3]) : 1;
	if (rounds < 1 || rounds > 64 || threads < 1 || threads > 64 || !mib) {
		fprintf(stderr, "usage: bench_faults [SIZE_MIB] [ROUNDS<=64] [THREADS<=64]\n");
		return 2;
	}
	size = mib << 20;
	for (int r = 0; r < rounds; r++) {
		double t0, dt;

		buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		madvise(buf, size, MADV_NOHUGEPAGE);
		t0 = now();
		for (int i = 0; i < threads; i++)
			pthread_create(&th[i], NULL, touch, (void *)(size_t)i);
		for (int i = 0; i < threads; i++)
			pthread_join(th[i], NULL);
		dt = now() - t0;
		per[r] = dt * 1e9 / (size / 4096) * threads;
		if (size / 4096 / dt > eps)
			eps = size / 4096 / dt;
		printf("round %d: %.1f ns/fault (%.0f faults/s)\n", r, per[r], size / 4096 / dt);
		munmap(buf, size);
	}
	qsort(per, rounds, sizeof(per[0]), cmp);
	printf("median %.1f ns/fault, best %.0f faults/s, %zu MiB x %d rounds, %d thread(s)\n",
	       per[rounds / 2], eps, mib, rounds, threads);
	return 0;
}
