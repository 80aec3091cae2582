// SPDX-License-Identifier: GPL-2.0
/*
 * bench_sparse — a large sparse target: map SIZE_GIB of MAP_NORESERVE memory
 * (no THP) and touch one page every 2 MiB, print pid=N and "ready", sleep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t gib = argc > 1 ? strtoull(argv[1], NULL, 10) : 64, size = gib << 30;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(p, size, MADV_NOHUGEPAGE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid=%d\n", getpid());
	for (size_t off = 0; off < size; off += 2 << 20)
		p[off] = 1;
	printf("ready %zu pages in %zu GiB\n", size >> 21, gib);
	pause();
	return 0;
}
