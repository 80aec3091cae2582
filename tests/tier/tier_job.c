// SPDX-License-Identifier: GPL-2.0
/*
 * tier_job MODE SIZE [--secs S] [--cpu N] [--wi W0:W1] [--hot-every K] [--rate MBPS]
 *          [--hot-chunk SIZE] [--pfn-stride K]
 *
 * A memory-bandwidth-bound job for the tier model (docs/tier.md). MODE:
 *   read     sums SIZE of 64-bit words, over and over (a stream read)
 *   triad    a[i] = b[i] + 3 c[i] over three arrays of SIZE / 3
 *   gather   reads random 64-byte rows of a SIZE table (an embedding lookup)
 *   hotidle  reads, over and over, one chunk (--hot-chunk, default 2M) in every
 *            K (--hot-every, default 4) of a SIZE buffer; the rest is never
 *            touched again
 * It prints "pid=N buf=0xADDR size=BYTES", for hotidle one "hot 0xA 0xB" line
 * per hot chunk, then "ready", then every 100 ms "t MS MBPS" (MB/s, 10^6
 * bytes, of the bytes its loop reads and writes) and at the end (SIGTERM or
 * --secs) "done MBPS" over the whole run. --cpu pins it (first touch places
 * its pages on that CPU's node); --wi places the buffer by the kernel's
 * weighted interleave at allocation (W1 0: bound to node 0, W0 0: to node 1).
 * --rate holds the loop to at most MBPS (a light job). The buffer starts on a
 * 2 MiB boundary (numaweave's regions are 2 MiB). On SIGUSR1 it prints where
 * its buffer's pages are, from /proc/self/pagemap (root), as runs
 * "pfn VADDR PFN PAGES REGION" (virtual and physical contiguous; REGION the
 * 2 MiB region, in record's hex), then "pfn end";
 * --pfn-stride K prints only every K-th page (a sample), each on its own line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (2u << 20)
#define MPOL_BIND_ 2
#define MPOL_WEIGHTED_INTERLEAVE_ 6

static volatile sig_atomic_t stop, want_pfns;
static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}
static void on_usr1(int sig)
{
	(void)sig;
	want_pfns = 1;
}

static unsigned pfn_stride = 1;

/* a run, and the 2 MiB region it starts in as numaweave's record writes it */
static void pfn_line(const char *va, uint64_t pfn, uint64_t n)
{
	printf("pfn %p %llu %llu %llx\n", (const void *)va, (unsigned long long)pfn,
	       (unsigned long long)n, (unsigned long long)((uintptr_t)va & ~((uintptr_t)CHUNK - 1)));
}

/* the buffer's pages (every pfn_stride-th) as runs of "pfn VADDR PFN PAGES" */
static void print_pfns(const char *buf, size_t size)
{
	uint64_t run_pfn = 0, run_n = 0, e;
	size_t i, n = size >> 12;
	const char *run_va = NULL;
	FILE *f = fopen("/proc/self/pagemap", "r");

	for (i = 0; f && i < n; i += pfn_stride) {
		if (fseeko(f, (off_t)(((uintptr_t)buf >> 12) + i) * 8, SEEK_SET) ||
		    fread(&e, 8, 1, f) != 1)
			break;
		e = (e >> 63) & 1 ? e & ((1ull << 55) - 1) : 0;
		if (run_n && e && pfn_stride == 1 && e == run_pfn + run_n) {
			run_n++;
			continue;
		}
		if (run_n)
			pfn_line(run_va, run_pfn, run_n);
		run_n = e ? 1 : 0;
		run_pfn = e;
		run_va = buf + (i << 12);
	}
	if (run_n)
		pfn_line(run_va, run_pfn, run_n);
	printf("pfn end\n");
	if (f)
		fclose(f);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t parse_size(const char *s)
{
	char *e;
	unsigned long long v = strtoull(s, &e, 10);

	switch (*e) {
	case 'G': v <<= 30; break;
	case 'M': v <<= 20; break;
	case 'K': v <<= 10; break;
	case 0: break;
	default: return 0;
	}
	return (size_t)v;
}

static int write_weight(int node, unsigned w)
{
	char p[96];
	FILE *f;

	snprintf(p, sizeof(p), "/sys/kernel/mm/mempolicy/weighted_interleave/node%d", node);
	if (!(f = fopen(p, "w")))
		return -1;
	fprintf(f, "%u\n", w);
	return fclose(f);
}

/* place [buf, buf + len) by W0:W1 before it is touched */
static int place(void *buf, size_t len, unsigned w0, unsigned w1)
{
	unsigned long mask = (w0 ? 1ul : 0) | (w1 ? 2ul : 0);
	int mode = MPOL_BIND_;

	if (w0 && w1) {
		if (write_weight(0, w0) || write_weight(1, w1)) {
			perror("tier_job: weighted_interleave");
			return -1;
		}
		mode = MPOL_WEIGHTED_INTERLEAVE_;
	}
	if (syscall(SYS_mbind, buf, len, mode, &mask, 8 * sizeof(mask), 0)) {
		perror("tier_job: mbind");
		return -1;
	}
	return 0;
}

struct job {
	int mode;		/* 'r', 't', 'g', 'h' */
	uint64_t *buf;
	size_t words;
	unsigned hot_every;
	size_t hot_chunk;	/* bytes, a multiple of 2 MiB */
	uint64_t rng, sink;
};

/* one slice of work; returns the bytes it read and wrote */
static uint64_t slice(struct job *j, size_t *pos)
{
	const size_t step = 4096; /* words per slice */
	uint64_t s = 0, bytes = 0;
	size_t i, n;

	switch (j->mode) {
	case 'r':
		n = j->words;
		for (i = 0; i < step; i++)
			s += j->buf[(*pos + i) % n];
		*pos = (*pos + step) % n;
		bytes = step * 8;
		break;
	case 't': {
		size_t third = j->words / 3;
		uint64_t *a = j->buf, *b = a + third, *c = b + third;

		for (i = 0; i < step; i++) {
			size_t k = (*pos + i) % third;

			a[k] = b[k] + 3 * c[k];
		}
		*pos = (*pos + step) % third;
		bytes = step * 24;
		break;
	}
	case 'g': {
		size_t rows = j->words / 8;

		for (i = 0; i < step / 8; i++) {
			uint64_t *r;

			j->rng ^= j->rng << 13;
			j->rng ^= j->rng >> 7;
			j->rng ^= j->rng << 17;
			r = j->buf + (j->rng % rows) * 8;
			s += r[0] + r[1] + r[2] + r[3] + r[4] + r[5] + r[6] + r[7];
		}
		bytes = step * 8;
		break;
	}
	default: { /* hotidle: word positions within the hot chunks only */
		size_t cw = j->hot_chunk / 8, nhot = (j->words / cw + j->hot_every - 1) / j->hot_every;
		size_t span = nhot * cw;

		for (i = 0; i < step; i++) {
			size_t k = (*pos + i) % span;

			s += j->buf[(k / cw) * j->hot_every * cw + k % cw];
		}
		*pos = (*pos + step) % span;
		bytes = step * 8;
	}
	}
	j->sink += s;
	return bytes;
}

/* the job's loop: work, held to RATE MB/s if set, a sample every 100 ms, until
 * SIGTERM or SECS; returns the bytes and sets the time it took */
static uint64_t run(struct job *j, unsigned secs, double rate, uint64_t *elapsed)
{
	uint64_t t0 = now_ns(), tlast = t0, bytes = 0, blast = 0;
	size_t pos = 0;

	while (!stop) {
		uint64_t t;

		bytes += slice(j, &pos);
		if (want_pfns) {
			want_pfns = 0;
			print_pfns((const char *)j->buf, j->words * 8);
		}
		t = now_ns();
		if (rate > 0 && (double)bytes * 1e3 / rate > (double)(t - t0)) {
			uint64_t due = t0 + (uint64_t)((double)bytes * 1e3 / rate);
			struct timespec ts = { .tv_sec = (time_t)(due / 1000000000ull),
					       .tv_nsec = (long)(due % 1000000000ull) };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			t = now_ns();
		}
		if (t - tlast >= 100000000ull) {
			printf("t %llu %.1f\n", (unsigned long long)((t - t0) / 1000000),
			       (double)(bytes - blast) * 1e3 / (double)(t - tlast));
			tlast = t;
			blast = bytes;
		}
		if (secs && t - t0 >= (uint64_t)secs * 1000000000ull)
			break;
	}
	*elapsed = now_ns() - t0;
	return bytes;
}

static int usage(void)
{
	fprintf(stderr, "usage: tier_job read|triad|gather|hotidle SIZE [--secs S] [--cpu N] "
			"[--wi W0:W1] [--hot-every K] [--hot-chunk SIZE] [--rate MBPS] [--pfn-stride K]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct job j = { .hot_every = 4, .hot_chunk = CHUNK, .rng = 88172645463325252ull };
	unsigned w0 = 0, w1 = 0, secs = 0;
	double rate = 0;
	int cpu = -1, i;
	size_t size, c;
	uint64_t bytes, elapsed;

	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "read") || !strcmp(argv[1], "triad") || !strcmp(argv[1], "gather") ||
	    !strcmp(argv[1], "hotidle"))
		j.mode = argv[1][0] == 'h' ? 'h' : argv[1][0];
	else
		return usage();
	size = parse_size(argv[2]);
	if (size < CHUNK || size % CHUNK) {
		fprintf(stderr, "tier_job: SIZE must be a multiple of 2M\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--secs") && i + 1 < argc)
			secs = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc)
			cpu = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--pfn-stride") && i + 1 < argc && atoi(argv[i + 1]) > 0)
			pfn_stride = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--hot-chunk") && i + 1 < argc)
			j.hot_chunk = parse_size(argv[++i]);
		else if (!strcmp(argv[i], "--hot-every") && i + 1 < argc)
			j.hot_every = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--wi") && i + 1 < argc &&
			 sscanf(argv[++i], "%u:%u", &w0, &w1) == 2 && (w0 || w1))
			;
		else
			return usage();
	}
	if (!j.hot_every || !j.hot_chunk || j.hot_chunk % CHUNK || size % j.hot_chunk)
		return usage();
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("tier_job: sched_setaffinity");
			return 1;
		}
	}
	j.buf = mmap(NULL, size + CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (j.buf == MAP_FAILED) {
		perror("tier_job: mmap");
		return 1;
	}
	j.buf = (uint64_t *)(((uintptr_t)j.buf + CHUNK - 1) & ~((uintptr_t)CHUNK - 1));
	madvise(j.buf, size, MADV_NOHUGEPAGE);
	if ((w0 || w1) && place(j.buf, size, w0, w1))
		return 1;
	j.words = size / 8;
	for (c = 0; c < j.words; c++)
		j.buf[c] = c;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGUSR1, on_usr1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid=%d buf=%p size=%zu\n", getpid(), (void *)j.buf, size);
	if (j.mode == 'h')
		for (c = 0; c < size / j.hot_chunk; c += j.hot_every)
			printf("hot %p %p\n", (void *)((char *)j.buf + c * j.hot_chunk),
			       (void *)((char *)j.buf + (c + 1) * j.hot_chunk));
	printf("ready\n");
	bytes = run(&j, secs, rate, &elapsed);
	printf("done %.1f (%llu)\n", (double)bytes * 1e3 / (double)elapsed,
	       (unsigned long long)(j.sink & 1));
	return 0;
}
