// SPDX-License-Identifier: GPL-2.0
/*
 * engine.c — the control loop of `numaweave run`.
 *
 *   ring buffer ──> heat (per 2 MiB region) ──┐
 *   weights map ──> settled? ──> wtable ──────┼─> plan_pass: VMAs, folios, policy, moves
 *                                             └─> counters ──> stats map, -v line, --json
 *
 * Every quarter interval the weights are read (a change is put in force once
 * it has read the same for a quarter interval, and a pass runs at once). Each
 * interval the heat is rolled and a pass runs (plan.c). With --numa-balancing
 * off, kernel.numa_balancing is off while it runs and restored on exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "engine.h"
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "procfs.h"
#include "sources.h"

static volatile sig_atomic_t stop_sig, hup_seen;
static bool hup_reloads;	/* the daemon: SIGHUP reloads the policy files */

static void on_signal(int sig)
{
	if (sig == SIGHUP && hup_reloads)
		hup_seen = 1;
	else
		stop_sig = sig;
}

bool engine_stopping(void)
{
	return stop_sig != 0;
}

static void on_chld(int sig)
{
	(void)sig;
}

/* Every signal that would end the process ends the loop instead, so settings are restored. */
static void signals_init(void)
{
	static const int stop[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM };
	struct sigaction sa = { .sa_handler = on_signal };

	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		sigaction(stop[i], &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

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
static struct target *adopt(struct engine *e, struct pol *p, int pid, uint32_t parent,
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
		return rc;
	}
	/* said if not: claimed by another controller (-EBUSY), or the map refused it */
	if (adopt(e, p, pid, 0, from_src, NULL, &rc))
		return 0;
	return rc == -EBUSY ? -EBUSY : 1;
}

static void on_access(struct engine *e, const struct nw_event *ev)
{
	struct region *r;

	if (!ev->addr)
		return;
	/* a fold record stands for aux faults in the region of its first one */
	r = heat_touch_n(&e->heat, ev->tgid, ev->addr, ev->kind == NW_EV_FOLD ? ev->aux : 1);
	/* TNF_MIGRATED: the kernel moved a page of a region we placed */
	/* placed_gen is only set under the table in force (any change clears it) */
	if (r && ev->kind == NW_EV_HINT && (ev->aux & 1) && r->placed_gen) {
		e->ctl.removes++;
		policy_backoff(r, e->heat.now, &e->ctl.contested);
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct engine *e = ctx;
	const struct nw_event *ev = data;
	struct target *t, *parent;
	bool reused;

	if (len < sizeof(*ev))
		return 0;
	e->ctl.events_consumed++;
	switch (ev->kind) {
	case NW_EV_FIRST_TOUCH:
	case NW_EV_REPEAT:
	case NW_EV_PROT:
	case NW_EV_HINT:
	case NW_EV_FOLD:
		on_access(e, ev);
		break;
	case NW_EV_FORK:
		/* err = 1: the classic tracepoint could not tell a thread from a process. */
		if (ev->err && proc_tgid(ev->tgid) != (int)ev->tgid)
			break;
		/* a child is placed by its parent's policy */
		parent = targets_find(&e->ts, ev->aux);
		if (!parent)
			break;
		if (!adopt(e, parent->pol, ev->tgid, ev->aux, false, &reused, NULL))
			break;
		if (reused) {
			heat_drop(&e->heat, ev->tgid);
			heat_drop_flush(&e->heat);
			e->ctl.targets_exited++;
		}
		nw_info("following child %u of %u%s", ev->tgid, ev->aux,
			reused ? " (its pid was a target that exited unseen)" : "");
		break;
	case NW_EV_DAMON:
		if (ev->node >= 0 && ev->node < e->damon.n) {
			heat_damon(&e->heat, e->damon.pids[ev->node], ev->addr,
				   (uint64_t)ev->tid << 12, ev->aux, ev->err);
			e->ctl.damon_events++;
		}
		break;
	case NW_EV_ARM:
		if (!(e->ctl.heat_sources & NW_HEAT_ARMS))
			break;	/* tiering-only balancing: not evidence */
		/* aux entries armed (never 0: BPF counts those); none on node ev->node */
		nw_debug("NUMA balancing armed %u of pid %u [%#llx, +%u pages), none on node %d: "
			 "%llu regions armed", ev->aux, ev->tgid, (unsigned long long)ev->addr,
			 ev->tid, ev->node,
			 (unsigned long long)heat_arm(&e->heat, ev->tgid, ev->addr,
						      (uint64_t)ev->tid << 12, ev->node));
		break;
	case NW_EV_EXIT:
		t = targets_find(&e->ts, ev->tgid);
		if (t)
			engine_target_gone(e, t);
		break;
	case NW_EV_JOIN:
		/* a process moved between cgroups: read the policies' cgroups now */
		nw_debug("pid %u moved to another cgroup", ev->tgid);
		e->sources_poke = true;
		break;
	}
	return 0;
}

/* Put a new table in force for p. */
void pol_weights_apply(struct engine *e, struct pol *p, const uint32_t *w)
{
	char buf[512];

	memcpy(p->ws.force, w, sizeof(p->ws.force));
	p->gen = ++e->gen_seq;
	p->rejected = false;
	wtable_free(&p->wt);
	p->paused = wtable_init(&p->wt, w) != 0;
	for (size_t i = 0; i < e->ts.n; i++)
		if (e->ts.t[i]->pol == p)
			e->ts.t[i]->need_full = true;
	policy_reset_contests(e->heat.tab, e->heat.cap);	/* every region's, so: */
	e->ctl.contested = 0;
	/* the table status shows is copied from the first policy by report_publish */
	format_weights(w, buf, sizeof(buf));
	if (p->paused)
		nw_warn("%sall weights are 0: migration paused", p->label);
	else
		nw_info("%sweights %s in force (generation %u)", p->label, buf, p->gen);
}

/* Sources and (unmapped) weights maps are read once in this. */
static uint64_t quarter_interval_ns(const struct engine_opts *o)
{
	return o->cfg.interval_us * 1000 / 4;
}

/*
 * A mapped weights map is read this often (no system call: a copy of 64
 * values; the wake-up costs ~70 us of CPU on the dev VM, nearly all of it the
 * context switch), and a change is put in force once it has read the same
 * for the settle time: an edit of several entries, one bpftool call each, is
 * not taken half-done. Unmapped maps: every quarter interval, settling as
 * long (docs/design.md, "Live weights").
 */
#define WEIGHTS_VIEW_POLL_NS 20000000ull
#define WEIGHTS_SETTLE_NS 50000000ull

static uint64_t settle_ns(const struct engine_opts *o)
{
	return quarter_interval_ns(o) < WEIGHTS_SETTLE_NS ? quarter_interval_ns(o) :
							    WEIGHTS_SETTLE_NS;
}

/* Live weights of p; true when a new table is in force (the caller runs a pass at once). */
bool pol_weights_poll(struct engine *e, struct pol *p, uint64_t now)
{
	uint32_t w[NW_MAX_NODES];
	char err[256];
	int bad = -1;

	if (p->wview) {
		weights_view_read(p->wview, w);
	} else if (weights_read(p->weights_fd, w)) {
		nw_warn("%scannot read weights: %s", p->label, strerror(errno));
		return false;
	}
	if (!wsettle_poll(&p->ws, w, now, p->wview ? settle_ns(e->o) : quarter_interval_ns(e->o)))
		return false;
	if (!weights_zero(w) && weights_validate(w, err, sizeof(err), &bad)) {
		if (!p->rejected)
			nw_err("%sweights refused: %s; keeping the table in force", p->label, err);
		p->rejected = true;
		p->bad_node = bad;
		return false;
	}
	if (p->ac && !p->ac->paused && memcmp(w, p->ac->w, sizeof(p->ac->w))) {
		p->ac->paused = true;	/* a person's table wins until told otherwise */
		nw_warn("%sweights edited by hand: the bandwidth controller is paused "
			"(`numaweave weights auto` resumes it)", p->label);
	}
	pol_weights_apply(e, p, w);
	return true;
}

void pol_cfg_auto_home(struct nw_config *c)
{
	if (!c->auto_spec[0])
		return;
	memset(c->weights, 0, sizeof(c->weights));
	c->weights[nodes_home()] = 1;	/* the controller starts at home */
	c->have_weights = true;
}

int pol_auto_init(struct engine *e, struct pol *p)
{
	struct autow_params ap;
	char err[512];

	if (!p->cfg.auto_spec[0])
		return 0;
	p->ac = calloc(1, sizeof(*p->ac));
	if (!p->ac) {
		nw_err("%s", strerror(ENOMEM));
		return 1;
	}
	if (sensor_open(&p->ac->s, p->cfg.auto_spec, err, sizeof(err))) {
		nw_err("%s%s", p->label, err);	/* "policy NAME: ", for the daemon's */
		return 2;
	}
	autow_defaults(&ap);
	autow_init(&p->ac->a, &ap, nodes_home());
	autow_weights(&p->ac->a, p->ac->s.capacity, 0, p->ac->w);
	nw_info("weights from measured bandwidth: sensor %s, home node %d, one decision an "
		"interval", p->ac->s.name, p->ac->a.home);
	sensor_log(&p->ac->s);
	return weights_write(p->weights_fd, p->ac->w) ? 1 : 0;
}

/* One decision: read the sensor, take out our own migration traffic, write what it decides. */
void pol_auto_tick(struct engine *e, struct pol *p)
{
	struct autoctl *ac = p->ac;
	double traffic[NW_MAX_NODES], own[NW_MAX_NODES] = {0}, dt;
	uint64_t now = nw_now_ns();
	uint32_t w[NW_MAX_NODES];
	char path[64 + NW_POLICY_NAME_MAX], err[512], buf[512];
	int rc;

	if (!ac)
		return;
	/* `weights [--policy NAME] auto`: the table at `weights` (run's, the default policy's), or NAME's */
	if (p->own_fd)
		snprintf(path, sizeof(path), NW_AUTO_RESUME ".%d.%s", (int)getpid(), p->name);
	else
		snprintf(path, sizeof(path), NW_AUTO_RESUME ".%d", (int)getpid());
	if (ac->paused && !unlink(path)) {
		ac->paused = false;
		ac->a.wait = 0;
		if (weights_write(p->weights_fd, ac->w))	/* its table, in force again */
			nw_warn("cannot write weights: %s", strerror(errno));
		nw_info("%sbandwidth controller resumed", p->label);
	}
	dt = ac->last_ns ? (now - ac->last_ns) / 1e9 : 0;
	ac->last_ns = now;
	/* what we moved since the last decision: written on the destination, read at home */
	for (int n = 0; n < NW_MAX_NODES; n++) {
		double b = (double)(e->ctl.moved_to[n] - ac->moved_to[n]) * 4096;

		ac->moved_to[n] = e->ctl.moved_to[n];
		if (dt > 0) {
			own[n] += b / dt;
			own[ac->a.home] += n != ac->a.home ? b / dt : 0;
		}
	}
	if ((rc = sensor_read(&ac->s, traffic, err, sizeof(err)))) {
		if (!ac->said_err)
			nw_warn("bandwidth sensor: %s; weights kept", err);
		ac->said_err = true;
		return;
	}
	ac->said_err = false;
	if (!ac->paused && autow_decide_by(&ac->a, &ac->s, traffic, own, w)) {
		char why[512];

		memcpy(ac->w, w, sizeof(w));
		if (weights_write(p->weights_fd, w))
			nw_warn("cannot write weights: %s", strerror(errno));
		format_weights(w, buf, sizeof(buf));
		autow_describe(&ac->a, why, sizeof(why));
		nw_info("%s controller: %s -> weights %s", ac->a.by_latency ? "latency" : "bandwidth",
			why, buf);
	}
}

/*
 * The tables read by system call (maps that could not be mapped; the mapped
 * ones are read every WEIGHTS_VIEW_POLL_NS by the loop), and the weights'
 * state for status; true when a table changed.
 */
static bool weights_poll(struct engine *e, uint64_t now)
{
	const struct pol *m = engine_main_pol(e);
	bool changed = false;

	if (!e->pin_gone_said && pin_dir_removed(&e->ld.dir)) {
		nw_warn("pin dir %s was removed: weights cannot be edited and status cannot see "
			"this run until it is restarted (another run may now start there)",
			e->ld.dir.name);
		e->pin_gone_said = true;
	}
	for (int i = 0; i < e->npols; i++)
		if (!e->pols[i]->wview)
			changed |= pol_weights_poll(e, e->pols[i], now);
	e->ctl.weights_rejected = m->rejected;
	e->ctl.weights_bad_node = m->bad_node;
	report_weights_state(e);
	return changed;
}

void pol_free(struct pol *p)
{
	if (!p)
		return;
	wtable_free(&p->wt);
	weights_view_close(p->wview);
	if (p->own_fd && p->weights_fd >= 0)
		close(p->weights_fd);
	if (p->ac)
		sensor_close(&p->ac->s);
	free(p->ac);
	free(p);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int pol_sources_refresh(struct engine *e, struct pol *p)
{
	static int pids[SOURCE_MAX_PIDS];
	char err[NW_ERRLEN + 512];
	int total = 0, added = 0;

	/*
	 * The pids a daemon policy lists: one refused because another controller
	 * held it (issue 29: never tried again) is tried again, as a source's
	 * are, until it is followed or gone.
	 */
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
	if (!p->cfg.nr_src)
		return added;
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
	for (int k = 0; k < total; k++) {
		struct target *t = targets_find(&e->ts, pids[k]);

		if (t && t->pol == p && !target_exited(t))
			continue;
		if (pids[k] == getpid() || engine_follow(e, p, pids[k], true))
			continue;
		added++;
		nw_info("%sfollowing pid %d (from %s)", p->label, pids[k],
			p->cfg.nr_src == 1 ? p->cfg.src[0].path : "its sources");
	}
	return added;
}

int pol_weights_init(struct engine *e, struct pol *p, const char *none_hint)
{
	uint32_t w[NW_MAX_NODES];
	char err[256];
	int rc, bad;

	/*
	 * At start the file's (or command line's) weights win over what is
	 * pinned, a live edit included; a reload keeps a live edit unless the
	 * file's weights changed. Said when that replaces something (issue 29).
	 */
	if (p->cfg.have_weights && !weights_read(p->weights_fd, w) && !weights_zero(w) &&
	    !weights_equal(w, p->cfg.weights) && e->ld.dry_run) {
		char was[512];

		format_weights(w, was, sizeof(was));
		nw_info("dry run: planning with the configured weights; the pinned %s are left as "
			"they are", was);
	} else if (p->cfg.have_weights && !weights_read(p->weights_fd, w) && !weights_zero(w) &&
		   !weights_equal(w, p->cfg.weights)) {
		char was[512], now[512];

		format_weights(w, was, sizeof(was));
		format_weights(p->cfg.weights, now, sizeof(now));
		nw_info("%sthe pinned weights %s are replaced by the configured %s (a live edit lasts "
			"until a restart or a change of the configured weights)", p->label, was, now);
	}
	if (p->cfg.have_weights && (rc = weights_write(p->weights_fd, p->cfg.weights))) {
		nw_err("%scannot write weights: %s", p->label, strerror(-rc));
		return 1;
	}
	if (weights_read(p->weights_fd, w)) {
		nw_err("%scannot read weights: %s", p->label, strerror(errno));
		return 1;
	}
	if (weights_zero(w)) {
		nw_err("%sno weights: %s", p->label, none_hint);
		return 2;
	}
	if (weights_validate(w, err, sizeof(err), &bad)) {
		nw_err("%s%sweights refused: %s", p->label, p->cfg.have_weights ? "" : "pinned ", err);
		return 2;
	}
	memcpy(p->ws.read, w, sizeof(w));
	pol_weights_apply(e, p, w);
	if (!p->wview && !(p->wview = weights_view(p->weights_fd)))
		nw_info("%sweights map not mmapable (pinned by an older build?): read every quarter "
			"interval", p->label);
	return 0;
}

/* run's one policy: the command line's settings on the `weights` pin. 0, or an exit status. */
static int run_policy_init(struct engine *e)
{
	struct pol *p = calloc(1, sizeof(*p));
	char hint[PATH_MAX + 64];
	int rc;

	if (!p) {
		nw_err("%s", strerror(ENOMEM));
		return 1;
	}
	e->pols[e->npols++] = p;
	p->cfg = e->o->cfg;
	p->weights_fd = e->ld.weights_fd;
	snprintf(hint, sizeof(hint), "give --weights or --config (none are pinned in %s)",
		 e->ld.dir.name);
	if ((rc = pol_weights_init(e, p, hint)))
		return rc;
	return pol_auto_init(e, p);
}

static int balancing_init(struct engine *e)
{
	int nb;

	e->ctl.numa_balancing = 1ull << 63;
	if (e->o->numa_balancing_off && e->o->dry_run &&
	    !sysctl_read_int(NB_SYSCTL, &nb) && nb) {
		nw_warn("dry run: kernel.numa_balancing left at %d (a run with --numa-balancing "
			"off sets it to 0 while it lasts)", nb);
		e->ctl.numa_balancing = (uint64_t)nb;
	} else if (e->o->numa_balancing_off && !e->o->dry_run) {
		if (nb_guard_off(&e->nb))
			return 1;
		if (e->nb.orig >= 0)
			e->ctl.numa_balancing = e->nb.orig;
	} else if (!sysctl_read_int(NB_SYSCTL, &nb) && nb) {
		nw_warn("kernel.numa_balancing is %d: it pulls the targets' pages toward their "
			"CPUs; regions it keeps moving are left to it (see status), or use "
			"--numa-balancing off", nb);
	}
	return 0;
}

/* --once with no access pattern: one pass that places everything, heat decides nothing. */
static bool heat_unused(const struct engine *e)
{
	return e->o->once && !policy_pattern_wants_heat(&e->o->cfg);
}

#define DAMON_RESTART_NS (10ull * 1000000000ull)

/*
 * Whether heat should be sampled: not for --once without an access pattern
 * (heat_unused); for run, always (its policy's heat orders the quota's
 * moves); for the daemon, while one of its policies has an access pattern
 * (a policy without one moves everything misplaced, so sampling would only
 * take CPU from the job's machine).
 */
static bool heat_wanted(const struct engine *e)
{
	if (heat_unused(e))
		return false;
	if (!e->o->daemon)
		return true;
	for (int i = 0; i < e->npols; i++)
		if (policy_pattern_wants_heat(&e->pols[i]->cfg))
			return true;
	return false;
}

/* DAMON samples the targets where it can and heat is wanted. */
static bool damon_wanted(const struct engine *e)
{
	return e->damon_ok && heat_wanted(e);
}

static void damon_off(struct engine *e)
{
	if (!e->damon.on)
		return;
	loader_set_damon_pid(&e->ld, 0);	/* its records stop at the source */
	engine_consume(e);		/* and those on the way are read by the old map */
	damon_stop(&e->damon);
	e->ctl.heat_sources &= ~(uint64_t)NW_HEAT_DAMON;
}

/*
 * The kdamond follows the targets: started when the first joins, restarted
 * with the new list when targets join or leave (a kdamond stops by itself
 * once all of its targets are gone), at most once per DAMON_RESTART_NS so
 * that a cgroup's forks do not restart it each interval.
 */
static void damon_sync(struct engine *e)
{
	int pids[NW_DAMON_MAX_TARGETS], n = 0;
	uint64_t now = nw_now_ns();
	const char *why;
	char err[256];

	if (!damon_wanted(e)) {
		if (e->damon.on)
			nw_info("DAMON stopped: no policy's access pattern asks for heat");
		damon_off(e);
		return;
	}
	for (size_t i = 0; i < e->ts.n && n < NW_DAMON_MAX_TARGETS; i++)
		if (!e->ts.t[i]->gone)
			pids[n++] = e->ts.t[i]->pid;
	if (e->damon.on && n == e->damon.n && !memcmp(pids, e->damon.pids, n * sizeof(*pids)))
		return;
	if (!n && !e->damon.on)
		return;
	if (e->damon_tried_ns && now - e->damon_tried_ns < DAMON_RESTART_NS)
		return;
	e->damon_tried_ns = now;
	damon_off(e);
	if (!n)
		return;
	why = damon_unusable();
	if (why || damon_start(&e->damon, pids, n, err, sizeof(err))) {
		nw_info("DAMON not used: %s", why ? why : err);
		return;
	}
	loader_set_damon_pid(&e->ld, e->damon.kdamond_pid);
	e->ctl.heat_sources |= NW_HEAT_DAMON;
	nw_info("DAMON samples accesses of %d target(s) (kdamond %d; again with the new "
		"list when targets join or leave, at most every %llu s)", n, e->damon.kdamond_pid,
		DAMON_RESTART_NS / 1000000000ull);
}

/* DAMON as a second heat source where the kernel has it and nobody else uses it. */
static void damon_init(struct engine *e)
{
	const char *why = NULL;

	if (e->o->no_damon)
		return;
	if (e->o->dry_run) {	/* a kdamond is kernel state a dry run does not change */
		nw_info("DAMON not used: a dry run starts no kdamond");
		return;
	}
	/*
	 * One pass, made at once: DAMON could not report before it, and its
	 * kdamond would only take CPU from the moves (7.3 guest: 128 against 137
	 * MiB/s without it). Kept when the access pattern asks for heat.
	 */
	if (heat_unused(e)) {
		nw_info("DAMON not used: --once makes one pass, and no access pattern asks for heat");
		return;
	}
	if (!e->ld.damon_prog)
		why = "no damon_aggregated tracepoint (no DAMON in this kernel)";
	else
		why = damon_unusable();
	if (why) {
		nw_info("DAMON not used: %s", why);
		return;
	}
	e->damon_ok = true;
	damon_sync(e);
	if (!e->damon.on && e->o->daemon)
		nw_info("DAMON will sample the targets that join while a policy's access pattern "
			"asks for heat");
}

/*
 * The accessed bits: read where heat is wanted and DAMON does not sample the
 * targets (none in this kernel, someone else's kdamond, --no-damon).
 */
static bool young_ready(struct engine *e);

/*
 * Heat decides something: a policy with an access pattern, or a quota (its
 * heat orders the moves). Without either everything misplaced moves, and
 * sampling the accessed bits would only cost the job (and cost every run
 * the object's load: over a second in the TCG guests).
 */
static bool heat_decides(const struct engine *e)
{
	for (int i = 0; i < e->npols; i++)
		if (policy_pattern_wants_heat(&e->pols[i]->cfg) ||
		    config_quota_bps(&e->pols[i]->cfg))
			return true;
	return false;
}

static bool young_wanted(struct engine *e)
{
	return !e->damon.on && heat_wanted(e) && heat_decides(e) && young_ready(e);
}

/*
 * Loaded at its first need, not at start: its BPF object takes ~80 ms to
 * load on the development host and over a second in the TCG guests, which a
 * run that DAMON serves should not pay.
 */
static bool young_ready(struct engine *e)
{
	const char *why;

	if (e->young_state)
		return e->young_state > 0;
	e->young_state = -1;
	if (e->o->no_young)
		return false;
	why = young_open(&e->young);
	if (why) {
		nw_info("accessed bits not read: %s", why);
		return false;
	}
	e->young_state = 1;
	return true;
}

struct young_feed {
	struct heat *h;
	uint32_t tgid;
	unsigned int span;	/* DAMON aggregation intervals since the clear */
};

static void young_feed(void *arg, uint64_t addr, uint32_t present, uint32_t young)
{
	struct young_feed *f = arg;

	heat_young(f->h, f->tgid, addr, present, young, f->span);
}

/* A sample costs at most about 1 % of the interval: a target whose costs more is sampled less often. */
#define YOUNG_BUDGET_PCT 1

/*
 * Each target's accessed bits: read those set since its last clear, into the
 * heat table, and clear them again. A target is sampled every interval, or
 * every few where one sample costs more than YOUNG_BUDGET_PCT of it (at most
 * NW_DAMON_FRESH - 1, so its word stays fresh in between). new_only (before
 * each pass): only the targets never cleared yet, so their first word comes an
 * interval after they are followed.
 */
static void young_tick(struct engine *e, bool new_only)
{
	uint64_t interval_ns = e->o->cfg.interval_us * 1000;

	if (!young_wanted(e)) {
		if (new_only)
			return;
		if (e->ctl.heat_sources & NW_HEAT_YOUNG)
			nw_info("accessed bits no longer read: %s", e->damon.on ?
				"DAMON samples the targets" :
				"no policy's access pattern or quota asks for heat");
		e->ctl.heat_sources &= ~(uint64_t)NW_HEAT_YOUNG;
		for (size_t i = 0; i < e->ts.n; i++)
			e->ts.t[i]->young_at = 0;
		return;
	}
	if (!(e->ctl.heat_sources & NW_HEAT_YOUNG))
		nw_info("reading the targets' accessed bits every interval (clear_refs, then a "
			"page-table walk): DAMON does not sample them here");
	e->ctl.heat_sources |= NW_HEAT_YOUNG;
	for (size_t i = 0; i < e->ts.n; i++) {
		struct target *t = e->ts.t[i];
		uint32_t since = t->young_at ? e->heat.now + 1 - t->young_at : 0;
		uint64_t t0 = nw_now_ns(), cost, every = 1;
		bool read = t->young_at;

		/* new_only: targets just followed get their first clear now, not an interval on */
		if (t->gone || (new_only && t->young_at) ||
		    (t->young_at && since < (t->young_every ? t->young_every : 1)))
			continue;
		if (read) {
			struct young_feed f = {
				&e->heat, (uint32_t)t->pid,
				(unsigned int)(since * e->o->cfg.interval_us / NW_DAMON_AGGR_US),
			};

			if (!young_read(&e->young, t->pid, young_feed, &f))
				e->ctl.young_samples++;
		}
		t->young_at = young_clear(t->pid) ? 0 : e->heat.now + 1;	/* gone: its exit comes */
		cost = nw_now_ns() - t0;
		nw_debug("accessed bits of %d: %.2f ms", t->pid, cost / 1e6);
		e->ctl.young_ns += cost;
		/* the first word comes an interval after the first clear, whatever it costs */
		if (read && interval_ns)
			every = cost * 100 / YOUNG_BUDGET_PCT / interval_ns + 1;
		t->young_every = every < NW_DAMON_FRESH ? (uint32_t)every : NW_DAMON_FRESH - 1;
	}
}

/*
 * What NUMA balancing tells, by its mode now: with NUMA_BALANCING_NORMAL (1),
 * hinting faults and its arming (idle evidence). Memory tiering alone (2)
 * calls change_prot_numa() but leaves top-tier pages unarmed, so an "armed"
 * range there says nothing about them. Read again each interval.
 */
static void balancing_sources(struct engine *e)
{
	bool had_arms = e->ctl.heat_sources & NW_HEAT_ARMS;
	int nb = 0;

	e->ctl.heat_sources &= ~(uint64_t)(NW_HEAT_HINTS | NW_HEAT_ARMS);
	/* tiering alone (2) hints only pages on lower tiers: not a read signal */
	if (!sysctl_read_int(NB_SYSCTL, &nb) && (nb & 1) && e->nb.orig < 0) {
		e->ctl.heat_sources |= NW_HEAT_HINTS;
		if (e->ld.arms)
			e->ctl.heat_sources |= NW_HEAT_ARMS;
	}
	if (had_arms && !(e->ctl.heat_sources & NW_HEAT_ARMS)) {
		heat_forget_arms(&e->heat);	/* stale arming would read as idle forever */
		nw_info("NUMA balancing's scans no longer tell idle memory (mode %d)", nb);
	}
}

/*
 * Each policy's age.min, in DAMON's aggregation intervals and in the
 * engine's: a region is due for a scan when its age reaches one, so idle
 * memory is acted on then, not at the next full pass. Every policy's, so
 * the daemon's too (before the twelfth session only run's pattern was
 * watched, and a daemon's idle memory waited for the 60 s full pass); again
 * after a reload.
 */
void engine_watch_ages(struct engine *e)
{
	memset(e->heat.watch_age, 0, sizeof(e->heat.watch_age));
	memset(e->heat.damon_watch_age, 0, sizeof(e->heat.damon_watch_age));
	for (int i = 0; i < e->npols; i++) {	/* run's is its policy's copy of o->cfg */
		uint64_t a = e->pols[i]->cfg.ap.age_min_us;

		if (!a)
			continue;
		if (a / e->o->cfg.interval_us)
			heat_watch(e->heat.watch_age, (uint32_t)(a / e->o->cfg.interval_us));
		if (a / NW_DAMON_AGGR_US)
			heat_watch(e->heat.damon_watch_age, (uint32_t)(a / NW_DAMON_AGGR_US));
	}
}

/*
 * What heat can see here, said at start; migrate_cold with an access pattern
 * and nothing that sees reads would demote memory that is being read.
 */
static int heat_sources_init(struct engine *e)
{
	e->ctl.heat_sources |= NW_HEAT_FAULTS;
	engine_watch_ages(e);
	balancing_sources(e);
	damon_init(e);
	if (e->ctl.heat_sources & NW_HEAT_READS || young_wanted(e))
		return 0;
	if (e->o->daemon && damon_wanted(e))
		return 0;	/* DAMON starts as targets join */
	if (heat_unused(e))
		return 0;	/* nothing to warn of */
	nw_warn("heat: first touches only: nothing here sees reads (no DAMON, NUMA balancing "
		"off); hot and cold are guesses");
	if (e->o->cfg.action == NW_MIGRATE_COLD && policy_pattern_wants_heat(&e->o->cfg) &&
	    !e->o->force_blind && !e->o->dry_run) {
		nw_err("migrate_cold with an access pattern needs a read-access signal: use a "
		       "kernel with DAMON, leave kernel.numa_balancing on, or --force-blind");
		return 2;
	}
	return 0;
}

/* Load, pin, take the weights, follow the targets. 0, or an exit status. */
static int engine_init(struct engine *e)
{
	struct engine_opts *o = e->o;
	struct loader_opts lo = {
		.pin_dir = o->pin_dir, .ringbuf_bytes = o->ringbuf_bytes,
		.no_fentry = o->no_fentry, .classic_tp = o->classic_tp, .no_damon = o->no_damon,
		.fold_ns = o->fold_us * 1000, .dry_run = o->dry_run,
	};
	int rc;

	e->nb.orig = -1;
	if (loader_open(&e->ld, &lo))
		return 1;
	e->ts.map_fd = e->ld.targets_fd;
	e->ts.no_claims = o->dry_run;
	if (!o->dry_run)
		claims_sweep();	/* what killed controllers left */
	e->vr.skel = e->ld.skel;
	e->ctl.pid = getpid();
	e->ctl.started_ns = nw_now_ns();
	e->ctl.quota_bytes = config_quota_bps(&o->cfg);
	if ((rc = balancing_init(e)))
		return rc;
	if (o->daemon) {
		hup_reloads = true;
		if ((rc = daemon_policies_load(e, true)))
			return rc;
	} else if ((rc = run_policy_init(e))) {
		return rc;
	}
	if (node_map_load(&e->nodes))
		nw_info("no memory-block map: nodes come from move_pages(2)");
	if (heat_init(&e->heat, 1u << 22, 0.5)) {
		nw_err("cannot allocate the heat table: %s", strerror(ENOMEM));
		return 1;
	}
	e->rb = ring_buffer__new(e->ld.events_fd, on_event, e, NULL);
	if (!e->rb) {
		nw_err("cannot open the ring buffer: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < e->npols; i++) {
		struct pol *p = e->pols[i];

		for (int k = 0; k < p->cfg.nr_pids; k++)
			if ((rc = engine_follow(e, p, p->cfg.pids[k], false)) && !o->daemon)
				return rc < 0 ? 1 : rc;	/* the daemon says and goes on */
		pol_sources_refresh(e, p);
	}
	e->child.out_to_err = o->json;
	if (o->cmd && (rc = child_start(&e->child, o->cmd, &e->ts, o->cfg.children))) {
		nw_err("cannot start %s: %s", o->cmd[0], strerror(-rc));
		return 1;
	}
	if (o->cmd)
		targets_find(&e->ts, e->child.pid)->pol = e->pols[0];
	if ((rc = heat_sources_init(e)))
		return rc;
	report_publish(e);
	return 0;
}

/* The child's resident pages (statm), or -1 when it is gone. */
static long child_rss(pid_t pid)
{
	char path[64];
	long size, rss = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss;
}

/*
 * --once -- CMD: the pass waits for CMD to settle (its resident size the same
 * for 0.5 s, at most 60 s) or, with --after, that long; a CMD that ends first
 * ends the wait.
 */
static void once_wait_child(struct engine *e)
{
	uint64_t t0 = nw_now_ns(), limit = e->o->after_us ? e->o->after_us * 1000 : 60000000000ull;
	long last = -2;
	int stable = 0;

	while (!stop_sig && nw_now_ns() - t0 < limit && !child_reap(&e->child)) {
		long rss = child_rss(e->child.pid);

		if (!e->o->after_us) {
			stable = rss == last ? stable + 1 : 0;
			if (stable >= 5)
				break;
			last = rss;
		}
		usleep(100000);
		engine_consume(e);
	}
	nw_info("--once: %s after %.1f s", e->child.done ? "the command ended" :
		e->o->after_us ? "--after elapsed" : "the command settled",
		(nw_now_ns() - t0) / 1e9);
}

/* --once: one full pass. */
static int engine_once(struct engine *e)
{
	uint64_t t0;
	double secs;

	if (e->child.pid > 0)
		once_wait_child(e);
	t0 = nw_now_ns();
	engine_consume(e);
	e->progress = isatty(STDERR_FILENO) && !nw_syslog;
	plan_pass(e, true);
	report_startup(e, t0);
	if (e->progress && e->scan_steps >= 256)
		fputc('\n', stderr);
	secs = (nw_now_ns() - t0) / 1e9;
	report_interval(e, secs);
	if (e->o->json)
		report_json_pass(e, secs);
	if (e->ctl.pass_errors) {
		nw_err("the pass could not read %llu target(s)",
		       (unsigned long long)e->ctl.pass_errors);
		return 1;
	}
	return 0;
}

/* Targets that died without an exit event (e.g. before the programs attached). */
static void check_alive(struct engine *e)
{
	for (size_t i = 0; i < e->ts.n; i++) {
		struct target *t = e->ts.t[i];

		if (!t->gone && t->pid != e->child.pid && target_exited(t))
			engine_target_gone(e, t);
	}
}

static void reap_child(struct engine *e)
{
	struct target *t;

	if (!child_reap(&e->child))
		return;
	t = targets_find(&e->ts, e->child.pid);
	if (t)
		engine_target_gone(e, t);
}

void engine_consume(struct engine *e)
{
	uint64_t c0 = nw_thread_cpu_ns();

	ring_buffer__consume(e->rb);
	e->ctl.cpu_events_ns += nw_thread_cpu_ns() - c0;
}

/*
 * Wait for events until the next pass or weights poll. <0 on a poll failure.
 * The ring buffer's epoll fd is waited on here and its records taken in one
 * consume (wakeups are not forced for every record): the same as
 * ring_buffer__poll then a consume, with one CPU-clock pair (two system calls)
 * a wake-up instead of two pairs.
 */
static int engine_wait(struct engine *e, uint64_t due)
{
	uint64_t now = nw_now_ns();
	int timeout = due > now ? (int)((due - now + 999999) / 1000000) : 0;
	struct epoll_event ev;

	if (epoll_wait(ring_buffer__epoll_fd(e->rb), &ev, 1, timeout) < 0 && errno != EINTR) {
		nw_err("cannot poll the ring buffer: %s", strerror(errno));
		return -errno;
	}
	engine_consume(e);
	reap_child(e);
	return 0;
}

/* A new interval: roll the heat; clear the first-touch bitmap when an eighth is set. */
static void interval_tick(struct engine *e)
{
	heat_tick(&e->heat);
	balancing_sources(e);
	damon_sync(e);
	young_tick(e, false);
	if (e->ld.stats->bpf.first_touch - e->seen_mark > (1ull << NW_SEEN_BITS_LOG2) / 8) {
		loader_clear_seen(&e->ld);
		e->seen_mark = e->ld.stats->bpf.first_touch;
	}
}

/*
 * sd_notify: ready, with what is being served (`systemctl status` shows it);
 * the status again whenever the number of live targets changed.
 */
static void notify_status(struct engine *e, bool ready)
{
	int n = targets_alive(&e->ts);

	if (!ready && n == e->status_targets)
		return;
	e->status_targets = n;
	daemon_notify("%sSTATUS=%d polic%s, %d target%s", ready ? "READY=1\n" : "", e->npols,
		      e->npols == 1 ? "y" : "ies", n, n == 1 ? "" : "s");
}

/*
 * A cgroup run follows may still bring targets: while it exists, and before
 * it has first appeared (issue 28: an empty or absent one is waited for).
 */
static bool sources_pending(const struct engine *e)
{
	for (int i = 0; i < e->npols; i++)
		for (int k = 0; k < e->pols[i]->cfg.nr_src; k++)
			if (e->pols[i]->cfg.src[k].kind == NW_SRC_CGROUP &&
			    (!e->pols[i]->src_err[k] || !e->pols[i]->src_seen[k]))
				return true;
	return false;
}

/* Run ends when every target has and no cgroup may bring more; the daemon never does. */
static bool engine_done(struct engine *e)
{
	return !e->o->daemon && !targets_alive(&e->ts) && !sources_pending(e);
}

/* SIGHUP to the daemon: the policy files again; true when a pass should run now. */
static bool engine_reload(struct engine *e)
{
	if (!hup_seen)
		return false;
	hup_seen = 0;
	daemon_notify("RELOADING=1\nMONOTONIC_USEC=%llu",
		      (unsigned long long)(nw_now_ns() / 1000));
	nw_info("reloading the policy files in %s", e->o->config_dir);
	daemon_policies_load(e, false);
	engine_watch_ages(e);
	notify_status(e, true);
	return true;
}

static int engine_loop(struct engine *e)
{
	uint64_t interval = e->o->cfg.interval_us * 1000;
	uint64_t poll_ns = quarter_interval_ns(e->o) > 1000000 ? quarter_interval_ns(e->o) : 1000000;
	uint64_t next = nw_now_ns(), next_w = next, next_v = next;

	while (!stop_sig) {
		uint64_t now, due = next < next_w ? next : next_w;
		bool changed = false;

		if (engine_wait(e, due < next_v ? due : next_v))
			return 1;
		if (engine_done(e))
			break;
		changed = engine_reload(e);
		now = nw_now_ns();
		if (now >= next_v) {	/* mapped weights maps: cheap to read often */
			next_v = now + WEIGHTS_VIEW_POLL_NS;
			for (int i = 0; i < e->npols; i++)
				if (e->pols[i]->wview)
					changed |= pol_weights_poll(e, e->pols[i], now);
		}
		if (now >= next_w || e->sources_poke) {
			bool cgroups = false;

			e->sources_poke = false;
			next_w = now + poll_ns;
			changed |= weights_poll(e, now);	/* a new table: pass at once */
			/* pid files and cgroups as often: a new target is placed at once */
			e->ts.refused_now = 0;
			for (int i = 0; i < e->npols; i++) {
				changed |= pol_sources_refresh(e, e->pols[i]) > 0;
				for (int k = 0; k < e->pols[i]->cfg.nr_src; k++)
					cgroups |= e->pols[i]->cfg.src[k].kind == NW_SRC_CGROUP;
			}
			e->ts.refused = e->ts.refused_now;	/* what the map could not take now */
			/* moves between cgroups wake the loop only while one is named */
			loader_watch_cgroups(&e->ld, cgroups);
		}
		if (now < next && !changed)
			continue;
		check_alive(e);
		if (engine_done(e))
			break;
		if (!changed) {
			interval_tick(e);
			for (int i = 0; i < e->npols; i++)
				pol_auto_tick(e, e->pols[i]);
		}
		young_tick(e, true);
		plan_pass(e, false);
		targets_reap(&e->ts);	/* exited ones: the list stays as long as the live */
		heat_drop_flush(&e->heat);	/* and their regions, in one rebuild */
		if (e->o->daemon)
			notify_status(e, false);
		if (!e->startup_logged) {
			report_startup(e, now);
			e->startup_logged = true;
		}
		report_interval(e, (nw_now_ns() - now) / 1e9);
		if (changed)
			continue;	/* the heat clock keeps its pace */
		next += interval;
		if (next < nw_now_ns())
			next = nw_now_ns() + interval;
	}
	if (stop_sig)
		nw_info("stopping on signal %d", (int)stop_sig);
	return 0;
}

static void engine_fini(struct engine *e, bool failed)
{
	ring_buffer__free(e->rb);
	move_vec_free(&e->moves);
	free(e->dirty);
	e->dirty = NULL;
	move_vec_free(&e->unknown);
	targets_free(&e->ts);
	heat_free(&e->heat);
	daemon_policies_free(e);
	node_map_free(&e->nodes);
	damon_stop(&e->damon);
	young_close(&e->young);
	nb_guard_restore(&e->nb);
	loader_close(&e->ld, failed);
}

int engine_run(struct engine_opts *o)
{
	struct engine e = { .o = o };
	bool init_failed;
	int status;

	e.t_main = nw_now_ns();
	e.exec_ms = proc_ms_since_exec();
	signals_init();
	status = engine_init(&e);
	init_failed = status != 0;
	if (!status && !o->once)
		notify_status(&e, true);
	if (!status)
		status = o->once ? engine_once(&e) : engine_loop(&e);
	daemon_notify("STOPPING=1");
	if (e.child.pid > 0) {
		/* a signal is passed on; --once or a failure ends it; else it ended by itself */
		int sig = stop_sig ? stop_sig : o->once || status ? SIGTERM : 0;
		int cs = child_finish(&e.child, sig);

		if (!o->once && !status)
			status = cs;
	}
	engine_fini(&e, init_failed);
	return status;
}
