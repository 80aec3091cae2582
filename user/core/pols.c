// SPDX-License-Identifier: GPL-2.0
/*
 * pols.c — a policy's weights: put in force, polled from its map, set by the
 * bandwidth controller (auto); run's one policy made from its command line.
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
uint64_t quarter_interval_ns(const struct engine_opts *o)
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
		return NW_FAILED;
	}
	if (sensor_open(&p->ac->s, p->cfg.auto_spec, err, sizeof(err))) {
		nw_err("%s%s", p->label, err);	/* "policy NAME: ", for the daemon's */
		return NW_REFUSED;
	}
	autow_defaults(&ap);
	autow_init(&p->ac->a, &ap, nodes_home());
	/*
	 * The first decision an interval after the start: the first reading
	 * comes at once, as the BPF load ends, and that load (10 s under
	 * emulation, on the job's other CPU) slowed the job it reads. On the
	 * emulated tier it read home 77 % busy and the expander 27 % with
	 * every page at home, and the latency law spilled on it.
	 */
	p->ac->a.wait = 1;
	autow_weights(&p->ac->a, p->ac->s.capacity, 0, p->ac->w);
	nw_info("weights from measured bandwidth: sensor %s, home node %d, one decision an "
		"interval", p->ac->s.name, p->ac->a.home);
	sensor_log(&p->ac->s);
	return weights_write(p->weights_fd, p->ac->w) ? NW_FAILED : NW_OK;
}

/* One decision: read the sensor, take out our own migration traffic, write what it decides. */
void pol_auto_tick(struct engine *e, struct pol *p)
{
	struct autoctl *ac = p->ac;
	double traffic[NW_MAX_NODES], own[NW_MAX_NODES] = {0}, dt;
	uint64_t now = nw_now_ns(), moved = 0, resident = 0, to[NW_MAX_NODES], from[NW_MAX_NODES];
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
	/* what we moved since the last decision: read where it was, written where it went */
	for (int n = 0; n < NW_MAX_NODES; n++) {
		to[n] = e->ctl.moved_to[n] - ac->moved_to[n];
		from[n] = e->moved_from[n] - ac->moved_from[n];
		moved += to[n];
		resident += e->ctl.pages_on[n];
		ac->moved_to[n] = e->ctl.moved_to[n];
		ac->moved_from[n] = e->moved_from[n];
	}
	autow_own_traffic(to, from, ac->a.home, dt, own);
	if ((rc = sensor_read(&ac->s, traffic, err, sizeof(err)))) {
		if (!ac->said_err)
			nw_warn("bandwidth sensor: %s; weights kept", err);
		ac->said_err = true;
		return;
	}
	ac->said_err = false;
	if (!ac->paused && autow_hold(&ac->a, moved, resident))
		return;
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
bool pols_weights_poll(struct engine *e, uint64_t now)
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
		return NW_FAILED;
	}
	if (weights_read(p->weights_fd, w)) {
		nw_err("%scannot read weights: %s", p->label, strerror(errno));
		return NW_FAILED;
	}
	if (weights_zero(w)) {
		nw_err("%sno weights: %s", p->label, none_hint);
		return NW_REFUSED;
	}
	if (weights_validate(w, err, sizeof(err), &bad)) {
		nw_err("%s%sweights refused: %s", p->label, p->cfg.have_weights ? "" : "pinned ", err);
		return NW_REFUSED;
	}
	memcpy(p->ws.read, w, sizeof(w));
	pol_weights_apply(e, p, w);
	if (!p->wview && !(p->wview = weights_view(p->weights_fd)))
		nw_info("%sweights map not mmapable (pinned by an older build?): read every quarter "
			"interval", p->label);
	return 0;
}

/* run's one policy: the command line's settings on the `weights` pin. NW_OK, or NW_FAILED / NW_REFUSED. */
int run_policy_init(struct engine *e)
{
	struct pol *p = calloc(1, sizeof(*p));
	char hint[PATH_MAX + 64];
	int rc;

	if (!p) {
		nw_err("%s", strerror(ENOMEM));
		return NW_FAILED;
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

void pols_free(struct engine *e)
{
	for (int i = 0; i < e->npols; i++)
		pol_free(e->pols[i]);
	e->npols = 0;
}
