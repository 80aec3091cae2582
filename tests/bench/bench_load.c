// SPDX-License-Identifier: GPL-2.0
/*
 * bench_load: what loading numaweave's BPF object costs with libbpf's
 * skeleton (what numaweave uses: libbpf parses the kernel BTF and does the
 * CO-RE relocations in user space) against a light skeleton (`bpftool gen
 * skeleton -L`: a loader program, the relocations done by the kernel, which
 * keeps a cache of candidates between loads). Both load every program of the
 * object (the light skeleton cannot leave one out), so a kernel that refuses
 * one (fentry here: EPERM) fails both, and it says so. Rounds alternate;
 * prints the milliseconds of each open+load and the medians.
 *   build/bench_load [ROUNDS]   (root; 5 rounds by default)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "collector.skel.h"
#include "collector.lskel.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	double full[64], light[64];

	if (rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: bench_load [ROUNDS 1-64]\n");
		return 2;
	}
	libbpf_set_print(quiet);
	for (int r = 0; r < rounds; r++) {
		struct collector_lskel *ls;
		struct collector_bpf *s;
		double t0 = now_ms();

		s = collector_bpf__open_and_load();
		full[r] = now_ms() - t0;
		if (!s) {
			fprintf(stderr, "bench_load: libbpf skeleton: %s\n", strerror(errno));
			return 1;
		}
		collector_bpf__destroy(s);
		t0 = now_ms();
		ls = collector_lskel__open_and_load();
		light[r] = now_ms() - t0;
		if (!ls) {
			fprintf(stderr, "bench_load: light skeleton: %s\n", strerror(errno));
			return 1;
		}
		collector_lskel__destroy(ls);
		printf("round %d: libbpf skeleton %.1f ms, light skeleton %.1f ms\n", r + 1, full[r],
		       light[r]);
	}
	qsort(full, rounds, sizeof(full[0]), cmp_double);
	qsort(light, rounds, sizeof(light[0]), cmp_double);
	printf("bench_load: %d rounds, median libbpf skeleton %.1f ms (%.1f-%.1f), light skeleton "
	       "%.1f ms (%.1f-%.1f)\n", rounds, full[rounds / 2], full[0], full[rounds - 1],
	       light[rounds / 2], light[0], light[rounds - 1]);
	return 0;
}
