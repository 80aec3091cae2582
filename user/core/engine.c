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
#include "core.h"
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "procfs.h"
#include "sources.h"

/* Load, pin, take the weights, follow the targets. NW_OK, or NW_FAILED / NW_REFUSED. */
static int engine_init(struct engine *e)
{
	struct engine_opts *o = e->o;
	struct loader_opts lo = {
		.pin_dir = o->pin_dir, .ringbuf_bytes = o->ringbuf_bytes,
		.no_fentry = o->no_fentry, .classic_tp = o->classic_tp, .no_damon = o->no_damon,
		.fold_ns = o->fold_us * 1000, .dry_run = o->dry_run, .max_targets = o->max_targets,
	};
	int rc;

	e->nb.orig = -1;
	if (loader_open(&e->ld, &lo))
		return NW_FAILED;
	e->ts.map_fd = e->ld.targets_fd;
	e->ts.max = e->ld.max_targets;
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
		if ((rc = o->policies_load(e, true)))
			return rc;
	} else if ((rc = run_policy_init(e))) {
		return rc;
	}
	if (node_map_load(&e->nodes))
		nw_info("no memory-block map: nodes come from move_pages(2)");
	if (heat_init(&e->heat, 1u << 22, 0.5)) {
		nw_err("cannot allocate the heat table: %s", strerror(ENOMEM));
		return NW_FAILED;
	}
	e->rb = ring_buffer__new(e->ld.events_fd, engine_on_event, e, NULL);
	if (!e->rb) {
		nw_err("cannot open the ring buffer: %s", strerror(errno));
		return NW_FAILED;
	}
	for (int i = 0; i < e->npols; i++) {
		struct pol *p = e->pols[i];

		for (int k = 0; k < p->cfg.nr_pids; k++)
			if ((rc = engine_follow(e, p, p->cfg.pids[k], false)) && !o->daemon)
				return rc == -EINVAL ? NW_REFUSED : NW_FAILED;	/* the daemon goes on */
		pol_sources_refresh(e, p);
	}
	/* shown from the start: the first pass over thousands of targets takes a while */
	e->ts.refused = e->ts.refused_now;
	e->child.out_to_err = o->json;
	if (o->cmd && (rc = child_start(&e->child, o->cmd, &e->ts, o->cfg.children))) {
		nw_err("cannot start %s: %s", o->cmd[0], strerror(-rc));
		return NW_FAILED;
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

	while (!engine_stop_signal() && nw_now_ns() - t0 < limit && !child_reap(&e->child)) {
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
		return NW_FAILED;
	}
	return 0;
}

/*
 * Targets that died without an exit event (before the programs attached, or
 * their record lost): looked up in /proc for the first passes, when records
 * were lost, and every CHECK_ALIVE_NS otherwise (issue 31: every pass, it was
 * a /proc read per target per interval).
 */
#define CHECK_ALIVE_NS (10ull * 1000000000)
static void check_alive(struct engine *e)
{
	uint64_t now = nw_now_ns(), drops = e->ld.stats->bpf.drops;

	if (e->ctl.passes > 3 && drops == e->alive_drops && now - e->alive_ns < CHECK_ALIVE_NS)
		return;
	e->alive_drops = drops;
	e->alive_ns = now;
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
	nw_sd_notify("%sSTATUS=%d polic%s, %d target%s", ready ? "READY=1\n" : "", e->npols,
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
	return !e->o->daemon && !targets_any_alive(&e->ts) && !sources_pending(e);
}

/* SIGHUP to the daemon: the policy files again; true when a pass should run now. */
static bool engine_reload(struct engine *e)
{
	if (!engine_hup_take())
		return false;
	nw_sd_notify("RELOADING=1\nMONOTONIC_USEC=%llu",
		      (unsigned long long)(nw_now_ns() / 1000));
	nw_info("reloading the policy files in %s", e->o->config_dir);
	e->o->policies_load(e, false);
	engine_watch_ages(e);
	notify_status(e, true);
	return true;
}

/*
 * A policy whose sources are all cgroups: joins come as ring-buffer records
 * (cgroup.procs written, or a process cloned into another cgroup than its
 * parent's: clone3 CLONE_INTO_CGROUP, as systemd spawns services) and a
 * target's children by fork, so cgroup.procs is read again only this often
 * (issue 31: 2,000 processes read 4 times a second), and at once on a join
 * record. Without the join programs (classic tracepoints), every quarter
 * interval as before.
 */
#define CGROUP_READ_NS (2ull * 1000000000)

static bool pol_cgroups_only(const struct pol *p)
{
	if (!p->cfg.nr_src)
		return false;
	for (int k = 0; k < p->cfg.nr_pids; k++)
		if (p->pid_held[k])
			return false;
	for (int k = 0; k < p->cfg.nr_src; k++)
		if (p->cfg.src[k].kind != NW_SRC_CGROUP || p->src_err[k] || !p->src_seen[k])
			return false;	/* a cgroup not there yet is looked for as often */
	return true;
}

static int engine_loop(struct engine *e)
{
	uint64_t interval = e->o->cfg.interval_us * 1000;
	uint64_t poll_ns = quarter_interval_ns(e->o) > 1000000 ? quarter_interval_ns(e->o) : 1000000;
	uint64_t next = nw_now_ns(), next_w = next, next_v = next;

	while (!engine_stop_signal()) {
		uint64_t now, due = next < next_w ? next : next_w;
		bool changed = false;

		if (engine_wait(e, due < next_v ? due : next_v))
			return NW_FAILED;
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
			bool cgroups = false, all = true;
			bool cg_due = e->sources_poke || !e->ld.joins || now >= e->next_cg_ns;

			e->sources_poke = false;
			next_w = now + poll_ns;
			if (cg_due)
				e->next_cg_ns = now + (CGROUP_READ_NS > poll_ns ? CGROUP_READ_NS : poll_ns);
			changed |= pols_weights_poll(e, now);	/* a new table: pass at once */
			/* pid files as often: a new target is placed at once */
			e->ts.refused_now = 0;
			for (int i = 0; i < e->npols; i++) {
				/* watched whether read now or not: the join records are the news */
				for (int k = 0; k < e->pols[i]->cfg.nr_src; k++)
					cgroups |= e->pols[i]->cfg.src[k].kind == NW_SRC_CGROUP;
				if (!cg_due && pol_cgroups_only(e->pols[i])) {
					all = false;
					continue;
				}
				changed |= pol_sources_refresh(e, e->pols[i]) > 0;
			}
			/* what the map could not take, as of a reading of every source */
			if (all)
				e->ts.refused = e->ts.refused_now;
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
	if (engine_stop_signal())
		nw_info("stopping on signal %d", engine_stop_signal());
	return 0;
}

static void engine_fini(struct engine *e, bool failed)
{
	ring_buffer__free(e->rb);
	move_vec_free(&e->moves);
	free(e->dirty);
	e->dirty = NULL;
	free(e->src_pids);
	e->src_pids = NULL;
	move_vec_free(&e->unknown);
	targets_free(&e->ts);
	heat_free(&e->heat);
	pols_free(e);
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
	signals_init(o->daemon);
	status = engine_init(&e);
	init_failed = status != 0;
	if (!status && !o->once)
		notify_status(&e, true);
	if (!status)
		status = o->once ? engine_once(&e) : engine_loop(&e);
	nw_sd_notify("STOPPING=1");
	if (e.child.pid > 0) {
		/* a signal is passed on; --once or a failure ends it; else it ended by itself */
		int sig = engine_stop_signal() ? engine_stop_signal() : o->once || status ? SIGTERM : 0;
		int cs = child_finish(&e.child, sig);

		if (!o->once && !status)
			status = cs;
	}
	engine_fini(&e, init_failed);
	return status;
}
