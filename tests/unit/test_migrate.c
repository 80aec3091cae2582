// SPDX-License-Identifier: GPL-2.0
/* migrate.c and pages.c on this process (no root needed; one node is enough). */
#include <criterion/criterion.h>
#include <errno.h>
#include <numaif.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "migrate.h"
#include "pagemap.h"

Test(migrate, sort_by_dest_then_addr)
{
	struct move m[] = {
		{ .addr = 0x3000, .dest = 1 }, { .addr = 0x1000, .dest = 0 },
		{ .addr = 0x2000, .dest = 1 }, { .addr = 0x5000, .dest = 0 },
	};

	moves_sort_by_dest(m, 4);
	cr_assert(m[0].dest == 0 && m[0].addr == 0x1000);
	cr_assert(m[1].dest == 0 && m[1].addr == 0x5000);
	cr_assert(m[2].dest == 1 && m[2].addr == 0x2000);
	cr_assert(m[3].dest == 1 && m[3].addr == 0x3000);
}

Test(migrate, sort_by_score)
{
	struct move m[] = { { .addr = 1, .score = 2 }, { .addr = 2, .score = 9 },
			    { .addr = 3, .score = 0 } };

	moves_sort_by_score(m, 3, 1);
	cr_assert(m[0].addr == 2 && m[1].addr == 1 && m[2].addr == 3);
	moves_sort_by_score(m, 3, 0);
	cr_assert(m[0].addr == 3 && m[1].addr == 1 && m[2].addr == 2);
}

Test(migrate, reasons)
{
	cr_assert_eq(fail_reason(EBUSY), NW_FAIL_EBUSY);
	cr_assert_eq(fail_reason(EACCES), NW_FAIL_EACCES);
	cr_assert_eq(fail_reason(ENOMEM), NW_FAIL_ENOMEM);
	cr_assert_eq(fail_reason(EFAULT), NW_FAIL_EFAULT);
	cr_assert_eq(fail_reason(ENOENT), NW_FAIL_ENOENT);
	cr_assert_eq(fail_reason(EIO), NW_FAIL_EIO);
	cr_assert_eq(fail_reason(E2BIG), NW_FAIL_OTHER);
}

Test(migrate, vec_grows)
{
	struct move_vec v = {};
	struct move m = { .addr = 1 };

	for (int i = 0; i < 10000; i++) {
		m.addr = i;
		cr_assert_eq(move_vec_push(&v, &m), 0);
	}
	cr_assert_eq(v.n, 10000);
	cr_assert_eq(v.m[9999].addr, 9999);
	move_vec_free(&v);
}

struct count {
	uint64_t pages, folios, lo, hi;
};

static int counter(void *ctx, uint64_t addr, unsigned int order, int node)
{
	struct count *c = ctx;

	cr_assert(addr >= c->lo && addr < c->hi);
	c->pages += 1ull << order;
	c->folios++;
	return 0;
}

Test(pages, finds_exactly_the_touched_pages)
{
	size_t n = 256, len = n * 4096;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct page_scanner s;
	struct count c = { .lo = (uint64_t)p, .hi = (uint64_t)p + len };

	cr_assert(p != MAP_FAILED);
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < n; i += 2)	/* every other page */
		p[i * 4096] = 1;
	cr_assert_eq(scanner_open(&s, getpid(), NULL), 0);
	cr_assert_eq(scan_range(&s, c.lo, c.hi, false, counter, &c), 0);
	cr_assert_eq(c.pages, n / 2, "found %llu", (unsigned long long)c.pages);
	scanner_close(&s);
	munmap(p, len);
}

struct folio_list {
	uint64_t addr[64];
	int order[64], n;
};

static int list_folio(void *ctx, uint64_t addr, unsigned int order, int node)
{
	struct folio_list *l = ctx;

	if (order && l->n < 64) {
		l->addr[l->n] = addr;
		l->order[l->n++] = (int)order;
	}
	return 0;
}

/* Returns whether the kernel has PAGEMAP_SCAN (when asked to use it). */
static bool scan_large_as(uint64_t lo, uint64_t hi, bool pmscan, bool small_only,
			  struct folio_list *l, uint64_t *kpf)
{
	struct page_scanner s;
	bool has;

	memset(l, 0, sizeof(*l));
	cr_assert_eq(scanner_open(&s, getpid(), NULL), 0);
	s.no_pmscan = !pmscan;
	s.small_only = small_only;
	cr_assert_eq(scanner_next_present(&s, lo, hi), lo);
	cr_assert_eq(scan_range(&s, lo, hi, false, list_folio, l), 0);
	*kpf = s.kpf_pages_read;
	has = !s.no_pmscan;
	scanner_close(&s);
	return has;
}

static bool scan_large(uint64_t lo, uint64_t hi, bool pmscan, struct folio_list *l, uint64_t *kpf)
{
	return scan_large_as(lo, hi, pmscan, false, l, kpf);
}

/*
 * Two THPs: one PMD-mapped, one PTE-mapped (an mprotect of one of its pages
 * splits the mapping, not the folio). With PAGEMAP_SCAN the first is found
 * without reading kpageflags; both ways find the same large folios.
 */
Test(pages, huge_pages_found_by_pagemap_scan_and_by_flags)
{
	size_t len = 8ul << 20;
	uint8_t *raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *p = (uint8_t *)(((uintptr_t)raw + (2ul << 20) - 1) & ~((2ul << 20) - 1));
	uint64_t lo = (uint64_t)p, hi = lo + (4ul << 20), kpf_scan, kpf_flags;
	struct folio_list a, b;
	bool has_scan;

	cr_assert(raw != MAP_FAILED);
	if (access("/proc/kpageflags", R_OK))
		cr_skip_test("kpageflags needs CAP_SYS_ADMIN");
	madvise(p, 4ul << 20, MADV_HUGEPAGE);
	memset(p, 1, 4ul << 20);
	scan_large(lo, hi, false, &b, &kpf_flags);
	if (b.n < 2 || b.order[0] != 9)
		cr_skip_test("no THP here (%d large folios)", b.n);
	cr_assert_eq(mprotect(p + (2ul << 20), 4096, PROT_READ), 0);
	scan_large(lo, hi, false, &b, &kpf_flags);
	has_scan = scan_large(lo, hi, true, &a, &kpf_scan);
	cr_assert_eq(b.n, 2, "flags: %d large folios", b.n);
	cr_assert(b.addr[0] == lo && b.order[0] == 9 && b.addr[1] == lo + (2ul << 20) && b.order[1] == 9);
	cr_assert_eq(a.n, b.n, "PAGEMAP_SCAN: %d large folios, flags: %d", a.n, b.n);
	for (int i = 0; i < a.n; i++)
		cr_assert(a.addr[i] == b.addr[i] && a.order[i] == b.order[i], "folio %d differs", i);
	cr_assert_eq(kpf_flags, 1024, "flags read for both (%llu)", (unsigned long long)kpf_flags);
	/* a kernel without PAGEMAP_SCAN (before 6.7) reads them all */
	cr_assert_eq(kpf_scan, has_scan ? 512 : 1024, "PAGEMAP_SCAN %d: %llu flags read", has_scan,
		     (unsigned long long)kpf_scan);
	/*
	 * MADV_NOHUGEPAGE afterwards (the planner's small_only): the PMD-mapped
	 * THP is still found by PAGEMAP_SCAN, no flags are read, and the
	 * PTE-mapped one counts as small pages (the documented limit); without
	 * PAGEMAP_SCAN small_only is not trusted and the flags are read.
	 */
	has_scan = scan_large_as(lo, hi, true, true, &a, &kpf_scan);
	if (has_scan) {
		cr_assert(a.n == 1 && a.addr[0] == lo && a.order[0] == 9, "%d large", a.n);
		cr_assert_eq(kpf_scan, 0);
	}
	scan_large_as(lo, hi, false, true, &a, &kpf_scan);
	cr_assert(a.n == 2 && kpf_scan == 1024, "no PAGEMAP_SCAN: flags read (%d)", a.n);
	munmap(raw, len);
}

Test(pages, query_and_move_on_this_node)
{
	size_t n = 64;
	uint8_t *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			  0);
	uint64_t addrs[64];
	int st[64];
	struct move m[64];
	struct move_totals t = {};

	memset(p, 1, n * 4096);
	for (size_t i = 0; i < n; i++) {
		addrs[i] = (uint64_t)p + i * 4096;
		m[i] = (struct move){ .addr = addrs[i], .dest = 0, .src = -1 };
	}
	cr_assert_eq(pages_query(getpid(), addrs, n, st), 0);
	cr_assert_eq(st[0], 0);
	cr_assert_eq(moves_apply(getpid(), m, n, &t), 0);
	cr_assert_eq(t.moved_pages, n);
	cr_assert_eq(t.failed_pages, 0);
	munmap(p, n * 4096);
}

/*
 * A model of do_pages_move (mm/migrate.c): entries are batched while the
 * destination stays the same; a batch is migrated when the node changes or
 * at the end; if any folio of a batch fails, the call returns the number not
 * migrated plus the entries not yet reached, and stores no status for the
 * batch or anything after it. With nodes NULL it reports where pages are.
 */
#define FAKE_PAGES 4096
#define FAKE_BASE 0x10000000ull
static int fake_node[FAKE_PAGES];
static bool fake_busy[FAKE_PAGES];
static bool fake_armed[FAKE_PAGES];	/* NUMA hint entry: 6.1's lookup answers ENOENT */
static bool fake_absent[FAKE_PAGES];	/* not present at all: ENOENT whatever is done */
static int fake_touch_calls;
static int fake_calls;
static int fake_enomem_after;	/* fail the whole call with ENOMEM at this batch (0: never) */
static int fake_room[4];		/* pages a node can still take, -1: no limit */

static int fake_idx(void *p)
{
	return (int)(((uint64_t)p - FAKE_BASE) >> 12);
}

static long fake_flush(void **pages, int *status, size_t start, size_t end, int node)
{
	long failed = 0;

	for (size_t j = start; j < end; j++) {
		if (fake_armed[fake_idx(pages[j])] || fake_absent[fake_idx(pages[j])])
			continue;	/* its ENOENT was stored when it was looked up */
		if (fake_busy[fake_idx(pages[j])]) {
			failed++;
		} else if (!fake_room[node]) {
			return -1;	/* migrate_pages: -ENOMEM, what moved stays moved */
		} else {
			fake_node[fake_idx(pages[j])] = node;
			fake_room[node] -= fake_room[node] > 0;
		}
	}
	if (!failed)
		for (size_t j = start; j < end; j++)
			if (!fake_armed[fake_idx(pages[j])] && !fake_absent[fake_idx(pages[j])])
				status[j] = node;
	return failed;
}

static long fake_move_pages(int pid, unsigned long n, void **pages, const int *nodes, int *status,
			    int flags)
{
	size_t start = 0;
	int cur = -1, batches = 0;
	long f;

	fake_calls++;
	for (size_t i = 0; i < n; i++)
		if (fake_armed[fake_idx(pages[i])] || fake_absent[fake_idx(pages[i])])
			status[i] = -ENOENT;
	if (!nodes) {
		for (size_t i = 0; i < n; i++)
			if (!fake_armed[fake_idx(pages[i])] && !fake_absent[fake_idx(pages[i])])
				status[i] = fake_node[fake_idx(pages[i])];
		return 0;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && (cur < 0 || nodes[i] == cur)) {
			cur = nodes[i];
			continue;
		}
		if (fake_enomem_after && ++batches == fake_enomem_after) {
			errno = ENOMEM;
			return -1;
		}
		f = fake_flush(pages, status, start, i, cur);
		if (f < 0) {
			errno = ENOMEM;
			return -1;
		}
		if (f)
			return f + (long)(n - i);
		start = i;
		cur = i < n ? nodes[i] : -1;
	}
	return 0;
}

/* process_vm_readv's page lookup takes the hinting fault: the entry is present again */
static long fake_touch(int pid, const uint64_t *addrs, size_t n)
{
	long r = 0;

	fake_touch_calls++;
	for (size_t i = 0; i < n; i++) {
		int k = fake_idx((void *)addrs[i]);

		if (fake_absent[k])
			continue;
		fake_armed[k] = false;
		r++;
	}
	return r;
}

static void fake_setup(struct move *m, size_t n)
{
	memset(fake_busy, 0, sizeof(fake_busy));
	memset(fake_armed, 0, sizeof(fake_armed));
	memset(fake_absent, 0, sizeof(fake_absent));
	fake_touch_calls = 0;
	migrate_touch = fake_touch;
	for (int k = 0; k < 4; k++)
		fake_room[k] = -1;
	fake_calls = 0;
	fake_enomem_after = 0;
	for (size_t i = 0; i < n; i++) {
		fake_node[i] = 0;
		m[i] = (struct move){ .addr = FAKE_BASE + i * 4096, .dest = (i % 3) ? 1 : 2,
				      .src = 0 };
	}
	moves_sort_by_dest(m, n);
	migrate_syscall = fake_move_pages;
}

Test(migrate, partial_results_counted_by_real_outcome)
{
	static struct move m[FAKE_PAGES];
	struct move_totals t = {};
	size_t n = 3000, busy = 0, moved = 0;

	fake_setup(m, n);
	/* busy pages in the middle of the node-1 run and of the node-2 run */
	for (size_t i = 100; i < n; i += 701) {
		fake_busy[i] = true;
		busy++;
	}
	cr_assert_eq(moves_apply(1, m, n, &t), 0);
	for (size_t i = 0; i < n; i++) {
		int real = fake_node[fake_idx((void *)m[i].addr)];

		if (real == m[i].dest) {
			moved++;
			cr_assert_eq(m[i].result, m[i].dest, "page on its node counted as moved");
		} else {
			cr_assert_eq(m[i].result, -1 - NW_FAIL_EBUSY, "left behind: counted as busy");
		}
	}
	cr_assert_eq(moved, n - busy, "every page that could move moved (%zu)", moved);
	cr_assert_eq(t.moved_pages, moved);
	cr_assert_eq(t.failed_pages, busy);
	cr_assert_eq(t.failed[NW_FAIL_EBUSY], busy);
	cr_assert_eq(t.moved_to[1] + t.moved_to[2], moved);
	cr_assert_eq(t.moved_from[0], moved, "every moved page left node 0, the node it was on");
	cr_assert_eq(t.moved_from[1] + t.moved_from[2], 0);
	cr_assert(t.resubmitted > 0 && fake_calls > 1, "the tail was sent again");
	cr_assert_eq(fake_touch_calls, 0, "nothing read when nothing answered ENOENT");
	migrate_touch = pages_touch_present;
	migrate_syscall = move_pages;
}

Test(migrate, whole_call_failure_keeps_earlier_statuses)
{
	static struct move m[FAKE_PAGES];
	struct move_totals t = {};
	size_t n = 300, on1 = 0;

	fake_setup(m, n);
	fake_enomem_after = 2;	/* the node-1 batch moves, the node-2 batch hits a full node */
	cr_assert_eq(moves_apply(1, m, n, &t), 0);
	for (size_t i = 0; i < n; i++)
		on1 += m[i].dest == 1;
	cr_assert_eq(t.moved_pages, on1);
	cr_assert_eq(t.failed[NW_FAIL_ENOMEM], n - on1);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(m[i].result >= 0, fake_node[fake_idx((void *)m[i].addr)] == m[i].dest);
	migrate_syscall = move_pages;
}

/* The destination fills up part-way through a batch: what moved counts as moved. */
Test(migrate, enomem_mid_batch_counts_what_moved)
{
	static struct move m[FAKE_PAGES];
	struct move_totals t = {};
	size_t n = 300, on2 = 0;

	fake_setup(m, n);
	fake_room[2] = 40;
	for (size_t i = 0; i < n; i++)
		on2 += m[i].dest == 2;
	cr_assert_eq(moves_apply(1, m, n, &t), 0);
	for (size_t i = 0; i < n; i++) {
		int real = fake_node[fake_idx((void *)m[i].addr)];

		cr_assert_eq(m[i].result >= 0, real == m[i].dest, "entry %zu: result %d, on %d", i,
			     m[i].result, real);
		if (real != m[i].dest)
			cr_assert_eq(m[i].result, -1 - NW_FAIL_ENOMEM);
	}
	cr_assert_eq(t.moved_to[2], 40);
	cr_assert_eq(t.moved_pages, n - on2 + 40);
	cr_assert_eq(t.failed[NW_FAIL_ENOMEM], on2 - 40);
	migrate_syscall = move_pages;
}

/*
 * Linux 6.1: move_pages(2) answers ENOENT for pages NUMA balancing armed
 * (PROT_NONE hint entries) and keeps going. Those are read once and moved;
 * pages really absent stay ENOENT; busy pages in between still make the
 * kernel stop part-way, and armed pages it never reached are found by the
 * query after it.
 */
Test(migrate, hinted_pages_read_once_then_moved)
{
	static struct move m[FAKE_PAGES];
	struct move_totals t = {};
	size_t n = 3000, armed = 0, absent = 0, busy = 0;

	fake_setup(m, n);
	for (size_t i = 0; i < n; i++) {
		int k = fake_idx((void *)m[i].addr);

		if (i % 1000 == 500) {
			fake_absent[k] = true;
			absent++;
		} else if (i % 7 == 3) {
			fake_armed[k] = true;
			armed++;
		} else if (i % 997 == 10) {
			fake_busy[k] = true;
			busy++;
		}
	}
	cr_assert_eq(moves_apply(1, m, n, &t), 0);
	for (size_t i = 0; i < n; i++) {
		int k = fake_idx((void *)m[i].addr);

		if (fake_absent[k])
			cr_assert_eq(m[i].result, -1 - NW_FAIL_ENOENT, "absent page: ENOENT");
		else if (fake_busy[k])
			cr_assert_eq(m[i].result, -1 - NW_FAIL_EBUSY);
		else
			cr_assert(m[i].result == m[i].dest && fake_node[k] == m[i].dest,
				  "page %zu (armed %d) on its node: result %d, node %d, dest %d", i, (int)(i % 7 == 3), m[i].result, fake_node[k], m[i].dest);
	}
	cr_assert_eq(t.touched, armed, "read %llu of %zu armed pages", (unsigned long long)t.touched, armed);
	cr_assert_eq(t.moved_pages, n - absent - busy);
	cr_assert_eq(t.failed[NW_FAIL_ENOENT], absent);
	cr_assert_eq(t.failed_pages, absent + busy);
	migrate_touch = pages_touch_present;
	migrate_syscall = move_pages;
}

/*
 * A hinted (armed) page in a userfaultfd-registered VMA is never read to find
 * it (issue 29: zapped meanwhile, the read would wait on the handler): it
 * settles as ENOENT, the others are read and moved.
 */
Test(migrate, uffd_pages_never_read)
{
	static struct move m[FAKE_PAGES];
	struct move_totals t = {};
	size_t n = 100, uffd = 0;

	fake_setup(m, n);
	for (size_t i = 0; i < n; i++) {
		fake_armed[fake_idx((void *)m[i].addr)] = true;
		if (i % 2) {
			m[i].no_touch = 1;
			uffd++;
		}
	}
	cr_assert_eq(moves_apply(1, m, n, &t), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(m[i].result, m[i].no_touch ? -1 - NW_FAIL_ENOENT : m[i].dest,
			     "page %zu (uffd %d): %d", i, m[i].no_touch, m[i].result);
	cr_assert_eq(t.touched, n - uffd);
	cr_assert_eq(t.failed[NW_FAIL_ENOENT], uffd);
	migrate_touch = pages_touch_present;
	migrate_syscall = move_pages;
}

/* The real reader: present pages are read, absent ones are not faulted in. */
Test(migrate, touch_reads_only_present_pages)
{
	size_t n = 64;
	uint8_t *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			  0);
	uint64_t addrs[64];
	unsigned char vec[64];

	cr_assert(p != MAP_FAILED);
	madvise(p, n * 4096, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < n; i++) {
		addrs[i] = (uint64_t)p + i * 4096;
		if (i % 4 == 0)
			p[i * 4096] = 1;
	}
	cr_assert_eq(pages_touch_present(getpid(), addrs, n), (long)n / 4);
	cr_assert_eq(mincore(p, n * 4096, vec), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(vec[i] & 1, i % 4 == 0, "page %zu resident %d", i, vec[i] & 1);
	cr_assert_eq(pages_touch_present(getpid(), addrs, 0), 0);
	cr_assert_lt(pages_touch_present(999999999, addrs, n), 0, "no such process");
	munmap(p, n * 4096);
}

Test(migrate, empty_lists_sort_and_move)
{
	struct move_totals t = {};

	moves_sort_by_dest(NULL, 0);
	moves_sort_by_score(NULL, 0, 1);
	cr_assert_eq(moves_apply(1, NULL, 0, &t), 0);
	cr_assert_eq(t.calls, 0);
}
