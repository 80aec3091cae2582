// SPDX-License-Identifier: GPL-2.0
/*
 * migrate.c — move_pages(2) with batches of MOVE_BATCH pages sorted by
 * destination. A failure is per page: EBUSY is retried by a later pass,
 * EACCES (shared with another process) is skipped, ENOMEM pauses the node,
 * EFAULT/ENOENT mean the page went away. ESRCH for the whole call means the
 * process exited: the caller stops its work on it quietly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "log.h"
#include "migrate.h"

#define MOVE_BATCH 8192
#define MPOL_MF_MOVE (1 << 1)

int move_vec_push(struct move_vec *v, const struct move *m)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 4096;
		struct move *nm = realloc(v->m, ncap * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		v->m = nm;
		v->cap = ncap;
	}
	v->m[v->n++] = *m;
	return 0;
}

void move_vec_free(struct move_vec *v)
{
	free(v->m);
	memset(v, 0, sizeof(*v));
}

static int cmp_dest(const void *a, const void *b)
{
	const struct move *x = a, *y = b;

	if (x->dest != y->dest)
		return x->dest - y->dest;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_hot(const void *a, const void *b)
{
	const struct move *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_cold(const void *a, const void *b)
{
	return -cmp_hot(a, b);
}

void moves_sort_by_dest(struct move *m, size_t n)
{
	qsort(m, n, sizeof(*m), cmp_dest);
}

void moves_sort_by_score(struct move *m, size_t n, int hot)
{
	qsort(m, n, sizeof(*m), hot ? cmp_hot : cmp_cold);
}

enum nw_fail_reason fail_reason(int err)
{
	switch (err) {
	case EBUSY: case EAGAIN: return NW_FAIL_EBUSY;
	case EACCES: return NW_FAIL_EACCES;
	case ENOMEM: case ENOSPC: return NW_FAIL_ENOMEM;
	case EFAULT: return NW_FAIL_EFAULT;
	case ENOENT: return NW_FAIL_ENOENT;
	case EIO: return NW_FAIL_EIO;
	default: return NW_FAIL_OTHER;
	}
}

static long sys_move_pages(int pid, unsigned long n, void **pages, const int *nodes,
			   int *status, int flags)
{
	return syscall(SYS_move_pages, pid, n, pages, nodes, status, flags);
}

int pages_query(int pid, uint64_t *addrs, size_t n, int *status)
{
	for (size_t i = 0; i < n; i += MOVE_BATCH) {
		size_t k = n - i < MOVE_BATCH ? n - i : MOVE_BATCH;

		if (sys_move_pages(pid, k, (void **)(addrs + i), NULL, status + i, 0) < 0)
			return -errno;
	}
	return 0;
}

int moves_apply(int pid, struct move *m, size_t n, struct move_totals *t)
{
	static void *pages[MOVE_BATCH];
	static int nodes[MOVE_BATCH], status[MOVE_BATCH];
	size_t i = 0;

	while (i < n) {
		size_t k = 0;
		uint64_t t0 = nw_now_ns();
		long rc;

		for (; k < MOVE_BATCH && i + k < n; k++) {
			pages[k] = (void *)m[i + k].addr;
			nodes[k] = m[i + k].dest;
		}
		rc = sys_move_pages(pid, k, pages, nodes, status, MPOL_MF_MOVE);
		t->ns += nw_now_ns() - t0;
		if (rc < 0 && errno == ESRCH) {
			t->gone = 1;
			return -ESRCH;
		}
		for (size_t j = 0; j < k; j++) {
			struct move *mv = &m[i + j];
			uint64_t pages_n = 1ull << mv->order;
			int st = rc < 0 ? -errno : status[j];

			if (st == mv->dest) {
				mv->result = (int8_t)st;
				t->moved_pages += pages_n;
				t->bytes += pages_n << 12;
				if (st >= 0 && st < NW_MAX_NODES)
					t->moved_to[st] += pages_n;
			} else {
				enum nw_fail_reason r = st >= 0 ? NW_FAIL_OTHER : fail_reason(-st);

				mv->result = (int8_t)(-1 - (int)r);
				t->failed_pages += pages_n;
				t->failed[r] += pages_n;
			}
		}
		i += k;
	}
	return 0;
}
