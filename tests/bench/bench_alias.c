// SPDX-License-Identifier: GPL-2.0
/*
 * bench_alias SIZE N: a process whose page tables map N times as much memory
 * as it has: a memfd of SIZE, filled, mapped N times (MAP_SHARED, populated).
 * numaweave sees N x SIZE resident (shared memory is eligible), so what
 * scales with resident memory (regions, recordings) can be measured at 64 GiB
 * on a smaller machine. Prints "pid=N", then "ready BYTES at ADDR" per
 * mapping, then sleeps until killed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	size_t size, n;
	int fd;
	uint8_t *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: bench_alias SIZE_MIB N\n");
		return 2;
	}
	size = strtoull(argv[1], &end, 10) << 20;
	n = strtoull(argv[2], NULL, 10);
	if (*end || !size || !n || n > 4096) {
		fprintf(stderr, "bench_alias: bad SIZE_MIB or N\n");
		return 2;
	}
	printf("pid=%d\n", getpid());
	fd = memfd_create("bench_alias", 0);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		perror("bench_alias: memfd");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
		if (p == MAP_FAILED) {
			perror("bench_alias: mmap");
			return 1;
		}
		madvise(p, size, MADV_NOHUGEPAGE);
		if (!i)
			memset(p, 0x5a, size);
		printf("ready %zu at %p\n", size, (void *)p);
	}
	for (;;)
		pause();
}
