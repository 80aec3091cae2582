// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf — the BPF programs on the running kernel (root). Loads them through
 * the loader (variant fallback, pinning), then:
 *   - a child touches N fresh pages: N first-touch events at those addresses;
 *   - it drops them (MADV_DONTNEED) and touches them again: N repeat events;
 *   - with --children, a fork becomes a target, a thread does not;
 *   - an exit removes the target and is reported;
 *   - zero drops at the default buffer size;
 *   - the VMA iterator reports the child's mapping with its vm_pgoff;
 *   - a second load reuses the pinned weights;
 *   - with fault folding on, a child on one CPU that touches N pages twice
 *     sends a handful of records that still count N first touches and N
 *     repeats, each at an address in the pages' regions;
 *   - the target registry keeps nothing whose map update failed, and
 *     starting a `-- CMD` child leaks no descriptor when fork fails.
 * Prints "N passed, N failed".
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.skel.h"
#include "loader.h"
#include "log.h"
#include "targets.h"
#include "vma_iter.h"
#include "young.h"

static int passed, failed;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			passed++;					\
		} else {						\
			failed++;					\
			printf("FAIL %s:%d: ", __FILE__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

#define NPAGES 1000

struct seen {
	int first, repeat, prot, fork, exit, other;
	int in_range_first, in_range_repeat;
	uint32_t fork_pid, exit_pid;
	uint64_t lo, hi;
	uint32_t pid;
};

static int on_ev(void *ctx, void *data, size_t len)
{
	struct seen *s = ctx;
	const struct nw_event *e = data;

	switch (e->kind) {
	case NW_EV_FIRST_TOUCH:
		s->first++;
		if (e->tgid == s->pid && e->addr >= s->lo && e->addr < s->hi)
			s->in_range_first++;
		break;
	case NW_EV_REPEAT:
		s->repeat++;
		if (e->tgid == s->pid && e->addr >= s->lo && e->addr < s->hi)
			s->in_range_repeat++;
		break;
	case NW_EV_PROT: s->prot++; break;
	case NW_EV_FORK: s->fork++; s->fork_pid = e->tgid; break;
	case NW_EV_EXIT: s->exit++; s->exit_pid = e->tgid; break;
	default: s->other++; break;
	}
	return 0;
}

/* NPAGES first touches of buf, then (after dropping them) NPAGES repeats. */
static void touch_twice(uint8_t *buf)
{
	for (int i = 0; i < NPAGES; i++)
		buf[i * 4096] = 1;
	madvise(buf, NPAGES * 4096, MADV_DONTNEED);
	for (int i = 0; i < NPAGES; i++)
		buf[i * 4096] = 2;
}

/* What the fold test counts: faults in [lo, hi) by kind, and records. */
struct folded {
	uint64_t lo, hi;
	uint32_t pid;
	long records, faults, first, repeat, outside;
};

static int on_fold_ev(void *ctx, void *data, size_t len)
{
	struct folded *s = ctx;
	const struct nw_event *e = data;
	long n = e->kind == NW_EV_FOLD ? e->aux : 1;

	if (e->tgid != s->pid || (e->kind != NW_EV_FOLD && e->kind != NW_EV_FIRST_TOUCH &&
				  e->kind != NW_EV_REPEAT))
		return 0;
	/* a record's address is its region's first fault: [lo, hi) is whole regions */
	if (e->addr < s->lo || e->addr >= s->hi) {
		s->outside++;
		return 0;
	}
	s->records++;
	s->faults += n;
	if (e->kind == NW_EV_FOLD) {
		s->repeat += e->err & 0xffff;
		s->first += n - (e->err & 0xffff) - (e->err >> 16);
	} else if (e->kind == NW_EV_REPEAT) {
		s->repeat++;
	} else {
		s->first++;
	}
	return 0;
}

/*
 * Folding: a child on CPU 0 touches NPAGES pages of a 2 MiB-aligned buffer,
 * drops them and touches them again, then touches a page 4 MiB further (the
 * CPU's next recorded fault flushes the count of the last region).
 */
static void test_fold(struct loader *l)
{
	struct nw_target t = {};
	struct folded s = {};
	struct ring_buffer *rb;
	uint64_t folded0 = l->stats->bpf.folded;
	size_t len = 8 << 20;
	uint8_t *raw, *buf;
	int go[2], st;
	uint32_t key;
	pid_t pid;
	char c;

	raw = mmap(NULL, len + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (raw == MAP_FAILED || pipe(go))
		return;
	buf = (uint8_t *)(((uintptr_t)raw + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
	madvise(buf, len, MADV_NOHUGEPAGE);
	pid = fork();
	if (pid == 0) {
		cpu_set_t cpus;

		CPU_ZERO(&cpus);
		CPU_SET(0, &cpus);
		if (sched_setaffinity(0, sizeof(cpus), &cpus) || read(go[0], &c, 1) != 1)
			_exit(3);
		touch_twice(buf);
		buf[4 << 20] = 3;
		_exit(0);
	}
	key = pid;
	CHECK(!bpf_map_update_elem(l->targets_fd, &key, &t, BPF_ANY), "fold: add target");
	s.pid = pid;
	s.lo = (uint64_t)buf;
	s.hi = s.lo + (4 << 20);
	rb = ring_buffer__new(l->events_fd, on_fold_ev, &s, NULL);
	if (!rb || write(go[1], "g", 1) != 1)
		return;
	waitpid(pid, &st, 0);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	printf("fold: %ld records for %ld faults in range (first %ld, repeat %ld), %ld outside; "
	       "folded %llu\n", s.records, s.faults, s.first, s.repeat, s.outside,
	       (unsigned long long)(l->stats->bpf.folded - folded0));
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st), "fold: child exit %d", st);
	CHECK(s.first == NPAGES && s.repeat == NPAGES,
	      "fold: records count every fault: first %ld, repeat %ld, want %d each", s.first,
	      s.repeat, NPAGES);
	/* 2 regions, 2 touches each: 4 windows if nothing slowed the child down */
	CHECK(s.records <= NPAGES / 16, "fold: %ld records for %d faults", s.records,
	      2 * NPAGES);
	CHECK(l->stats->bpf.folded - folded0 >= (uint64_t)(2 * NPAGES - s.records),
	      "fold: stats.bpf.folded %llu", (unsigned long long)(l->stats->bpf.folded - folded0));
	close(go[0]);
	close(go[1]);
	munmap(raw, len + (2 << 20));
}

static void *thread_fn(void *arg)
{
	return arg;
}

/* The child: wait for "go", touch pages, drop and touch again, fork, exit. */
static void child(int rfd, int wfd, uint8_t *buf)
{
	char c;
	pthread_t th;
	pid_t g;

	if (read(rfd, &c, 1) != 1)
		_exit(3);
	touch_twice(buf);
	pthread_create(&th, NULL, thread_fn, NULL);
	pthread_join(th, NULL);
	g = fork();
	if (g == 0) {
		usleep(300000);
		_exit(0);
	}
	if (write(wfd, &g, sizeof(g)) != sizeof(g))
		_exit(4);
	waitpid(g, NULL, 0);
	if (read(rfd, &c, 1) != 1)
		_exit(5);
	_exit(0);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* targets_add with a map that refuses the update, child_start when fork fails. */
static void test_targets(int targets_fd)
{
	struct target_set ts = { .map_fd = -1 };
	char *cmd[] = { "true", NULL };
	struct child c = {};
	int st, fds, rc;
	pid_t p;

	CHECK(targets_add(&ts, getpid(), 0, false, NULL) < 0 && ts.n == 0,
	      "a target whose map update failed is not kept (n %zu)", ts.n);
	ts.map_fd = targets_fd;
	CHECK(!targets_add(&ts, getpid(), 0, false, NULL) && ts.n == 1, "target added");
	CHECK(targets_remove(&ts, ts.t[0]) && !targets_remove(&ts, ts.t[0]), "removed once");
	targets_free(&ts);
	/* fork fails for an unprivileged user with RLIMIT_NPROC 0 */
	p = fork();
	if (!p) {
		struct rlimit rl = { 0, 0 };

		if (setgid(65534) || setuid(65534) || setrlimit(RLIMIT_NPROC, &rl))
			_exit(3);
		fds = count_fds();
		rc = child_start(&c, cmd, &ts, false);
		_exit(rc == -EAGAIN && count_fds() == fds ? 0 : 1);
	}
	waitpid(p, &st, 0);
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st), "child_start: fork fails, no fd leaked (%d)",
	      WEXITSTATUS(st));
}

struct young_count {
	uint64_t lo, mid, hi;	/* the read half [lo, mid), the idle half [mid, hi) */
	uint64_t present[2], young[2];
};

static void young_count(void *arg, uint64_t addr, uint32_t present, uint32_t young)
{
	struct young_count *c = arg;

	if (addr < c->lo || addr >= c->hi)
		return;
	c->present[addr >= c->mid] += present;
	c->young[addr >= c->mid] += young;
}

#define YOUNG_MB 32

/*
 * The accessed bits (bpf/young.bpf.c): a child fills 2 x YOUNG_MB MiB, then
 * reads the first half only (one word a page, more pages than a TLB holds)
 * after its bits were cleared. The walk must find every page present, the
 * read half (nearly) all accessed, the idle half none.
 */
static void test_young(void)
{
	size_t len = 2ul * YOUNG_MB << 20;
	struct young_count c = {};
	struct young_src y;
	const char *why = young_open(&y);
	int go[2];
	uint8_t *m;
	pid_t pid;

	CHECK(!why, "young_open: %s", why ? why : "");
	if (why)
		return;
	m = mmap(NULL, len + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || pipe(go))
		return;
	m = (uint8_t *)(((uintptr_t)m + (2 << 20) - 1) & ~((uintptr_t)(2 << 20) - 1));
	madvise(m, len, MADV_NOHUGEPAGE);
	memset(m, 1, len);
	pid = fork();
	if (pid == 0) {
		char b;

		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		for (;;)	/* until killed */
			for (size_t i = 0; i < len / 2; i += 4096)
				(void)*(volatile uint8_t *)(m + i);
	}
	close(go[0]);
	CHECK(!young_clear(pid), "clear_refs of the child");
	if (write(go[1], "g", 1) != 1)
		return;
	usleep(300000);
	c.lo = (uint64_t)m;
	c.mid = c.lo + len / 2;
	c.hi = c.lo + len;
	CHECK(!young_read(&y, pid, young_count, &c), "young_read");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("accessed bits: read half %llu of %llu pages, idle half %llu of %llu\n",
	       (unsigned long long)c.young[0], (unsigned long long)c.present[0],
	       (unsigned long long)c.young[1], (unsigned long long)c.present[1]);
	CHECK(c.present[0] == len / 2 / 4096 && c.present[1] == len / 2 / 4096,
	      "every page present (%llu, %llu of %zu)", (unsigned long long)c.present[0],
	      (unsigned long long)c.present[1], len / 2 / 4096);
	CHECK(c.young[0] * 10 >= c.present[0] * 9, "the read half accessed: %llu of %llu",
	      (unsigned long long)c.young[0], (unsigned long long)c.present[0]);
	CHECK(c.young[1] == 0, "the idle half not accessed: %llu", (unsigned long long)c.young[1]);
	{
		uint64_t before = c.present[0] + c.present[1];

		young_read(&y, 999999999, young_count, &c);
		CHECK(c.present[0] + c.present[1] == before, "a missing pid reads as nothing");
	}
	young_close(&y);
	close(go[1]);
}

int main(int argc, char **argv)
{
	char pin[64];
	struct loader l;
	struct loader_opts o = { .ringbuf_bytes = 8 << 20 };
	struct seen s = {};
	struct ring_buffer *rb;
	struct nw_target t = { .flags = NW_TARGET_CHILDREN };
	int go[2], back[2], st;
	uint8_t *buf;
	uint32_t key, w = 7, w2 = 0;
	pid_t pid, g = 0;

	if (geteuid()) {
		printf("SKIP: test_bpf needs root\n");
		return 77;
	}
	if (argc > 1 && !strcmp(argv[1], "-v"))
		nw_verbose = 1;
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/nw-test-%d", getpid());
	o.pin_dir = pin;
	if (loader_open(&l, &o)) {
		printf("FAIL: loader_open\n0 passed, 1 failed\n");
		return 1;
	}
	printf("variant: fault %s, fentry %s, fork %s\n", l.fault_btf ? "tp_btf" : "tracepoint",
	       l.fentry ? "yes" : "no", l.fork_btf ? "tp_btf" : "tracepoint");
	CHECK(!access("/sys/fs/bpf", F_OK), "bpffs");

	buf = mmap(NULL, NPAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || pipe(go) || pipe(back))
		return 1;
	madvise(buf, NPAGES * 4096, MADV_NOHUGEPAGE);
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(back[0]);
		child(go[0], back[1], buf);
	}
	close(go[0]);
	close(back[1]);
	key = pid;
	CHECK(!bpf_map_update_elem(l.targets_fd, &key, &t, BPF_ANY), "add target");
	s.pid = pid;
	s.lo = (uint64_t)buf;
	s.hi = s.lo + NPAGES * 4096;
	rb = ring_buffer__new(l.events_fd, on_ev, &s, NULL);
	CHECK(rb != NULL, "ring buffer");
	if (write(go[1], "g", 1) != 1)
		return 1;
	if (read(back[0], &g, sizeof(g)) != sizeof(g))
		return 1;
	/* the grandchild is a target while it lives */
	key = g;
	{
		struct nw_target gt;

		CHECK(!bpf_map_lookup_elem(l.targets_fd, &key, &gt) && gt.parent == (uint32_t)pid,
		      "fork of a target with CHILDREN becomes a target (pid %d)", g);
	}
	usleep(500000);
	if (write(go[1], "x", 1) != 1)
		return 1;
	waitpid(pid, &st, 0);
	usleep(100000);
	ring_buffer__consume(rb);

	printf("events: first %d (in range %d), repeat %d (in range %d), prot %d, fork %d, "
	       "exit %d, drops %llu, wakeups %llu\n",
	       s.first, s.in_range_first, s.repeat, s.in_range_repeat, s.prot, s.fork, s.exit,
	       (unsigned long long)l.stats->bpf.drops, (unsigned long long)l.stats->bpf.wakeups);
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st), "child exit %d", st);
	CHECK(s.in_range_first == NPAGES, "first touches in range: %d, want %d", s.in_range_first,
	      NPAGES);
	CHECK(s.in_range_repeat == NPAGES, "repeat faults in range: %d, want %d",
	      s.in_range_repeat, NPAGES);
	CHECK(s.fork == 1 && s.fork_pid == (uint32_t)g, "one fork event for %d (got %d, pid %u); "
	      "the thread is not one", g, s.fork, s.fork_pid);
	CHECK(s.exit == 2, "exit events: %d, want 2 (child and grandchild)", s.exit);
	key = pid;
	CHECK(bpf_map_lookup_elem(l.targets_fd, &key, &t) && errno == ENOENT,
	      "exited target removed from targets");
	CHECK(l.stats->bpf.drops == 0, "drops %llu", (unsigned long long)l.stats->bpf.drops);
	CHECK(l.stats->bpf.events >= 2 * NPAGES + 3, "events counted %llu",
	      (unsigned long long)l.stats->bpf.events);

	/* VMA iterator: our own buffer, anonymous, with vm_pgoff = start >> 12 */
	{
		struct vma_reader vr = { .skel = l.skel };
		struct vma_list vl = {};
		int found = 0;

		CHECK(!vmas_read(&vr, getpid(), &vl), "vmas_read");
		for (size_t i = 0; i < vl.n; i++)
			if (vl.v[i].start == s.lo && vl.v[i].end == s.hi) {
				found = 1;
				CHECK(vl.v[i].kind == NW_VMA_ANON, "kind %u", vl.v[i].kind);
				CHECK(vl.v[i].pgoff == s.lo >> 12, "pgoff %#llx want %#llx",
				      (unsigned long long)vl.v[i].pgoff,
				      (unsigned long long)(s.lo >> 12));
			}
		CHECK(found, "our mapping in the iterator's output (%zu VMAs)", vl.n);
		CHECK(vmas_read(&vr, 999999999, &vl) == -ESRCH || vl.n == 0, "missing pid");
		vma_list_free(&vl);
	}

	/*
	 * Shmem is told apart in user space: MAP_SHARED | MAP_ANONYMOUS and a
	 * shared memfd mapping are shmem, the latter with the memfd's inode (the
	 * base of its interleave index); the same memfd mapped private is a file
	 * mapping (its CoW-ed pages are anonymous and placed by vm_pgoff).
	 */
	{
		struct vma_reader vr = { .skel = l.skel };
		struct vma_list vl = {};
		int mfd = memfd_create("nw-test", 0), got = 0;
		struct stat mst = {};
		char *sa, *sm, *pm;

		CHECK(mfd >= 0 && !ftruncate(mfd, 1 << 20) && !fstat(mfd, &mst), "memfd");
		sa = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		sm = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		pm = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE, mfd, 0);
		CHECK(sa != MAP_FAILED && sm != MAP_FAILED && pm != MAP_FAILED, "mmap");
		CHECK(!vmas_read(&vr, getpid(), &vl), "vmas_read");
		for (size_t i = 0; i < vl.n; i++) {
			const struct nw_vma *v = &vl.v[i];

			if (v->start == (uintptr_t)sa) {
				got++;
				CHECK(v->kind == NW_VMA_SHMEM && v->ino, "shared anonymous: kind %u ino %llu",
				      v->kind, (unsigned long long)v->ino);
			} else if (v->start == (uintptr_t)sm) {
				got++;
				CHECK(v->kind == NW_VMA_SHMEM && v->ino == mst.st_ino,
				      "shared memfd: kind %u ino %llu, the memfd's %llu", v->kind,
				      (unsigned long long)v->ino, (unsigned long long)mst.st_ino);
			} else if (v->start == (uintptr_t)pm) {
				got++;
				CHECK(v->kind == NW_VMA_FILE, "private memfd: kind %u", v->kind);
			}
		}
		CHECK(got == 3, "the three mappings in the iterator's output (%d)", got);
		vma_list_free(&vl);
		munmap(sa, 1 << 20);
		munmap(sm, 1 << 20);
		munmap(pm, 1 << 20);
		close(mfd);
	}

	test_targets(l.targets_fd);

	/* A second run reuses the pinned weights. */
	key = 1;
	CHECK(!bpf_map_update_elem(l.weights_fd, &key, &w, BPF_ANY), "write weight");
	ring_buffer__free(rb);
	loader_close(&l, false);
	CHECK(loader_open(&l, &o) == 0, "reload");
	CHECK(l.weights_reused, "pinned weights reused");
	CHECK(!bpf_map_lookup_elem(l.weights_fd, &key, &w2) && w2 == 7, "weight kept: %u", w2);
	loader_close(&l, false);
	o.fold_ns = NW_FOLD_NS_DEFAULT;
	CHECK(loader_open(&l, &o) == 0, "reload with folding");
	test_fold(&l);
	test_young();
	/* a second controller on the same pin dir is refused */
	{
		struct loader l2;

		CHECK(loader_open(&l2, &o) == -EWOULDBLOCK, "second controller refused");
		loader_close(&l2, false);
	}
	loader_close(&l, false);
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/weights", pin);
		unlink(p);
		rmdir(pin);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
