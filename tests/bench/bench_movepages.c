// SPDX-License-Identifier: GPL-2.0
/*
 * bench_movepages — the bare move_pages(2) bound: no numaweave, no BPF, no
 * scan. Moves every page of [ADDR, ADDR + SIZE) of process PID to NODE, in
 * calls of BATCH pages (default 8192, numaweave's batch), one destination, in
 * address order; a THP is sent once, by its first page (as numaweave does),
 * when --step 512 is given.
 *
 *   bench_movepages PID HEXADDR SIZE NODE [BATCH] [--step PAGES]
 *                   [--from NODE2 --every K]
 *
 * --from/--every: the floor of a weighted move. The pages' nodes are read
 * first (move_pages with no nodes, not timed in "seconds", its CPU printed as
 * query_cpu_s); then only every K-th page found on NODE2 is moved, in address
 * order: from a buffer on node 0, "1 --from 0 --every 2" is a 1:1 placement
 * (half the pages, scattered one in two), and then "0 --from 1 --every 2"
 * the 1:1 -> 3:1 change (a quarter, one in four), the work a controller
 * must do at the least for those steps.
 *
 * Prints one line:
 *   movepages pages N moved M other K calls C seconds S mib_per_s R cpu_s U
 * moved: status NODE after the call; other: any other status (negative errno
 * or another node); seconds: wall time in move_pages(2); cpu_s: this
 * process's CPU time (the copy is done in the caller's context).
 */
#include <errno.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static unsigned long long size_arg(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G': return v << 30;
	case 'M': return v << 20;
	case 'K': return v << 10;
	default: return v;
	}
}

int main(int argc, char **argv)
{
	unsigned long long addr, size, step = 1, batch = 8192, n, moved = 0, other = 0, calls = 0;
	double t = 0, c0;
	unsigned long long *sel = NULL, nsel = 0, every = 0;
	double qcpu = 0;
	void **pages;
	int *nodes, *status, pid, node, from = -1, argi = 5;

	if (argc < 5) {
		fprintf(stderr, "usage: bench_movepages PID HEXADDR SIZE NODE [BATCH] [--step PAGES]\n");
		return 2;
	}
	pid = atoi(argv[1]);
	addr = strtoull(argv[2], NULL, 16);
	size = size_arg(argv[3]);
	node = atoi(argv[4]);
	if (argi < argc && argv[argi][0] != '-')
		batch = strtoull(argv[argi++], NULL, 10);
	for (; argi + 1 < argc; argi += 2) {
		if (!strcmp(argv[argi], "--step"))
			step = strtoull(argv[argi + 1], NULL, 10);
		else if (!strcmp(argv[argi], "--from"))
			from = atoi(argv[argi + 1]);
		else if (!strcmp(argv[argi], "--every"))
			every = strtoull(argv[argi + 1], NULL, 10);
		else
			break;
	}
	if (argi < argc || (from >= 0) != (every > 0)) {
		fprintf(stderr, "bench_movepages: bad arguments\n");
		return 2;
	}
	if (!pid || !addr || !size || !batch || !step) {
		fprintf(stderr, "bench_movepages: bad arguments\n");
		return 2;
	}
	n = size / 4096 / step;
	pages = calloc(batch, sizeof(*pages));
	nodes = calloc(batch, sizeof(*nodes));
	status = calloc(batch, sizeof(*status));
	if (!pages || !nodes || !status)
		return 1;
	if (every) {
		unsigned long long found = 0;

		sel = calloc(n, sizeof(*sel));
		if (!sel)
			return 1;
		c0 = cpu_s();
		for (unsigned long long i = 0; i < n; i += batch) {
			unsigned long long k = n - i < batch ? n - i : batch;

			for (unsigned long long j = 0; j < k; j++)
				pages[j] = (void *)(uintptr_t)(addr + (i + j) * step * 4096);
			if (move_pages(pid, k, pages, NULL, status, 0) < 0) {
				fprintf(stderr, "bench_movepages: move_pages (query): %s\n", strerror(errno));
				return 1;
			}
			for (unsigned long long j = 0; j < k; j++)
				if (status[j] == from && found++ % every == 0)
					sel[nsel++] = i + j;
		}
		qcpu = cpu_s() - c0;
		n = nsel;
	}
	c0 = cpu_s();
	for (unsigned long long i = 0; i < n; i += batch) {
		unsigned long long k = n - i < batch ? n - i : batch;
		double t0;
		long rc;

		for (unsigned long long j = 0; j < k; j++) {
			pages[j] = (void *)(uintptr_t)(addr + (sel ? sel[i + j] : i + j) * step * 4096);
			nodes[j] = node;
			status[j] = -ENOENT - 1000;	/* not reached by the kernel */
		}
		t0 = now_s();
		rc = move_pages(pid, k, pages, nodes, status, MPOL_MF_MOVE);
		t += now_s() - t0;
		calls++;
		if (rc < 0) {
			fprintf(stderr, "bench_movepages: move_pages: %s\n", strerror(errno));
			return 1;
		}
		for (unsigned long long j = 0; j < k; j++)
			if (status[j] == node)
				moved++;
			else
				other++;
	}
	printf("movepages pages %llu moved %llu other %llu calls %llu seconds %.3f "
	       "mib_per_s %.1f cpu_s %.2f", n, moved, other, calls, t,
	       t > 0 ? moved * step * 4096.0 / 1048576 / t : 0.0, cpu_s() - c0);
	if (every)
		printf(" query_cpu_s %.3f", qcpu);
	printf("\n");
	free(sel);
	free(pages);
	free(nodes);
	free(status);
	return 0;
}
