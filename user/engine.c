// SPDX-License-Identifier: GPL-2.0
/*
 * engine.c — the control loop.
 *
 *   ring buffer ──> heat (per 2 MiB region) ──┐
 *   weights map ──> stable? ──> wtable ───────┼─> pass: VMAs (BPF iterator)
 *                                             │     └─> folios (pagemap, kpageflags)
 *                                             │          └─> misplaced? ──> quota ──> move_pages
 *                                             └─> stats map (mmap), -v line, --json
 *
 * Every quarter interval: read the weights (a change is put in force once it
 * has read the same for a quarter interval, and a pass runs at once). Each
 * interval: roll the heat, then for each target scan either all
 * its resident memory (first pass, weights or VMAs changed, an incomplete pass,
 * events were dropped, every FULL_EVERY_NS) or only the regions that faulted
 * since.
 * Misplaced folios are ordered by heat (hottest first for migrate_hot, coldest
 * first for migrate_cold), cut to the quota, sorted by destination and moved.
 * A region found misplaced again under the same weights (NUMA balancing moved
 * it back) is left alone for 2^n intervals and until it has been quiet for
 * QUIET * 2^n intervals (NUMA balancing scans a region only every second or
 * more); moved back MAX_CONTESTS times, it is left to the kernel for SURRENDER
 * intervals or until the weights change. The two never ping-pong. With
 * --numa-balancing off, numaweave turns kernel.numa_balancing off while it
 * runs and restores it on exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "engine.h"
#include "heat.h"
#include "loader.h"
#include "log.h"
#include "migrate.h"
#include "pages.h"
#include "parse.h"
#include "placement.h"
#include "vmas.h"

#define FULL_EVERY_NS (60ull * 1000000000)	/* full pass when nothing said to, for what
						   moves without a fault (another tool, hotplug) */
#define QUIET 10		/* intervals without access before a contested region is re-placed,
				   doubled each time it is contested again */
#define MAX_CONTESTS 2		/* moved back this often: left to the kernel ... */
#define SURRENDER 600		/* ... for this many intervals, or until the weights change */
#define ENOMEM_PAUSE 10		/* intervals a full node is left alone */
#define REGION (1ull << NW_REGION_SHIFT)
#define MOVE_CHUNK 8192		/* folios per move_pages(2) call between event drains */

#define VM_SHARED 0x00000008ul
#define VM_IO 0x00004000ul
#define VM_DONTEXPAND 0x00040000ul
#define VM_PFNMAP 0x00000400ul
#define VM_HUGETLB 0x00400000ul
#define VM_MIXEDMAP 0x10000000ul

struct target {
	int pid;
	bool gone;
	bool need_full;
	uint64_t sig;
	uint64_t per_node[NW_MAX_NODES];
	struct vma_list vmas;
};

struct engine {
	struct engine_opts *o;
	struct loader ld;
	struct vma_reader vr;
	struct node_map nodes;
	struct heat heat;
	struct ring_buffer *rb;
	struct target **t;
	int nt;
	pid_t child;
	int child_status;
	bool child_done;

	uint32_t w_force[NW_MAX_NODES], w_read[NW_MAX_NODES];
	bool w_pending, paused;
	uint64_t w_changed_ns;		/* when the map last read differently */
	uint32_t gen;
	struct wtable wt;
	uint32_t node_pause[NW_MAX_NODES];	/* interval until which a node is full */

	uint64_t last_pass_ns;
	uint64_t seen_mark;	/* first touches at the last bitmap clear */
	struct move_vec moves, unknown;

	/* the pass in progress */
	struct target *cur;
	const struct nw_vma *vma;
	struct region *reg;
	uint64_t p_scanned, p_misplaced, p_moved, p_failed, p_deferred;
	uint64_t per_node[NW_MAX_NODES];	/* what this pass saw, after its moves */
	int nb_orig;				/* kernel.numa_balancing to restore, -1 none */
	uint64_t scan_steps;
	uint64_t last_full_ns, drops_seen;
	bool progress;
	bool full;				/* this pass covers all of the target */
	uint64_t t_main;			/* engine_run entered, CLOCK_MONOTONIC ns */
	double exec_ms;				/* exec to engine_run */
	bool startup_logged;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void on_chld(int sig)
{
	(void)sig;
}

static bool node_exists(int n)
{
	char p[64];

	snprintf(p, sizeof(p), "/sys/devices/system/node/node%d", n);
	return !access(p, F_OK);
}

int weights_validate(const uint32_t *w, char *err, int errlen, int *bad_node)
{
	struct bitmask *mem = NULL;
	char buf[256] = "";
	FILE *f;

	f = fopen("/sys/devices/system/node/has_memory", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	if (numa_available() >= 0 && *buf)
		mem = numa_parse_nodestring_all(buf);
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!w[n])
			continue;
		if (!node_exists(n)) {
			snprintf(err, errlen, "node %d does not exist", n);
			*bad_node = n;
			goto bad;
		}
		if (mem ? !numa_bitmask_isbitset(mem, n) : n != 0) {
			snprintf(err, errlen, "node %d has no memory", n);
			*bad_node = n;
			goto bad;
		}
	}
	if (mem)
		numa_bitmask_free(mem);
	return 0;
bad:
	if (mem)
		numa_bitmask_free(mem);
	return -EINVAL;
}

#define NB_SYSCTL "/proc/sys/kernel/numa_balancing"
#define NB_SAVED "/run/numaweave/numa_balancing.saved"

static int read_int_file(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return -errno;
	rc = fscanf(f, "%d", v) == 1 ? 0 : -EINVAL;
	fclose(f);
	return rc;
}

static int write_int_file(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fprintf(f, "%d\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		rc = -errno;
	return rc;
}

/*
 * --numa-balancing off: remember kernel.numa_balancing (in /run, so a run that
 * was killed is restored by the next one), turn it off, restore it on exit.
 */
static int numa_balancing_off(struct engine *e)
{
	int cur, orig, rc;

	e->nb_orig = -1;
	if (read_int_file(NB_SYSCTL, &cur))
		return 0;	/* no NUMA balancing in this kernel */
	if (!read_int_file(NB_SAVED, &orig))
		nw_info("kernel.numa_balancing was %d before a run that did not restore it", orig);
	else
		orig = cur;
	if (!orig)
		return 0;
	mkdir("/run/numaweave", 0700);
	if ((rc = write_int_file(NB_SAVED, orig))) {
		nw_err("cannot save kernel.numa_balancing in %s: %s", NB_SAVED, strerror(-rc));
		return rc;
	}
	if (cur && (rc = write_int_file(NB_SYSCTL, 0))) {
		nw_err("cannot turn kernel.numa_balancing off: %s", strerror(-rc));
		unlink(NB_SAVED);
		return rc;
	}
	e->nb_orig = orig;
	e->ld.stats->ctl.numa_balancing = orig;
	nw_info("kernel.numa_balancing %d -> 0 while numaweave runs", orig);
	return 0;
}

static void numa_balancing_restore(struct engine *e)
{
	int rc;

	if (e->nb_orig < 0)
		return;
	if ((rc = write_int_file(NB_SYSCTL, e->nb_orig))) {
		nw_err("cannot restore kernel.numa_balancing to %d: %s (saved in %s)", e->nb_orig,
		       strerror(-rc), NB_SAVED);
		return;
	}
	unlink(NB_SAVED);
	nw_info("kernel.numa_balancing restored to %d", e->nb_orig);
	e->nb_orig = -1;
}

static struct target *find_target(struct engine *e, int pid)
{
	for (int i = 0; i < e->nt; i++)
		if (e->t[i]->pid == pid)
			return e->t[i];
	return NULL;
}

static int add_target(struct engine *e, int pid, uint32_t parent)
{
	struct nw_target t = { .flags = e->o->cfg.children ? NW_TARGET_CHILDREN : 0,
			       .parent = parent };
	struct target **nt, *tg;
	uint32_t key = pid;

	if (find_target(e, pid))
		return 0;
	/* targets never move in memory: events may add one in the middle of a pass */
	nt = realloc(e->t, (e->nt + 1) * sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	e->t = nt;
	tg = calloc(1, sizeof(*tg));
	if (!tg)
		return -ENOMEM;
	tg->pid = pid;
	tg->need_full = true;
	e->t[e->nt++] = tg;
	if (bpf_map_update_elem(e->ld.targets_fd, &key, &t, BPF_ANY) && errno != EEXIST) {
		nw_err("cannot add pid %d to targets: %s", pid, strerror(errno));
		return -errno;
	}
	return 0;
}

static void target_gone(struct engine *e, struct target *t)
{
	uint32_t key = t->pid;

	if (t->gone)
		return;
	t->gone = true;
	bpf_map_delete_elem(e->ld.targets_fd, &key);
	heat_drop(&e->heat, t->pid);
	vma_list_free(&t->vmas);
	e->ld.stats->ctl.targets_exited++;
	nw_info("target %d exited", t->pid);
}

static int alive_targets(struct engine *e)
{
	int n = 0;

	for (int i = 0; i < e->nt; i++)
		n += !e->t[i]->gone;
	return n;
}

/* Gone, or a zombie: no memory left to place. */
static bool process_gone(int pid)
{
	char p[64], buf[512], *s;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	s = strrchr(buf, ')');
	return s && (s[2] == 'Z' || s[2] == 'X');
}

int proc_tgid(int pid)
{
	char p[64], line[256];
	int tgid = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	f = fopen(p, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* Leave a contested region alone for 2, 4, 8 ... BACKOFF_MAX intervals (once per interval). */
static void region_backoff(struct engine *e, struct region *r)
{
	if (r->backoff_until > e->heat.now)
		return;
	if (r->removes < 31)
		r->removes++;
	if (r->removes >= MAX_CONTESTS) {
		/* The kernel keeps it where its CPU is: stop fighting for it. */
		r->backoff_until = e->heat.now + SURRENDER;
		e->ld.stats->ctl.contested++;
	} else {
		r->backoff_until = e->heat.now + (1u << r->removes);
	}
	r->placed_gen = 0;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct engine *e = ctx;
	const struct nw_event *ev = data;
	struct target *t;

	if (len < sizeof(*ev))
		return 0;
	e->ld.stats->ctl.events_consumed++;
	switch (ev->kind) {
	case NW_EV_FIRST_TOUCH:
	case NW_EV_REPEAT:
	case NW_EV_PROT:
	case NW_EV_HINT: {
		struct region *r;

		if (!ev->addr)
			break;
		r = heat_touch(&e->heat, ev->tgid, ev->addr);
		/* TNF_MIGRATED: the kernel moved a page of a region we placed */
		if (r && ev->kind == NW_EV_HINT && (ev->aux & 1) && r->placed_gen == e->gen) {
			e->ld.stats->ctl.removes++;
			region_backoff(e, r);
		}
		break;
	}
	case NW_EV_FORK:
		/* err = 1: the classic tracepoint could not tell a thread from a process. */
		if (ev->err && proc_tgid(ev->tgid) != (int)ev->tgid)
			break;
		if (!add_target(e, ev->tgid, ev->aux))
			nw_info("following child %u of %u", ev->tgid, ev->aux);
		break;
	case NW_EV_EXIT:
		t = find_target(e, ev->tgid);
		if (t)
			target_gone(e, t);
		break;
	}
	return 0;
}

/* Put a new table in force. */
static void weights_apply(struct engine *e, const uint32_t *w)
{
	struct nw_ctl_stats *c = &e->ld.stats->ctl;
	char buf[512];

	memcpy(e->w_force, w, sizeof(e->w_force));
	memcpy(c->weights, w, sizeof(c->weights));
	e->gen++;
	c->weights_gen = e->gen;
	c->weights_rejected = 0;
	wtable_free(&e->wt);
	e->paused = wtable_init(&e->wt, w) != 0;
	for (int i = 0; i < e->nt; i++)
		e->t[i]->need_full = true;
	/* new weights: every region is placed afresh, contested or not */
	for (uint64_t i = 0; i < e->heat.cap; i++) {
		e->heat.tab[i].removes = 0;
		e->heat.tab[i].backoff_until = 0;
		e->heat.tab[i].placed_gen = 0;
	}
	c->contested = 0;
	format_weights(w, buf, sizeof(buf));
	if (e->paused)
		nw_warn("all weights are 0: migration paused");
	else
		nw_info("weights %s in force (generation %u)", buf, e->gen);
}

/* The live-weights clock: the map is read, and a change settles, in this. */
static uint64_t quarter_interval_ns(const struct engine_opts *o)
{
	return o->cfg.interval_us * 1000 / 4;
}

/*
 * Live weights: the map is read every quarter of an interval; a new table is
 * put in force once it has read the same for a quarter of an interval (so a
 * table written entry by entry is not acted on half-written), and the caller
 * then runs a pass at once. Returns true when a new table is in force.
 */
static bool weights_poll(struct engine *e, uint64_t now)
{
	struct nw_ctl_stats *c = &e->ld.stats->ctl;
	uint32_t w[NW_MAX_NODES];
	char err[256];
	int bad = -1;

	if (weights_read(e->ld.weights_fd, w)) {
		nw_warn("cannot read weights: %s", strerror(errno));
		return false;
	}
	if (!weights_equal(w, e->w_read)) {
		memcpy(e->w_read, w, sizeof(w));
		e->w_changed_ns = now;
		e->w_pending = !weights_equal(w, e->w_force);
		c->weights_pending = e->w_pending;
		return false;
	}
	if (!e->w_pending || now - e->w_changed_ns < quarter_interval_ns(e->o))
		return false;
	e->w_pending = false;
	c->weights_pending = 0;
	if (!weights_zero(w) && weights_validate(w, err, sizeof(err), &bad)) {
		if (!c->weights_rejected)
			nw_err("weights refused: %s; keeping the table in force", err);
		c->weights_rejected = 1;
		c->weights_bad_node = bad;
		return false;
	}
	weights_apply(e, w);
	return true;
}

static bool filters_pass(const struct nw_config *c, const struct nw_vma *v, uint64_t a)
{
	bool any_match = false, have_match = false;

	if (c->anon_filter == 1 && v->kind != NW_VMA_ANON)
		return false;
	if (c->anon_filter == -1 && v->kind == NW_VMA_ANON)
		return false;
	for (int i = 0; i < c->nr_filters; i++) {
		const struct addr_filter *f = &c->filters[i];
		bool in = a >= f->start && a < f->end;

		if (f->matching) {
			have_match = true;
			any_match |= in;
		} else if (in) {
			return false;
		}
	}
	return !have_match || any_match;
}

static bool pattern_pass(struct engine *e, const struct region *r)
{
	const struct access_pattern *ap = &e->o->cfg.ap;
	double acc = r ? r->last_nr : 0;
	uint64_t age_us = (r ? r->age : e->heat.now) * e->o->cfg.interval_us;

	if (REGION < ap->sz_min || REGION > ap->sz_max)
		return false;
	if (ap->acc_pct)
		acc = acc * 100.0 / (REGION >> 12);
	if (acc < ap->acc_min || acc > ap->acc_max)
		return false;
	return age_us >= ap->age_min_us && age_us <= ap->age_max_us;
}

/*
 * Anonymous and shmem mappings, and the anonymous (CoW-ed) pages of private
 * file mappings; never page cache, device or hugetlb mappings.
 */
static bool vma_eligible(const struct nw_vma *v)
{
	if (v->flags & (VM_IO | VM_PFNMAP | VM_HUGETLB | VM_MIXEDMAP | VM_DONTEXPAND))
		return false;
	if (v->kind == NW_VMA_FILE)
		return !(v->flags & VM_SHARED);
	return true;	/* anonymous, or shmem (shared: all pages; private: CoW-ed ones) */
}

static int folio_seen(void *ctx, uint64_t addr, unsigned int order, int node)
{
	struct engine *e = ctx;
	uint64_t n = 1ull << order;
	struct move m = {
		.addr = addr, .order = order, .src = node,
		.score = e->reg ? e->reg->score : 0.0f,
	};

	m.dest = wtable_node(&e->wt, nw_ilx(e->vma, addr, order));
	e->p_scanned += n;
	if (node < 0)
		return move_vec_push(&e->unknown, &m);
	e->per_node[node] += n;
	if (node == m.dest)
		return 0;
	e->p_misplaced += n;
	if (e->reg && e->reg->placed_gen == e->gen) {
		/*
		 * We placed this region under these weights and something (NUMA
		 * balancing) moved it again: leave it there and back off.
		 */
		e->ld.stats->ctl.removes += n;
		region_backoff(e, e->reg);
		return 0;
	}
	return move_vec_push(&e->moves, &m);
}

/* Nodes of folios that the PFN map could not tell. */
static int resolve_unknown(struct engine *e, int pid)
{
	size_t n = e->unknown.n;
	uint64_t *addrs;
	int *st, rc;

	if (!n)
		return 0;
	addrs = malloc(n * sizeof(*addrs));
	st = malloc(n * sizeof(*st));
	if (!addrs || !st) {
		free(addrs);
		free(st);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		addrs[i] = e->unknown.m[i].addr;
	rc = pages_query(pid, addrs, n, st);
	for (size_t i = 0; !rc && i < n; i++) {
		struct move *m = &e->unknown.m[i];
		uint64_t pages = 1ull << m->order;

		if (st[i] < 0 || st[i] >= NW_MAX_NODES)
			continue;
		m->src = st[i];
		e->per_node[st[i]] += pages;
		if (st[i] == m->dest)
			continue;
		e->p_misplaced += pages;
		if ((rc = move_vec_push(&e->moves, m)))
			break;
	}
	e->unknown.n = 0;
	free(addrs);
	free(st);
	return rc;
}

/* Scan one target. Returns -ESRCH when it is gone. */
static int scan_target(struct engine *e, struct target *t, bool full)
{
	struct page_scanner ps;
	int rc;

	rc = vmas_read(&e->vr, t->pid, &t->vmas);
	if (rc)
		return rc == -ENOENT ? -ESRCH : rc;
	if (t->vmas.sig != t->sig) {
		full = e->full = true;
		t->sig = t->vmas.sig;
	}
	rc = scanner_open(&ps, t->pid, &e->nodes);
	if (rc)
		return rc;
	for (size_t i = 0; i < t->vmas.n && !rc; i++) {
		const struct nw_vma *v = &t->vmas.v[i];

		if (!vma_eligible(v))
			continue;
		e->vma = v;
		for (uint64_t r = v->start & ~(REGION - 1); r < v->end && !rc; r += REGION) {
			uint64_t lo = r < v->start ? v->start : r;
			uint64_t hi = r + REGION > v->end ? v->end : r + REGION;
			struct region *reg;

			/* keep draining events during a long pass (it may grow the table) */
			if (!(++e->scan_steps % 256)) {
				ring_buffer__consume(e->rb);
				if (e->progress)	/* a long --once on a terminal */
					fprintf(stderr, "\rnumaweave: %llu pages scanned, %llu misplaced ",
						(unsigned long long)e->p_scanned,
						(unsigned long long)e->p_misplaced);
			}
			reg = heat_find(&e->heat, t->pid, lo);

			if (!full && !(reg && reg->dirty))
				continue;
			if (!filters_pass(&e->o->cfg, v, lo) || !pattern_pass(e, reg))
				continue;
			/*
			 * A region the kernel moved back after we placed it waits out its
			 * backoff, and then until it has been quiet for QUIET * 2^n
			 * intervals: while a CPU keeps touching it NUMA balancing would
			 * only pull it again.
			 */
			if (reg && (reg->backoff_until > e->heat.now ||
				    (reg->removes &&
				     e->heat.now - reg->last_pass <
				     (uint32_t)QUIET << reg->removes))) {
				e->p_deferred++;
				continue;
			}
			if (!reg)
				reg = heat_get(&e->heat, t->pid, lo);
			e->reg = reg;
			if (reg)
				reg->dirty = 0;
			/* a private file mapping: only its CoW-ed (anonymous) pages */
			rc = scan_range(&ps, lo, hi, v->kind != NW_VMA_ANON && !(v->flags & VM_SHARED),
					folio_seen, e);
		}
	}
	scanner_close(&ps);
	e->reg = NULL;
	if (!rc)
		rc = resolve_unknown(e, t->pid);
	return rc;
}

static void count_results(struct engine *e, struct target *t, struct move *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t pages = 1ull << m[i].order;
		struct region *reg;

		if (m[i].result >= 0) {
			struct region *r = heat_get(&e->heat, t->pid, m[i].addr);

			if (r)
				r->placed_gen = e->gen;
			if (m[i].src >= 0 && e->per_node[m[i].src] >= pages)
				e->per_node[m[i].src] -= pages;
			e->per_node[m[i].result] += pages;
			if (!e->full) {	/* keep the last full count true */
				if (m[i].src >= 0 && t->per_node[m[i].src] >= pages)
					t->per_node[m[i].src] -= pages;
				t->per_node[m[i].result] += pages;
			}
			continue;
		}
		reg = heat_find(&e->heat, t->pid, m[i].addr);
		if (nw_verbose >= 2)
			nw_debug("pid %d: %#llx (order %u) to node %d failed: reason %d", t->pid,
				 (unsigned long long)m[i].addr, m[i].order, m[i].dest,
				 -1 - m[i].result);
		switch (-1 - m[i].result) {
		case NW_FAIL_EBUSY:
			if (reg) {	/* retry in a later pass */
				reg->dirty = 1;
				reg->placed_gen = 0;
			}
			break;
		case NW_FAIL_ENOMEM:
			e->node_pause[m[i].dest] = e->heat.now + ENOMEM_PAUSE;
			t->need_full = true;
			break;
		default:
			break;
		}
	}
}

/* Move what the quota allows of e->moves for target t. */
static int move_target(struct engine *e, struct target *t, uint64_t *budget)
{
	struct nw_ctl_stats *c = &e->ld.stats->ctl;
	struct move_totals tot = {};
	size_t n = 0, keep = 0;
	int rc = 0;

	/* Nodes that were full recently get nothing. */
	for (size_t i = 0; i < e->moves.n; i++) {
		if (e->node_pause[e->moves.m[i].dest] > e->heat.now) {
			e->p_deferred += 1ull << e->moves.m[i].order;
			t->need_full = true;
			continue;
		}
		e->moves.m[keep++] = e->moves.m[i];
	}
	e->moves.n = keep;
	if (!e->moves.n)
		return 0;
	if (*budget != UINT64_MAX) {
		uint64_t bytes = 0;

		moves_sort_by_score(e->moves.m, e->moves.n, e->o->cfg.action == NW_MIGRATE_HOT);
		for (n = 0; n < e->moves.n; n++) {
			uint64_t b = 4096ull << e->moves.m[n].order;

			if (bytes + b > *budget)
				break;
			bytes += b;
		}
		for (size_t i = n; i < e->moves.n; i++)
			e->p_deferred += 1ull << e->moves.m[i].order;
		c->quota_deferred += e->moves.n - n;
		if (n < e->moves.n)
			t->need_full = true;
		*budget -= bytes;
	} else {
		n = e->moves.n;
	}
	moves_sort_by_dest(e->moves.m, n);
	for (size_t i = 0; i < n && !rc; i += MOVE_CHUNK) {
		size_t k = n - i < MOVE_CHUNK ? n - i : MOVE_CHUNK;

		rc = moves_apply(t->pid, e->moves.m + i, k, &tot);
		count_results(e, t, e->moves.m + i, k);
		ring_buffer__consume(e->rb);	/* the job keeps faulting meanwhile */
	}
	e->p_moved += tot.moved_pages;
	e->p_failed += tot.failed_pages;
	c->pages_moved += tot.moved_pages;
	c->pages_failed += tot.failed_pages;
	c->bytes_moved += tot.bytes;
	c->move_ns += tot.ns;
	for (int i = 0; i < NW_MAX_NODES; i++)
		c->moved_to[i] += tot.moved_to[i];
	for (int i = 0; i < NW_FAIL_MAX; i++)
		c->failed[i] += tot.failed[i];
	return rc;
}

static uint64_t pass_budget(struct engine *e, uint64_t now)
{
	uint64_t bps = config_quota_bps(&e->o->cfg);
	uint64_t dt = now - e->last_pass_ns, cap = 2 * e->o->cfg.interval_us * 1000;

	if (!bps)
		return UINT64_MAX;
	if (!e->last_pass_ns || dt > cap)
		dt = cap;
	return (uint64_t)((double)bps * dt / 1e9);
}

/* What `status` shows beyond counters: per-target pages, hottest regions. */
static void publish(struct engine *e)
{
	struct nw_ctl_stats *c = &e->ld.stats->ctl;
	struct nw_hot hot[NW_HOT] = {};
	int nh = 0;

	for (int i = 0; i < NW_TPAGES; i++) {
		struct nw_tpages *tp = &c->tpages[i];

		if (i >= e->nt) {
			memset(tp, 0, sizeof(*tp));
			continue;
		}
		tp->pid = e->t[i]->pid;
		tp->gone = e->t[i]->gone;
		memcpy(tp->pages, e->t[i]->per_node, sizeof(tp->pages));
	}
	for (uint64_t i = 0; i < e->heat.cap; i++) {
		const struct region *r = &e->heat.tab[i];
		struct nw_hot h;
		int j;

		if (!r->key || r->score < 0.01f)
			continue;
		h = (struct nw_hot){ region_tgid(r), r->last_nr, region_addr(r),
				     (uint64_t)(r->score * 100) };
		if (nh == NW_HOT && h.score_x100 <= hot[NW_HOT - 1].score_x100)
			continue;
		j = nh < NW_HOT ? nh++ : NW_HOT - 1;
		while (j > 0 && hot[j - 1].score_x100 < h.score_x100) {
			hot[j] = hot[j - 1];
			j--;
		}
		hot[j] = h;
	}
	memcpy(c->hot, hot, sizeof(hot));
}

/* One pass over every target. */
static void pass(struct engine *e, bool force_full)
{
	struct nw_ctl_stats *c = &e->ld.stats->ctl;
	uint64_t now = nw_now_ns(), budget = pass_budget(e, now);
	uint64_t total_on[NW_MAX_NODES] = {0};

	/* lost events may hide faulted regions: then everything is rescanned */
	bool periodic = now - e->last_full_ns >= FULL_EVERY_NS ||
			e->ld.stats->bpf.drops != e->drops_seen;

	if (periodic) {
		e->last_full_ns = now;
		e->drops_seen = e->ld.stats->bpf.drops;
	}
	e->p_scanned = e->p_misplaced = e->p_moved = e->p_failed = e->p_deferred = 0;
	if (e->paused) {	/* all weights 0: no table to place by, nothing to do */
		c->passes++;
		c->pages_misplaced = 0;
		e->last_pass_ns = now;
		return;
	}
	for (int i = 0; i < e->nt; i++) {
		struct target *t = e->t[i];
		bool full = force_full || t->need_full || periodic;
		int rc;

		if (t->gone)
			continue;
		e->moves.n = e->unknown.n = 0;
		memset(e->per_node, 0, sizeof(e->per_node));
		e->full = full;
		t->need_full = false;
		rc = scan_target(e, t, full);
		if (!rc && !e->paused && !e->o->dry_run)
			rc = move_target(e, t, &budget);
		if (rc == -ESRCH) {
			/* exiting (not yet a zombie) or in exec: give it up to 0.5 s to tell */
			for (int k = 0; k < 50 && !process_gone(t->pid); k++)
				usleep(10000);
			if (process_gone(t->pid)) {
				target_gone(e, t);
				continue;
			}
			t->need_full = true;	/* alive (exec): look again next interval */
			rc = 0;
		}
		if (rc) {
			nw_warn("pass over pid %d: %s", t->pid, strerror(-rc));
			t->need_full = true;
		}
		if (e->full && !rc)
			memcpy(t->per_node, e->per_node, sizeof(t->per_node));
		for (int n = 0; n < NW_MAX_NODES; n++)
			total_on[n] += t->per_node[n];
	}
	publish(e);
	c->passes++;
	c->pages_scanned += e->p_scanned;
	c->pages_misplaced = e->p_misplaced;
	memcpy(c->pages_on, total_on, sizeof(total_on));
	e->last_pass_ns = now;
}

static void print_json(struct engine *e, double secs)
{
	struct nw_ctl_stats *c = &e->ld.stats->ctl;
	char w[512];
	bool first = true;
	struct rusage ru = {};

	getrusage(RUSAGE_SELF, &ru);
	format_weights(e->w_force, w, sizeof(w));
	printf("{\"pages_scanned\": %llu, \"pages_misplaced\": %llu, \"pages_moved\": %llu, "
	       "\"pages_failed\": %llu, \"pages_deferred\": %llu, \"dry_run\": %s, "
	       "\"weights\": \"%s\", \"seconds\": %.3f, \"mib_per_s\": %.1f, \"per_node\": {",
	       (unsigned long long)e->p_scanned, (unsigned long long)e->p_misplaced,
	       (unsigned long long)e->p_moved, (unsigned long long)e->p_failed,
	       (unsigned long long)e->p_deferred, e->o->dry_run ? "true" : "false", w, secs,
	       secs > 0 ? e->p_moved * 4096.0 / 1048576.0 / secs : 0.0);
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!c->pages_on[n] && !node_exists(n))
			continue;
		printf("%s\"%d\": %llu", first ? "" : ", ", n, (unsigned long long)c->pages_on[n]);
		first = false;
	}
	printf("}, \"failed\": {\"ebusy\": %llu, \"eacces\": %llu, \"enomem\": %llu, "
	       "\"efault\": %llu, \"enoent\": %llu, \"eio\": %llu, \"other\": %llu}, "
	       "\"targets_exited\": %llu, \"max_rss_kib\": %ld}\n",
	       (unsigned long long)c->failed[NW_FAIL_EBUSY],
	       (unsigned long long)c->failed[NW_FAIL_EACCES],
	       (unsigned long long)c->failed[NW_FAIL_ENOMEM],
	       (unsigned long long)c->failed[NW_FAIL_EFAULT],
	       (unsigned long long)c->failed[NW_FAIL_ENOENT],
	       (unsigned long long)c->failed[NW_FAIL_EIO],
	       (unsigned long long)c->failed[NW_FAIL_OTHER],
	       (unsigned long long)c->targets_exited, ru.ru_maxrss);
	fflush(stdout);
}

static void reap_child(struct engine *e)
{
	int st;

	if (e->child <= 0 || e->child_done)
		return;
	if (waitpid(e->child, &st, WNOHANG) == e->child) {
		e->child_done = true;
		e->child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		struct target *t = find_target(e, e->child);

		if (t)
			target_gone(e, t);
	}
}

/* Targets that died without an exit event (e.g. before the programs attached). */
static void check_alive(struct engine *e)
{
	for (int i = 0; i < e->nt; i++) {
		struct target *t = e->t[i];

		if (!t->gone && t->pid != e->child && process_gone(t->pid))
			target_gone(e, t);
	}
}

static int start_cmd(struct engine *e, char **cmd)
{
	int pfd[2];
	char go;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(pfd[1]);
		/* wait until the parent has made us a target */
		if (read(pfd[0], &go, 1) != 1)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(cmd[0], cmd);
		fprintf(stderr, "numaweave: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	e->child = pid;
	if (add_target(e, pid, 0)) {
		close(pfd[1]);
		return -EINVAL;
	}
	go = 1;
	if (write(pfd[1], &go, 1) != 1)
		nw_warn("cannot start %s: %s", cmd[0], strerror(errno));
	close(pfd[1]);
	return 0;
}

static void log_interval(struct engine *e, double secs)
{
	char buf[512];
	int n = 0;

	if (nw_verbose < 1)
		return;
	for (int i = 0; i < NW_MAX_NODES; i++)
		if (e->ld.stats->ctl.pages_on[i] || e->w_force[i])
			n += snprintf(buf + n, sizeof(buf) - n, " n%d=%llu", i,
				      (unsigned long long)e->ld.stats->ctl.pages_on[i]);
	buf[n] = 0;
	nw_info("pass %llu: scanned %llu misplaced %llu moved %llu (%.1f MiB/s) failed %llu "
		"deferred %llu events %llu drops %llu;%s",
		(unsigned long long)e->ld.stats->ctl.passes, (unsigned long long)e->p_scanned,
		(unsigned long long)e->p_misplaced, (unsigned long long)e->p_moved,
		secs > 0 ? e->p_moved * 4096.0 / 1048576.0 / secs : 0.0,
		(unsigned long long)e->p_failed, (unsigned long long)e->p_deferred,
		(unsigned long long)e->ld.stats->bpf.events,
		(unsigned long long)e->ld.stats->bpf.drops, buf);
}

/* Milliseconds from this process's exec to now (10 ms grain: /proc starttime). */
static double ms_since_exec(void)
{
	unsigned long long start = 0;
	char buf[1024], *p;
	struct timespec ts;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &start) != 1)
		return 0;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - start * 1e3 / sysconf(_SC_CLK_TCK);
}

/* Where start-up went, once the first pass is done (-v). */
static void log_startup(const struct engine *e, uint64_t first_pass_ns)
{
	const struct loader *l = &e->ld;
	double ms = 1e-6;

	nw_info("start-up: exec to main %.0f ms, kernel BTF %.0f ms, open+load+verify %.0f ms, "
		"attach %.0f ms, rest %.0f ms; first pass %.0f ms",
		e->exec_ms, l->ns_btf * ms, l->ns_load * ms, l->ns_attach * ms,
		(first_pass_ns - e->t_main) * ms - (l->ns_btf + l->ns_load + l->ns_attach) * ms,
		(nw_now_ns() - first_pass_ns) * ms);
}

int engine_run(struct engine_opts *o)
{
	struct engine e = { .o = o };
	struct loader_opts lo = {
		.pin_dir = o->pin_dir, .ringbuf_bytes = o->ringbuf_bytes,
		.no_fentry = o->no_fentry, .classic_tp = o->classic_tp,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int status = 1, rc;
	uint64_t next, next_w;
	/* live weights are read every quarter of an interval (at least 1 ms) */
	uint64_t poll_ns = quarter_interval_ns(o) > 1000000 ? quarter_interval_ns(o) : 1000000;

	e.t_main = nw_now_ns();
	e.exec_ms = ms_since_exec();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);

	if (loader_open(&e.ld, &lo))
		goto out;
	e.ld.stats->ctl.pid = getpid();
	e.ld.stats->ctl.numa_balancing = 1ull << 63;
	e.nb_orig = -1;
	if (o->numa_balancing_off) {
		if (numa_balancing_off(&e))
			goto out;
	} else {
		int nb;

		if (!read_int_file(NB_SYSCTL, &nb) && nb)
			nw_warn("kernel.numa_balancing is %d: it pulls the targets' pages toward their "
				"CPUs; regions it keeps moving are left to it (see status), or use "
				"--numa-balancing off", nb);
	}
	e.ld.stats->ctl.started_ns = nw_now_ns();
	e.ld.stats->ctl.quota_bytes = config_quota_bps(&o->cfg);
	if (o->cfg.have_weights) {
		if ((rc = weights_write(e.ld.weights_fd, o->cfg.weights))) {
			nw_err("cannot write weights: %s", strerror(-rc));
			goto out;
		}
	}
	if (weights_read(e.ld.weights_fd, e.w_read)) {
		nw_err("cannot read weights: %s", strerror(errno));
		goto out;
	}
	if (weights_zero(e.w_read)) {
		nw_err("no weights: give --weights or --config (none are pinned in %s)",
		       e.ld.pin_dir);
		status = 2;
		goto out;
	}
	{
		char err[256];
		int bad;

		if (weights_validate(e.w_read, err, sizeof(err), &bad)) {
			nw_err("pinned weights refused: %s", err);
			status = 2;
			goto out;
		}
	}
	weights_apply(&e, e.w_read);
	e.vr.skel = e.ld.skel;
	if (node_map_load(&e.nodes))
		nw_info("no memory-block map: nodes come from move_pages(2)");
	if (heat_init(&e.heat, 1u << 22, 0.5)) {
		nw_err("cannot allocate the heat table: %s", strerror(ENOMEM));
		goto out;
	}
	e.rb = ring_buffer__new(e.ld.events_fd, on_event, &e, NULL);
	if (!e.rb) {
		nw_err("cannot open the ring buffer: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < o->cfg.nr_pids; i++)
		if (add_target(&e, o->cfg.pids[i], 0))
			goto out;
	if (o->cmd && (rc = start_cmd(&e, o->cmd))) {
		nw_err("cannot start %s: %s", o->cmd[0], strerror(-rc));
		goto out;
	}

	if (o->once) {
		uint64_t t0 = nw_now_ns();
		double secs;

		ring_buffer__consume(e.rb);
		e.progress = isatty(STDERR_FILENO) && !nw_syslog;
		pass(&e, true);
		log_startup(&e, t0);
		if (e.progress && e.scan_steps >= 256)
			fputc('\n', stderr);
		secs = (nw_now_ns() - t0) / 1e9;
		log_interval(&e, secs);
		if (o->json)
			print_json(&e, secs);
		status = 0;
		goto out;
	}

	next = next_w = nw_now_ns();
	status = 0;
	while (!stop_sig) {
		uint64_t now = nw_now_ns(), due = next < next_w ? next : next_w;
		int timeout = due > now ? (int)((due - now + 999999) / 1000000) : 0;
		bool changed = false;

		rc = ring_buffer__poll(e.rb, timeout);
		if (rc < 0 && rc != -EINTR) {
			nw_err("cannot poll the ring buffer: %s", strerror(-rc));
			status = 1;
			break;
		}
		ring_buffer__consume(e.rb);
		reap_child(&e);
		if (!alive_targets(&e))
			break;
		now = nw_now_ns();
		if (now >= next_w) {
			next_w = now + poll_ns;
			changed = weights_poll(&e, now);	/* a new table: pass at once */
		}
		if (now < next && !changed)
			continue;
		check_alive(&e);
		if (!alive_targets(&e))
			break;
		if (!changed) {
			heat_tick(&e.heat);
			/* The first-touch bitmap: clear it when an eighth of it is set. */
			if (e.ld.stats->bpf.first_touch - e.seen_mark >
			    (1ull << NW_SEEN_BITS_LOG2) / 8) {
				loader_clear_seen(&e.ld);
				e.seen_mark = e.ld.stats->bpf.first_touch;
			}
		}
		pass(&e, false);
		if (!e.startup_logged) {
			log_startup(&e, now);
			e.startup_logged = true;
		}
		log_interval(&e, (nw_now_ns() - now) / 1e9);
		if (changed)
			continue;	/* the heat clock keeps its pace */
		next += o->cfg.interval_us * 1000;
		if (next < nw_now_ns())
			next = nw_now_ns() + o->cfg.interval_us * 1000;
	}
	if (stop_sig)
		nw_info("stopping on signal %d", (int)stop_sig);
	if (e.child > 0) {
		if (!e.child_done && stop_sig) {
			kill(e.child, stop_sig);
		}
		if (!e.child_done) {
			int st;

			if (waitpid(e.child, &st, 0) == e.child)
				e.child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		status = e.child_status;
	}
out:
	if (o->once && e.child > 0 && !e.child_done) {
		int st;

		kill(e.child, SIGTERM);
		waitpid(e.child, &st, 0);
	}
	ring_buffer__free(e.rb);
	move_vec_free(&e.moves);
	move_vec_free(&e.unknown);
	for (int i = 0; i < e.nt; i++) {
		vma_list_free(&e.t[i]->vmas);
		free(e.t[i]);
	}
	free(e.t);
	heat_free(&e.heat);
	wtable_free(&e.wt);
	node_map_free(&e.nodes);
	numa_balancing_restore(&e);
	loader_close(&e.ld);
	return status;
}
