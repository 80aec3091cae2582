// SPDX-License-Identifier: GPL-2.0
/*
 * migrate.c — move_pages(2) with batches of MOVE_BATCH pages sorted by
 * destination. A failure is per page: EBUSY is retried by a later pass,
 * EACCES (shared with another process) is skipped, ENOMEM pauses the node,
 * EFAULT/ENOENT mean the page went away. ESRCH for the whole call means the
 * process exited: the caller stops its work on it quietly.
 *
 * When migration of some folios fails, the kernel (mm/migrate.c,
 * do_pages_move) returns the number not migrated and stops: the failed batch
 * and every later entry get no status. So status is filled with a sentinel
 * first; entries still holding it are asked where they are (the kernel may
 * have moved part of the batch), and those not on their destination are sent
 * again, those never reached first; a folio in MAX_ROUNDS failed batches
 * counts as busy.
 *
 * ENOENT for a page that pagemap shows present is NUMA balancing's doing on
 * kernels where move_pages(2) does not follow a PROT_NONE hinting entry
 * (Linux 6.1: its follow_page() honours NUMA hints since 474098edac26, fixed
 * in 6.5 by d74943a2f3cd, not in Debian's 6.1): such pages are read once
 * through process_vm_readv(2), whose page lookup takes the hinting fault and
 * restores the entry, and are sent again once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <numaif.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "log.h"
#include "migrate.h"
#include "pagemap.h"

#define MOVE_BATCH 8192
#define MAX_ROUNDS 3	/* failed batches a folio may be in before it counts as busy */
#define STATUS_NONE INT_MIN

move_pages_fn migrate_syscall = move_pages;
touch_fn migrate_touch = pages_touch_present;

#define TOUCH_IOV 1024	/* IOV_MAX */

/* One byte of each of the k pages in remote; returns how many were read. */
static long read_bytes(int pid, struct iovec *remote, size_t k)
{
	char sink[TOUCH_IOV];
	struct iovec local = { .iov_base = sink, .iov_len = k };
	ssize_t r = k ? process_vm_readv(pid, &local, 1, remote, k, 0) : 0;

	return r > 0 ? r : 0;
}

/* Reads one byte of each page of addrs[0..n) that pagemap shows present. */
long pages_touch_present(int pid, const uint64_t *addrs, size_t n)
{
	struct iovec remote[TOUCH_IOV];
	char path[64];
	long touched = 0;
	size_t k = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		uint64_t pm = 0;

		if (pread(fd, &pm, sizeof(pm), (off_t)(addrs[i] >> 12) * 8) != sizeof(pm) ||
		    !(pm & PM_PRESENT))
			continue;	/* absent: reading it would fault it in (or wait on userfaultfd) */
		remote[k++] = (struct iovec){ .iov_base = (void *)(uintptr_t)addrs[i], .iov_len = 1 };
		if (k == TOUCH_IOV) {
			touched += read_bytes(pid, remote, k);
			k = 0;
		}
	}
	touched += read_bytes(pid, remote, k);
	close(fd);
	return touched;
}

int pages_query(int pid, uint64_t *addrs, size_t n, int *status)
{
	for (size_t i = 0; i < n; i += MOVE_BATCH) {
		size_t k = n - i < MOVE_BATCH ? n - i : MOVE_BATCH;

		if (migrate_syscall(pid, k, (void **)(addrs + i), NULL, status + i, 0) < 0)
			return -errno;
	}
	return 0;
}

void move_totals_add(struct move_totals *t, const struct move_totals *a)
{
	t->moved_pages += a->moved_pages;
	t->failed_pages += a->failed_pages;
	t->bytes += a->bytes;
	t->ns += a->ns;
	for (int i = 0; i < NW_MAX_NODES; i++) {
		t->moved_to[i] += a->moved_to[i];
		t->moved_from[i] += a->moved_from[i];
	}
	for (int i = 0; i < NW_FAIL_MAX; i++)
		t->failed[i] += a->failed[i];
	t->calls += a->calls;
	t->resubmitted += a->resubmitted;
	t->touched += a->touched;
	t->gone |= a->gone;
}

void move_totals_moved(struct move_totals *t, const struct move *mv)
{
	uint64_t pages = 1ull << mv->order;

	t->moved_pages += pages;
	t->bytes += pages << 12;
	if (mv->result >= 0 && mv->result < NW_MAX_NODES)
		t->moved_to[mv->result] += pages;
	if (mv->src >= 0 && mv->src < NW_MAX_NODES)
		t->moved_from[mv->src] += pages;
}

/* Account one folio by its status: its node, or -errno. */
static void settle(struct move *mv, int st, struct move_totals *t)
{
	uint64_t pages = 1ull << mv->order;
	enum nw_fail_reason r;

	if (st == mv->dest) {
		mv->result = (int8_t)st;
		move_totals_moved(t, mv);
		return;
	}
	r = st >= 0 ? NW_FAIL_OTHER : fail_reason(-st);
	mv->result = (int8_t)(-1 - (int)r);
	t->failed_pages += pages;
	t->failed[r] += pages;
}

struct batch {
	size_t idx[MOVE_BATCH];		/* entries of m still to settle, in submission order */
	size_t retry[MOVE_BATCH];	/* scratch: entries that were in a failed batch */
	uint8_t tries[MOVE_BATCH];	/* by entry - base: failed batches it was in */
	bool touched[MOVE_BATCH];	/* by entry - base: read once after ENOENT */
	size_t touch[MOVE_BATCH];	/* scratch: entries to read and send again */
	uint64_t taddr[MOVE_BATCH];
	size_t base;
	void *pages[MOVE_BATCH];
	int nodes[MOVE_BATCH], status[MOVE_BATCH];
};

static long call(int pid, struct batch *b, size_t n, const int *nodes, struct move_totals *t)
{
	uint64_t t0 = nw_now_ns();
	long rc = migrate_syscall(pid, n, b->pages, nodes, b->status, nodes ? MPOL_MF_MOVE : 0);
	int err = errno;

	t->calls++;
	t->ns += nw_now_ns() - t0;
	if (rc < 0 && err == ESRCH)
		t->gone = 1;
	errno = err;
	return rc;
}

/*
 * After a partial result: the first entry left unsettled begins the batch that
 * failed, which ran over entries with its destination; those count a try. The
 * rest were not reached and go first next round, so a page that keeps failing
 * cannot starve the ones behind it. Returns how many are left.
 */
static size_t reorder_unsettled(struct move *m, struct batch *b, size_t left, struct move_totals *t)
{
	size_t fresh = 0, out = 0;
	int dest = m[b->idx[0]].dest;
	bool run = true;

	for (size_t j = 0; j < left; j++) {
		size_t k = b->idx[j] - b->base;

		run = run && m[b->idx[j]].dest == dest;
		if (run)
			b->tries[k]++;
		if (b->tries[k] >= MAX_ROUNDS)
			settle(&m[b->idx[j]], -EBUSY, t);	/* refused each time, reason untold */
		else if (!b->tries[k])
			b->idx[fresh++] = b->idx[j];
		else
			b->retry[out++] = b->idx[j];
	}
	memcpy(b->idx + fresh, b->retry, out * sizeof(b->retry[0]));
	return fresh + out;
}

/* ENOENT from a page not yet read: kept to be read and sent again (see the top). */
static bool hold_for_touch(struct batch *b, const struct move *m, size_t e, int st, size_t *nt)
{
	/*
	 * Not in a userfaultfd-registered VMA: a page zapped between the pagemap
	 * check and the read would wait on its handler (issue 29).
	 */
	if (st != -ENOENT || b->touched[e - b->base] || m[e].no_touch)
		return false;
	b->touch[(*nt)++] = e;
	return true;
}

/*
 * The entries held for a touch are read (those present) and appended to
 * b->idx[left..] for one more try; if nothing could be read they settle as
 * ENOENT. Returns how many were appended.
 */
static size_t touch_and_requeue(int pid, struct move *m, struct batch *b, size_t nt, size_t left,
				struct move_totals *t)
{
	long r;

	if (!nt)
		return 0;
	for (size_t j = 0; j < nt; j++)
		b->taddr[j] = m[b->touch[j]].addr;
	r = migrate_touch(pid, b->taddr, nt);
	if (r <= 0) {
		for (size_t j = 0; j < nt; j++)
			settle(&m[b->touch[j]], -ENOENT, t);
		return 0;
	}
	t->touched += (uint64_t)r;
	for (size_t j = 0; j < nt; j++) {
		b->touched[b->touch[j] - b->base] = true;
		b->idx[left + j] = b->touch[j];
	}
	return nt;
}

/*
 * After a partial result: b->idx[0..left) got no status. Asks where they are
 * (the failed batch may have moved in part) and settles those done; returns
 * how many are left (reordered), or -ESRCH.
 */
static long after_partial(int pid, struct move *m, struct batch *b, size_t left, size_t *nt,
			  struct move_totals *t)
{
	size_t np = left;

	for (size_t j = 0; j < left; j++)
		b->pages[j] = (void *)m[b->idx[j]].addr;
	if (call(pid, b, left, NULL, t) < 0)
		return errno == ESRCH ? -ESRCH : (long)reorder_unsettled(m, b, left, t);
	left = 0;
	for (size_t j = 0; j < np; j++) {
		struct move *mv = &m[b->idx[j]];
		int st = b->status[j];

		if (hold_for_touch(b, m, b->idx[j], st, nt))
			continue;
		if (st == mv->dest || st == -EFAULT || st == -ENOENT)
			settle(mv, st, t);
		else
			b->idx[left++] = b->idx[j];
	}
	return left ? (long)reorder_unsettled(m, b, left, t) : 0;
}

/*
 * After a call that failed as a whole (ENOMEM: the kernel stops at the first
 * folio it cannot allocate for and stores no status for the batch): those on
 * their destination moved, the rest get the call's error.
 */
static void after_error(int pid, struct move *m, struct batch *b, size_t left, int err,
			struct move_totals *t)
{
	bool asked;

	for (size_t j = 0; j < left; j++)
		b->pages[j] = (void *)m[b->idx[j]].addr;
	asked = call(pid, b, left, NULL, t) == 0;
	for (size_t j = 0; j < left; j++) {
		struct move *mv = &m[b->idx[j]];

		settle(mv, asked && b->status[j] == mv->dest ? mv->dest : err, t);
	}
}

/* One call over b->idx[0..np); returns how many are left unsettled, or -ESRCH. */
static long batch_round(int pid, struct move *m, struct batch *b, size_t np,
			struct move_totals *t)
{
	size_t left = 0, nt = 0;
	long rc;
	int err;

	for (size_t j = 0; j < np; j++) {
		b->pages[j] = (void *)m[b->idx[j]].addr;
		b->nodes[j] = m[b->idx[j]].dest;
		b->status[j] = STATUS_NONE;
	}
	rc = call(pid, b, np, b->nodes, t);
	err = errno;
	if (rc < 0 && err == ESRCH)
		return -ESRCH;
	for (size_t j = 0; j < np; j++) {
		if (hold_for_touch(b, m, b->idx[j], b->status[j], &nt))
			continue;
		if (b->status[j] != STATUS_NONE)
			settle(&m[b->idx[j]], b->status[j], t);
		else
			b->idx[left++] = b->idx[j];
	}
	if (left && rc < 0) {
		/* the whole call failed (ENOMEM): the batch it was in may have moved in part */
		after_error(pid, m, b, left, -err, t);
		left = 0;
	} else if (left) {
		rc = after_partial(pid, m, b, left, &nt, t);
		if (rc < 0)
			return rc;
		left = (size_t)rc;
	}
	return (long)(left + touch_and_requeue(pid, m, b, nt, left, t));
}

static int apply_batches(int pid, struct move *m, size_t n, struct move_totals *t,
			 struct batch *bp)
{
	struct batch *b = bp;

	for (size_t i = 0; i < n; i += MOVE_BATCH) {
		size_t k = n - i < MOVE_BATCH ? n - i : MOVE_BATCH;
		long np = k;

		b->base = i;
		memset(b->tries, 0, k);
		memset(b->touched, 0, k);
		for (size_t j = 0; j < k; j++)
			b->idx[j] = i + j;
		for (int round = 0; np > 0; round++) {
			if (round)
				t->resubmitted += np;
			np = batch_round(pid, m, b, np, t);
		}
		if (np < 0)
			return (int)np;
	}
	return 0;
}

int moves_apply(int pid, struct move *m, size_t n, struct move_totals *t)
{
	/* 400 KiB of bookkeeping a call, on the heap (issue 27: thread-local per mover) */
	struct batch *bp = malloc(sizeof(*bp));
	int rc = 0;

	if (!bp)
		return -ENOMEM;
	rc = apply_batches(pid, m, n, t, bp);
	free(bp);
	return rc;
}

/* This thread's effective capabilities with CAP_SYS_NICE on or off; 0 or -errno. */
static int sys_nice_effective(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (on)
		d[CAP_SYS_NICE / 32].effective |= 1u << (CAP_SYS_NICE % 32);
	else
		d[CAP_SYS_NICE / 32].effective &= ~(1u << (CAP_SYS_NICE % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

long migrate_process(int pid, uint64_t from_mask, int dest)
{
	unsigned long from = (unsigned long)from_mask & ~(1ul << dest), to = 1ul << dest;
	bool had;
	long rc;

	if (dest < 0 || dest >= 64 || !from)
		return -EINVAL;
	/* dropped for the call: as root the kernel would move shared pages too */
	had = !sys_nice_effective(false);
	if (!had)
		return -EPERM;	/* not without: the caller moves page by page */
	rc = syscall(SYS_migrate_pages, pid, 64 + 1, &from, &to);
	rc = rc < 0 ? -errno : rc;
	if (had && sys_nice_effective(true))
		nw_warn("cannot take CAP_SYS_NICE back after migrate_pages(2): %s",
			strerror(errno));
	return rc;
}
