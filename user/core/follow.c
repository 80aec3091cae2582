// SPDX-License-Identifier: GPL-2.0
/*
 * follow.c — following targets: a pid checked, claimed and added (its
 * children with it), pid files and cgroups read again, and letting go.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "core.h"
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "procfs.h"
#include "sources.h"

static bool drop_target(struct engine *e, struct target *t)
{
	if (!targets_remove(&e->ts, t))
		return false;
	heat_drop(&e->heat, t->pid);	/* its regions, in the pass's one rebuild */
	return true;
}

/*
 * The children it brought in go with it: they were followed for its sake
 * (issue 29: a child kept its place after its parent was let go, even in
 * another cgroup). Not when it exits: its workers are still the job.
 */
bool engine_let_go(struct engine *e, struct target *t)
{
	uint32_t pid = (uint32_t)t->pid;

	if (!drop_target(e, t))
		return false;
	for (size_t i = 0; i < e->ts.n; i++) {
		struct target *c = e->ts.t[i];

		if (!c->gone && c->parent == pid && !c->from_src) {
			nw_info("letting child %d go with %u", c->pid, pid);
			engine_let_go(e, c);
		}
	}
	return true;
}

void engine_target_gone(struct engine *e, struct target *t)
{
	if (!drop_target(e, t))
		return;
	e->ctl.targets_exited++;
	nw_info("target %d exited", t->pid);
}

/* Follow pid for p; a pid coming back must not find the regions of the one before. */
struct target *engine_adopt(struct engine *e, struct pol *p, int pid, uint32_t parent,
			    bool from_src, bool *reused, int *why)
{
	struct target *t;
	int rc;

	if (heat_drop_pending(&e->heat, pid))
		heat_drop_flush(&e->heat);
	if ((rc = targets_add(&e->ts, pid, parent, p->cfg.children, reused))) {
		if (why)
			*why = rc;
		return NULL;
	}
	t = targets_find(&e->ts, pid);
	t->pol = p;
	t->from_src = from_src;
	t->parent = parent;
	return t;
}

int engine_follow(struct engine *e, struct pol *p, int pid, bool from_src)
{
	char err[NW_ERRLEN];
	struct target *t;
	int rc;

	t = targets_find(&e->ts, pid);
	if (t && t->pol && t->pol != p && !target_exited(t)) {
		if (!p->warned_shared)
			nw_warn("policy %s: pid %d is already placed by policy %s: left to it",
				p->name, pid, t->pol->name);
		p->warned_shared = true;
		return -EEXIST;
	}
	if ((rc = target_pid_check(pid, err, sizeof(err)))) {
		if (from_src)	/* gone between the read and the check: the next read says */
			nw_debug("%s", err);
		else
			nw_err("%s", err);
		return rc == 2 ? -EINVAL : -EIO;	/* may not be followed; /proc unreadable */
	}
	/* said if not: claimed by another controller (-EBUSY), or the map refused it */
	if (engine_adopt(e, p, pid, 0, from_src, NULL, &rc))
		return 0;
	return rc < 0 ? rc : -EIO;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * The pids a daemon policy lists: one refused because another controller
 * held it (issue 29: never tried again) is tried again, as a source's are,
 * until it is followed or gone. How many it follows now.
 */
static int pol_held_retry(struct engine *e, struct pol *p)
{
	int added = 0;

	for (int k = 0; k < p->cfg.nr_pids; k++) {
		int rc;

		if (!p->pid_held[k])
			continue;
		rc = engine_follow(e, p, p->cfg.pids[k], true);
		p->pid_held[k] = rc == -EBUSY;
		if (!rc) {
			added++;
			nw_info("%sfollowing pid %d now: the controller that held it let it go",
				p->label, p->cfg.pids[k]);
		}
	}
	return added;
}

int pol_sources_refresh(struct engine *e, struct pol *p)
{
	char err[NW_ERRLEN + 512];
	int total = 0, added = pol_held_retry(e, p), *pids;
	bool verify;

	if (!p->cfg.nr_src)
		return added;
	/* 256 KiB, made once and kept in the engine (issue 27: a static array) */
	if (!e->src_pids && !(e->src_pids = malloc(SOURCE_MAX_PIDS * sizeof(*e->src_pids)))) {
		nw_err("%sreading its sources: %s", p->label, strerror(ENOMEM));
		return added;
	}
	pids = e->src_pids;
	for (int i = 0; i < p->cfg.nr_src; i++) {
		const struct nw_source *s = &p->cfg.src[i];
		int n = 0, rc = source_read(s, pids + total, SOURCE_MAX_PIDS - total, &n, err,
					    sizeof(err));

		if (rc && rc != p->src_err[i]) {
			if (rc == -ENOENT)
				nw_warn("%s%s %s not there (yet): waiting for it", p->label,
					s->kind == NW_SRC_CGROUP ? "cgroup" : "pid file", s->path);
			else
				nw_warn("%s%s", p->label, err);
		} else if (!rc && p->src_err[i]) {
			nw_info("%s%s readable again", p->label, s->path);
		}
		p->src_err[i] = rc;
		p->src_seen[i] |= !rc;
		total += n;
	}
	/* those no longer named (left the cgroup, replaced in the pid file) are let go */
	qsort(pids, total, sizeof(pids[0]), cmp_int);
	for (size_t i = 0; i < e->ts.n; i++) {
		struct target *t = e->ts.t[i];
		bool named;

		if (t->gone || t->pol != p || !t->from_src)
			continue;
		named = bsearch(&t->pid, pids, total, sizeof(pids[0]), cmp_int) != NULL;
		for (int k = 0; k < p->cfg.nr_pids && !named; k++)
			named = p->cfg.pids[k] == t->pid;	/* the daemon's listed pids */
		if (!named && !target_exited(t)) {
			nw_info("%spid %d is no longer named by its pid file or cgroup: let go",
				p->label, t->pid);
			engine_let_go(e, t);
		}
	}
	/*
	 * A followed process's exit comes as a ring-buffer record: it need not be
	 * looked up in /proc at every reading (issue 31: 2,000 idle targets were
	 * 8,000 reads a second). Only when records were lost may a named pid be
	 * a new process under an old target's pid: then each is checked once.
	 */
	verify = e->ld.stats->bpf.drops != p->drops_verified;
	p->drops_verified = e->ld.stats->bpf.drops;
	for (int k = 0; k < total; k++) {
		struct target *t = targets_find(&e->ts, pids[k]);

		if (t && t->pol == p && (!verify || !target_exited(t)))
			continue;
		if (pids[k] == getpid() || engine_follow(e, p, pids[k], true))
			continue;
		added++;
		nw_info("%sfollowing pid %d (from %s)", p->label, pids[k],
			p->cfg.nr_src == 1 ? p->cfg.src[0].path : "its sources");
	}
	return added;
}
