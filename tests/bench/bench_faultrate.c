// SPDX-License-Identifier: GPL-2.0
/*
 * bench_faultrate RATE MIB seq|rand: a process that takes RATE page faults a
 * second (0: as many as it can) on MIB MiB of anonymous memory, THP off:
 * pages touched in order (seq) or in a random order (rand), in batches every
 * millisecond; at the end of the buffer it is dropped (MADV_DONTNEED) and
 * touched again, so every touch is a fault. Prints "pid=N", "ready" and,
 * every second, "faults N" (the count over that second).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rate = argc > 3 ? atol(argv[1]) : -1, mib = argc > 3 ? atol(argv[2]) : 0;
	size_t pages, i = 0, *order;
	double t0, last;
	uint64_t done = 0, shown = 0, x = 88172645463325252ull;
	char *buf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (rate < 0 || mib < 1 || (strcmp(argv[3], "seq") && strcmp(argv[3], "rand"))) {
		fprintf(stderr, "usage: bench_faultrate RATE MIB seq|rand\n");
		return 2;
	}
	pages = (size_t)mib << 8;
	buf = mmap(NULL, pages << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	order = malloc(pages * sizeof(*order));
	if (buf == MAP_FAILED || !order) {
		perror("bench_faultrate");
		return 1;
	}
	madvise(buf, pages << 12, MADV_NOHUGEPAGE);
	for (size_t k = 0; k < pages; k++)
		order[k] = k;
	for (size_t k = pages - 1; !strcmp(argv[3], "rand") && k > 0; k--) {
		size_t j, t;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		j = x % (k + 1);
		t = order[k], order[k] = order[j], order[j] = t;
	}
	printf("pid=%d\nready\n", getpid());
	t0 = last = now();
	for (;;) {
		double t = now();
		uint64_t due = rate ? (uint64_t)((t - t0) * (double)rate) : done + 4096;

		while (done < due) {
			buf[order[i] << 12] = 1;
			done++;
			if (++i == pages) {
				madvise(buf, pages << 12, MADV_DONTNEED);
				i = 0;
			}
		}
		if (t - last >= 1) {
			printf("faults %llu\n", (unsigned long long)(done - shown));
			shown = done;
			last = t;
		}
		if (rate)
			usleep(1000);
	}
}
