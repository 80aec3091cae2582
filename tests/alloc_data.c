// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_data — the cover letter's test program: allocate and fill SIZE, then
 * sleep. On SIGUSR1 check every byte of every page and print
 * "verify ok PAGES" or "verify FAILED BAD/PAGES".
 *
 *   alloc_data SIZE [--thp|--nothp] [--mremap] [--fork N]
 *              [--mbind-weighted NID:W,...] [--churn] [--reserve SIZE] [--hot SIZE]
 *              [--hot-main] [--pin N]
 *
 * --churn: a thread keeps checking and rewriting every page (each page holds
 * its generation in word 0 and words derived from it); SIGUSR1 pauses it,
 * checks every page and reports the bad pages seen by both.
 *
 * First line: pid=N. After the fill: "ready BYTES at ADDR".
 * --mremap moves the mapping before its first touch (the kernel re-bases
 * vm_pgoff). --fork N forks N children after the fill (CoW-shared pages; each
 * child verifies on SIGUSR1 too). --mbind-weighted sets the kernel's
 * weighted-interleave sysfs weights and binds the buffer with
 * MPOL_WEIGHTED_INTERLEAVE before the fill. --reserve SIZE adds what ASan,
 * JVMs and Go runtimes make: a read-write MAP_NORESERVE mapping of SIZE (up
 * to tens of TiB) with 64 pages touched across it and nothing else resident.
 * --hot SIZE adds a second mapping of SIZE, filled like the first, that a
 * thread keeps reading (one word of each page per sweep, nothing written) while
 * the main buffer stays idle: "hot BYTES at ADDR". SIGUSR1 checks both.
 * --hot-main: the main thread is the reader, so the process has one thread
 * (NUMA balancing arms no page on the node a single-threaded process runs on).
 * --pin N (1..16) splices N pages spread over the buffer into a pipe nobody
 * reads (vmsplice(2)): the pipe holds a reference on each, so migration
 * refuses them, as it does pages pinned for I/O. "pinned N: IDX ..." names
 * the page indices; SIGUSR2 drains the pipe ("unpinned N").
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MPOL_WEIGHTED_INTERLEAVE 6
#define HUGE (2ul << 20)

static volatile sig_atomic_t want_verify, want_stop, want_unpin;

static void on_usr1(int s)
{
	(void)s;
	want_verify = 1;
}

static void on_usr2(int s)
{
	(void)s;
	want_unpin = 1;
}

/* --pin: n pages of buf spliced into a pipe; returns its read end or -1. */
static int pin_pages(uint8_t *buf, size_t pages, int n)
{
	struct iovec iov[16];
	int fd[2];

	if (pipe(fd))
		return -1;
	printf("pinned %d:", n);
	for (int k = 0; k < n; k++) {
		size_t idx = pages / (size_t)(n + 1) * (size_t)(k + 1);

		iov[k].iov_base = buf + idx * 4096;
		iov[k].iov_len = 4096;
		printf(" %zu", idx);
	}
	printf("\n");
	for (int k = 0; k < n; k++)	/* one page per call: the pipe takes whole pages */
		if (vmsplice(fd[1], &iov[k], 1, 0) != 4096) {
			perror("alloc_data: vmsplice");
			return -1;
		}
	return fd[0];
}

static void on_term(int s)
{
	(void)s;
	want_stop = 1;
}

static uint64_t word(uint64_t page, uint64_t i, uint64_t gen)
{
	return (page * 0x9E3779B97F4A7C15ull) ^ (i * 0xC2B2AE3D27D4EB4Full) ^
	       (gen * 0xD6E8FEB86659FD93ull) ^ 0x5a5a;
}

/* Page pg: word 0 is its generation, words 1..511 derive from (pg, i, gen). */
static void write_page(uint64_t *w, size_t pg, uint64_t gen)
{
	w[0] = gen;
	for (size_t i = 1; i < 512; i++)
		w[i] = word(pg, i, gen);
}

static int page_ok(const uint64_t *w, size_t pg)
{
	for (size_t i = 1; i < 512; i++)
		if (w[i] != word(pg, i, w[0]))
			return 0;
	return 1;
}

static void fill(uint64_t *p, size_t pages)
{
	for (size_t pg = 0; pg < pages; pg++)
		write_page(p + pg * 512, pg, 0);
}

static size_t verify(const uint64_t *p, size_t pages)
{
	size_t bad = 0;

	for (size_t pg = 0; pg < pages; pg++)
		bad += !page_ok(p + pg * 512, pg);
	return bad;
}

/* --hot: read only, never written, so the contents check still holds */
static const uint64_t *hot_buf;
static size_t hot_pages;
static volatile uint64_t hot_sum, hot_sweeps;

static void hot_sweep(void)
{
	uint64_t sum = 0;

	for (size_t pg = 0; pg < hot_pages; pg++)
		sum += hot_buf[pg * 512 + (pg & 511)];
	hot_sum += sum;
	hot_sweeps++;
}

static void *hot_reader(void *arg)
{
	(void)arg;
	for (;;)
		hot_sweep();
	return NULL;
}

/* --churn */
static uint64_t *churn_buf;
static size_t churn_pages;
static volatile size_t churn_bad, churn_sweeps;
static pthread_mutex_t churn_lock = PTHREAD_MUTEX_INITIALIZER;

static void *churn(void *arg)
{
	(void)arg;
	for (;;) {
		for (size_t pg = 0; pg < churn_pages; pg++) {
			uint64_t *w = churn_buf + pg * 512;

			pthread_mutex_lock(&churn_lock);
			if (!page_ok(w, pg))
				churn_bad++;
			write_page(w, pg, w[0] + 1);
			pthread_mutex_unlock(&churn_lock);
		}
		churn_sweeps++;
	}
	return NULL;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v <= 0)
		return -1;
	switch (*end) {
	case 'T': case 't': v *= 1ull << 40; end++; break;
	case 'G': case 'g': v *= 1 << 30; end++; break;
	case 'M': case 'm': v *= 1 << 20; end++; break;
	case 'K': case 'k': v *= 1 << 10; end++; break;
	case 0: break;
	default: return -1;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		return -1;
	*out = ((size_t)v + 4095) & ~4095ul;
	return 0;
}

static int set_weighted(const char *spec, void *buf, size_t len)
{
	unsigned long mask = 0;
	char *dup = strdup(spec), *save = NULL;

	for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned nid, w;
		char path[128];
		FILE *f;

		if (sscanf(tok, "%u:%u", &nid, &w) != 2 || nid >= 64 || !w || w > 255) {
			fprintf(stderr, "alloc_data: bad --mbind-weighted entry '%s'\n", tok);
			return -1;
		}
		mask |= 1ul << nid;
		snprintf(path, sizeof(path), "/sys/kernel/mm/mempolicy/weighted_interleave/node%u",
			 nid);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%u\n", w) < 0 || fclose(f)) {
			fprintf(stderr, "alloc_data: cannot set %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	free(dup);
	if (syscall(SYS_mbind, buf, len, MPOL_WEIGHTED_INTERLEAVE, &mask, 64, 0)) {
		fprintf(stderr, "alloc_data: mbind(MPOL_WEIGHTED_INTERLEAVE): %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *weighted = NULL;
	int thp = 0, hot_main = 0, do_mremap = 0, nfork = 0, do_churn = 0, npin = 0, pin_fd = -1;
	size_t size = 0, pages, reserve = 0, hot = 0;
	pid_t kids[64];
	uint8_t *raw, *buf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--thp"))
			thp = 1;
		else if (!strcmp(argv[i], "--nothp"))
			thp = -1;
		else if (!strcmp(argv[i], "--hot-main"))
			hot_main = 1;
		else if (!strcmp(argv[i], "--churn"))
			do_churn = 1;
		else if (!strcmp(argv[i], "--mremap"))
			do_mremap = 1;
		else if (!strcmp(argv[i], "--fork") && i + 1 < argc)
			nfork = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--pin") && i + 1 < argc)
			npin = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--mbind-weighted") && i + 1 < argc)
			weighted = argv[++i];
		else if (!strcmp(argv[i], "--reserve") && i + 1 < argc && !parse_size(argv[i + 1], &reserve))
			i++;
		else if (!strcmp(argv[i], "--hot") && i + 1 < argc && !parse_size(argv[i + 1], &hot))
			i++;
		else if (!size && !parse_size(argv[i], &size))
			;
		else {
			fprintf(stderr, "usage: alloc_data SIZE [--thp|--nothp] [--mremap] [--fork N] "
					"[--mbind-weighted NID:W,...] [--churn] [--reserve SIZE] [--hot SIZE] "
					"[--hot-main] [--pin N]\n");
			return 2;
		}
	}
	if (!size || nfork < 0 || nfork > 64 || npin < 0 || npin > 16) {
		fprintf(stderr, "alloc_data: need a SIZE (e.g. 256M, 1G), --fork 0..64, --pin 0..16\n");
		return 2;
	}
	printf("pid=%d\n", getpid());
	pages = size / 4096;
	/* Reserve room to align the buffer to 2 MiB (THP) and to mremap it. */
	raw = mmap(NULL, size + 3 * HUGE + size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		perror("alloc_data: mmap");
		return 1;
	}
	buf = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	buf = mmap(buf, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0);
	if (buf == MAP_FAILED) {
		perror("alloc_data: mmap");
		return 1;
	}
	if (do_mremap) {
		/* Move it before the first touch: the kernel re-bases vm_pgoff. */
		uint8_t *to = buf + size + HUGE;
		uint8_t *nb = mremap(buf, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, to);

		if (nb == MAP_FAILED) {
			perror("alloc_data: mremap");
			return 1;
		}
		buf = nb;
	}
	if (thp && madvise(buf, size, thp > 0 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		perror("alloc_data: madvise");
	if (weighted && set_weighted(weighted, buf, size))
		return 1;
	fill((uint64_t *)buf, pages);
	if (reserve) {
		uint8_t *r = mmap(NULL, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
				  MAP_NORESERVE, -1, 0);

		if (r == MAP_FAILED) {
			perror("alloc_data: mmap --reserve");
			return 1;
		}
		madvise(r, reserve, MADV_NOHUGEPAGE);
		for (size_t k = 0; k < 64; k++)
			r[(reserve / 64 * k) & ~4095ul] = 1;
		printf("reserved %zu at %p\n", reserve, (void *)r);
	}
	if (hot) {
		/* inside a PROT_NONE reservation: its own VMA, never merged with the buffer */
		uint8_t *g = mmap(NULL, hot + 3 * HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
				  MAP_NORESERVE, -1, 0);
		uint64_t *h = MAP_FAILED;
		pthread_t th;

		if (g != MAP_FAILED)
			h = mmap((void *)(((uintptr_t)g + 2 * HUGE - 1) & ~(HUGE - 1)), hot,
				 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (h == MAP_FAILED) {
			perror("alloc_data: mmap --hot");
			return 1;
		}
		if (thp)
			madvise(h, hot, thp > 0 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		fill(h, hot / 4096);
		hot_buf = h;
		hot_pages = hot / 4096;
		if (!hot_main)
			pthread_create(&th, NULL, hot_reader, NULL);
		printf("hot %zu at %p\n", hot, (void *)h);
	}
	if (npin && (pin_fd = pin_pages(buf, pages, npin)) < 0)
		return 1;
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (int i = 0; i < nfork; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			nfork = 0;
			printf("child pid=%d\n", getpid());
			break;
		}
	}
	if (do_churn) {
		pthread_t th;

		churn_buf = (uint64_t *)buf;
		churn_pages = pages;
		pthread_create(&th, NULL, churn, NULL);
	}
	printf("ready %zu at %p\n", size, (void *)buf);
	while (!want_stop) {
		if (hot_buf && hot_main)
			hot_sweep();	/* the signal handlers' flags are read between sweeps */
		else
			pause();
		if (want_unpin && pin_fd >= 0) {
			char sink[4096];
			int got = 0;

			want_unpin = 0;
			fcntl(pin_fd, F_SETFL, O_NONBLOCK);
			while (read(pin_fd, sink, sizeof(sink)) > 0)
				got++;
			close(pin_fd);
			pin_fd = -1;
			printf("unpinned %d\n", got);
		}
		if (want_verify) {
			size_t bad;

			want_verify = 0;
			pthread_mutex_lock(&churn_lock);
			bad = verify((const uint64_t *)buf, pages) + churn_bad;
			if (hot_buf)
				bad += verify(hot_buf, hot_pages);
			pthread_mutex_unlock(&churn_lock);
			if (do_churn)
				printf("churn sweeps %zu\n", (size_t)churn_sweeps);
			if (hot_buf)
				printf("hot sweeps %llu\n", (unsigned long long)hot_sweeps);
			if (bad)
				printf("verify FAILED %zu/%zu\n", bad, pages + hot_pages);
			else
				printf("verify ok %zu\n", pages + hot_pages);
		}
	}
	for (int i = 0; i < nfork; i++) {
		kill(kids[i], SIGTERM);
		waitpid(kids[i], NULL, 0);
	}
	return 0;
}
