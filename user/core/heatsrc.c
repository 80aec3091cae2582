// SPDX-License-Identifier: GPL-2.0
/*
 * heatsrc.c — where heat comes from: faults always, NUMA balancing's armed
 * ranges, DAMON's kdamond, the accessed bits; each chosen, started and fed
 * for the targets followed.
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

int balancing_init(struct engine *e)
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
			return NW_FAILED;
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

static bool heat_decides(const struct engine *e);

/*
 * Whether heat should be sampled: not for --once without an access pattern
 * (heat_unused); for run, when heat decides something (an access pattern,
 * or a quota, whose moves heat orders: heat_decides); for the daemon, while
 * one of its policies has an access pattern. Without, everything misplaced
 * moves and a sampler would only take from the job: a kdamond watching a
 * 3:1 job on the emulated tier cost it 12-15 % of its throughput, numaweave
 * without one 1 % (docs/tier.md).
 */
static bool heat_wanted(const struct engine *e)
{
	if (heat_unused(e))
		return false;
	if (!e->o->daemon)
		return heat_decides(e);
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
	heat_damon_quiet();
	e->ctl.heat_sources &= ~(uint64_t)NW_HEAT_DAMON;
}

/*
 * Said once each time DAMON falls behind its schedule (no word for longer
 * than its aggregation and two intervals) and when it speaks again.
 */
static void damon_lateness(struct engine *e)
{
	uint32_t now = e->heat.now, silent = heat_damon_silent(now);
	double iv = e->o->cfg.interval_us / 1e6;

	if (!e->damon.on)
		return;
	if (silent <= heat_damon_fresh) {
		if (e->damon.late_since)
			nw_info("DAMON spoke again after %.1f s", (now + 1 - e->damon.late_since) * iv);
		e->damon.late_since = 0;
	} else if (!e->damon.late_since) {
		e->damon.late_since = heat_damon_heard;
		e->ctl.damon_late++;
		nw_info("DAMON is late: no result for %.1f s (it aggregates every %.2f s); its last "
			"results stand for %.1f s more", silent * iv,
			e->ctl.damon_sample_us * NW_DAMON_MAX_NR / 1e6,
			(NW_DAMON_LATE * heat_damon_fresh - silent) * iv);
	}
}

/*
 * The kernel tunes the kdamond's intervals: take its latest sampling interval
 * (ages convert with it as they arrive) and keep DAMON's word valid for an
 * aggregation.
 */
static void damon_follow(struct engine *e)
{
	uint64_t s = e->damon.on && e->damon.tuned ? loader_damon_sample_us(&e->ld) : 0;

	if (s != e->damon.sample_us)
		nw_debug("DAMON samples every %.1f ms now (aggregation %.1f s; auto-tuned)",
			 s / 1e3, s * NW_DAMON_MAX_NR / 1e6);
	e->damon.sample_us = s;
	e->ctl.damon_sample_us = !e->damon.on ? 0 : s ? s : NW_DAMON_SAMPLE_US;
	e->ctl.damon_regions = e->damon.on ? e->damon.min_regions : 0;
	heat_damon_span(e->o->cfg.interval_us, s);
	damon_lateness(e);
}

/*
 * The kdamond follows the targets: started when the first joins, restarted
 * with the new list when targets join or leave (a kdamond stops by itself
 * once all of its targets are gone), at most once per DAMON_RESTART_NS so
 * that a cgroup's forks do not restart it each interval.
 */
void damon_sync(struct engine *e)
{
	int pids[NW_DAMON_MAX_TARGETS], n = 0;
	uint64_t now = nw_now_ns();
	const char *why;
	char err[256];

	damon_follow(e);

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
	if (why || damon_start(&e->damon, pids, n, e->ld.damon_tune, err, sizeof(err))) {
		nw_info("DAMON not used: %s", why ? why : err);
		return;
	}
	loader_set_damon_pid(&e->ld, e->damon.kdamond_pid);
	e->ctl.heat_sources |= NW_HEAT_DAMON;
	nw_info("DAMON samples accesses of %d target(s) (kdamond %d, %s, at least %u regions over "
		"%.0f MiB; again with the new list when targets join or leave, at most every %llu s)",
		n, e->damon.kdamond_pid,
		e->damon.tuned ? "intervals tuned by the kernel from 5 ms / 100 ms"
			       : "every 5 ms, aggregating 100 ms",
		e->damon.min_regions, e->damon.span / 1048576.0, DAMON_RESTART_NS / 1000000000ull);
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
	if (!e->o->daemon && !heat_wanted(e)) {
		nw_info("DAMON not used: no access pattern or quota asks for heat (everything "
			"misplaced moves)");
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
	uint64_t young;		/* pages found accessed, over all its regions */
};

static void young_feed(void *arg, uint64_t addr, uint32_t present, uint32_t young)
{
	struct young_feed *f = arg;

	f->young += young;
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
void young_tick(struct engine *e, bool new_only)
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
		if (!e->damon.on)
			heat_damon_quiet();
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
		bool read = t->young_at, idle = false;

		/* new_only: targets just followed get their first clear now, not an interval on */
		if (t->gone || (new_only && t->young_at) ||
		    (t->young_at && since < (t->young_every ? t->young_every : 1)))
			continue;
		if (read) {
			struct young_feed f = {
				&e->heat, (uint32_t)t->pid,
				(unsigned int)(since * e->o->cfg.interval_us / NW_DAMON_AGGR_US), 0,
			};

			if (!young_read(&e->young, t->pid, young_feed, &f))
				e->ctl.young_samples++;
			idle = !f.young;
		}
		t->young_at = young_clear(t->pid) ? 0 : e->heat.now + 1;	/* gone: its exit comes */
		cost = nw_now_ns() - t0;
		nw_debug("accessed bits of %d: %.2f ms", t->pid, cost / 1e6);
		e->ctl.young_ns += cost;
		/* the first word comes an interval after the first clear, whatever it costs */
		if (read && interval_ns)
			every = cost * 100 / YOUNG_BUDGET_PCT / interval_ns + 1;
		/*
		 * Nothing of it accessed: sampled half as often, up to the freshness
		 * limit (issue 31: idle cost follows work, not the number of
		 * processes); its first access brings it back to every interval.
		 */
		if (idle && every < 2u * (t->young_every ? t->young_every : 1))
			every = 2u * (t->young_every ? t->young_every : 1);
		t->young_every = every < NW_DAMON_FRESH ? (uint32_t)every : NW_DAMON_FRESH - 1;
	}
}

/*
 * What NUMA balancing tells, by its mode now: with NUMA_BALANCING_NORMAL (1),
 * hinting faults and its arming (idle evidence). Memory tiering alone (2)
 * calls change_prot_numa() but leaves top-tier pages unarmed, so an "armed"
 * range there says nothing about them. Read again each interval.
 */
void balancing_sources(struct engine *e)
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
int heat_sources_init(struct engine *e)
{
	e->ctl.heat_sources |= NW_HEAT_FAULTS;
	engine_watch_ages(e);
	balancing_sources(e);
	damon_init(e);
	if (e->ctl.heat_sources & NW_HEAT_READS || young_wanted(e))
		return 0;
	if (e->o->daemon && damon_wanted(e))
		return 0;	/* DAMON starts as targets join */
	if (!heat_wanted(e))
		return 0;	/* nothing to warn of: heat decides nothing (or --once) */
	nw_warn("heat: first touches only: nothing here sees reads (no DAMON, NUMA balancing "
		"off); hot and cold are guesses");
	if (e->o->cfg.action == NW_MIGRATE_COLD && policy_pattern_wants_heat(&e->o->cfg) &&
	    !e->o->force_blind && !e->o->dry_run) {
		nw_err("migrate_cold with an access pattern needs a read-access signal: use a "
		       "kernel with DAMON, leave kernel.numa_balancing on, or --force-blind");
		return NW_REFUSED;
	}
	return 0;
}
