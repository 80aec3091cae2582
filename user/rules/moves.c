// SPDX-License-Identifier: GPL-2.0
/* moves.c — the work list and its orders. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "moves.h"
#include "vec.h"

int move_vec_push(struct move_vec *v, const struct move *m)
{
	int rc = vec_reserve(&v->m, &v->cap, v->n + 1, sizeof(*m), 4096);

	if (rc)
		return rc;
	v->m[v->n++] = *m;
	return 0;
}

void move_vec_free(struct move_vec *v)
{
	free(v->m);
	memset(v, 0, sizeof(*v));
}

static int cmp_addr(const struct move *x, const struct move *y)
{
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_dest(const void *a, const void *b)
{
	const struct move *x = a, *y = b;

	if (x->dest != y->dest)
		return x->dest - y->dest;
	return cmp_addr(x, y);
}

static int cmp_hot(const void *a, const void *b)
{
	const struct move *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return cmp_addr(x, y);
}

static int cmp_cold(const void *a, const void *b)
{
	const struct move *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return cmp_addr(x, y);
}

void moves_sort_by_dest(struct move *m, size_t n)
{
	if (n < 2)
		return;
	qsort(m, n, sizeof(*m), cmp_dest);
}

void moves_sort_by_score(struct move *m, size_t n, int hot)
{
	if (n < 2)
		return;
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

const char *fail_reason_name(enum nw_fail_reason r)
{
	static const char *name[NW_FAIL_MAX] = {
		[NW_FAIL_EBUSY] = "ebusy", [NW_FAIL_EACCES] = "eacces",
		[NW_FAIL_ENOMEM] = "enomem", [NW_FAIL_EFAULT] = "efault",
		[NW_FAIL_ENOENT] = "enoent", [NW_FAIL_EIO] = "eio", [NW_FAIL_OTHER] = "other",
	};

	return (unsigned int)r < NW_FAIL_MAX ? name[r] : "other";
}
