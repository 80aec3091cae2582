// SPDX-License-Identifier: GPL-2.0
/*
 * bench_vmas N: a process with about N VMAs: N/2 one-page anonymous mappings,
 * each touched, with an inaccessible page between them so none merge. Prints
 * "pid=N", "ready VMAS" and sleeps. (vm.max_map_count must allow N.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) / 2 : 0;
	char *base;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (n < 1) {
		fprintf(stderr, "usage: bench_vmas N (N >= 2)\n");
		return 2;
	}
	printf("pid=%d\n", getpid());
	base = mmap(NULL, (size_t)n * 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		perror("bench_vmas: mmap");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		char *p = mmap(base + (size_t)i * 2 * 4096, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		if (p == MAP_FAILED) {
			perror("bench_vmas: mmap (vm.max_map_count?)");
			return 1;
		}
		*p = 1;
	}
	printf("ready %ld\n", 2 * n);
	for (;;)
		pause();
}
