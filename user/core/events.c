// SPDX-License-Identifier: GPL-2.0
/*
 * events.c — signals and the ring buffer's records: stop and reload requests;
 * faults, hints, armed ranges, forks, exits, cgroup joins and DAMON results
 * taken into heat and targets.
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

int engine_stop_signal(void)
{
	return stop_sig;
}

bool engine_hup_take(void)
{
	if (!hup_seen)
		return false;
	hup_seen = 0;
	return true;
}

static void on_chld(int sig)
{
	(void)sig;
}

/* Every signal that would end the process ends the loop instead, so settings are restored. */
void signals_init(bool hup_reload)
{
	hup_reloads = hup_reload;
	static const int stop[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM };
	struct sigaction sa = { .sa_handler = on_signal };

	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		sigaction(stop[i], &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
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

int engine_on_event(void *ctx, void *data, size_t len)
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
		if (!engine_adopt(e, parent->pol, ev->tgid, ev->aux, false, &reused, NULL))
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
				   (uint64_t)ev->tid << 12, ev->aux,
				   heat_damon_age(ev->err, e->damon.sample_us));
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

void engine_consume(struct engine *e)
{
	uint64_t c0 = nw_thread_cpu_ns();

	ring_buffer__consume(e->rb);
	e->ctl.cpu_events_ns += nw_thread_cpu_ns() - c0;
}
