// SPDX-License-Identifier: GPL-2.0
/* migrate.c and pages.c on this process (no root needed; one node is enough). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "migrate.h"
#include "pages.h"

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
