// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_status.c — `numaweave status`: the running controller's counters, read
 * from its pinned maps (each map's layout is checked before it is read), as
 * text or JSON (docs/json.md). Exit 3 when no controller runs.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cmd.h"
#include "counters.h"
#include "json.h"
#include "loader.h"
#include "log.h"
#include "moves.h"
#include "parse.h"
#include "status.h"
#include "status_heat.h"
#include "version.h"

static void read_targets(const struct pin_dir *dir, struct status *st)
{
	char err[PATH_MAX + 256];
	uint32_t key, next;
	int fd = pin_open_map(dir, "targets", BPF_MAP_TYPE_HASH, sizeof(uint32_t),
			      sizeof(struct nw_target), 1, err, sizeof(err));

	if (fd < 0) {
		if (fd != -ENOENT)
			nw_warn("%s", err);
		return;
	}
	st->ntg = 0;	/* read again (status --watch) */
	for (int rc = bpf_map_get_next_key(fd, NULL, &key); !rc;
	     rc = bpf_map_get_next_key(fd, &key, &next), key = next) {
		if (st->ntg == st->tgcap) {
			int cap = st->tgcap ? 2 * st->tgcap : 1024;
			struct status_tg *n = realloc(st->tg, cap * sizeof(*n));

			if (!n) {
				nw_warn("status: %d targets listed of more: %s", st->ntg,
					strerror(ENOMEM));
				break;
			}
			st->tg = n;
			st->tgcap = cap;
		}
		if (!bpf_map_lookup_elem(fd, &key, &st->tg[st->ntg].t))
			st->tg[st->ntg++].pid = key;
	}
	close(fd);
}

/* 0, 3 when nothing is pinned, 1 on a foreign or unreadable map. */
static int status_read(const struct pin_dir *dir, struct status *st)
{
	char err[PATH_MAX + 256];
	int rc = pin_read_stats(dir, &st->s, err, sizeof(err)), fd;

	if (rc == -ENOENT)
		return 3;
	if (rc) {
		nw_err("%s", err);
		return 1;
	}
	fd = pin_open_weights(dir, NULL);
	if (fd < 0 || weights_read(fd, st->map_w))
		memset(st->map_w, 0, sizeof(st->map_w));
	if (fd >= 0)
		close(fd);
	st->running = pin_dir_busy(dir);
	read_targets(dir, st);
	return 0;
}

/* One auto controller's decision as an object; policy: its name, or NULL for none. */
static void json_auto_one(struct jw *w, const struct nw_auto *a, const char *policy)
{
	/* the map's bytes are not trusted to hold a NUL */
	char sensor[sizeof(a->sensor) + 1] = "", why[sizeof(a->why) + 1] = "";

	memcpy(sensor, a->sensor, sizeof(a->sensor));
	memcpy(why, a->why, sizeof(a->why));
	jw_start_object(w);
	if (policy)
		jw_string_field(w, "policy", policy);
	jw_string_field(w, "sensor", sensor);
	jw_bool_field(w, "paused", a->state == 2);
	jw_uint_field(w, "home", a->home);
	jw_float_field(w, "spill", a->spill_permil / 1000.0);
	jw_float_field(w, "util_home", a->u_home_permil / 1000.0);
	jw_float_field(w, "util_others", a->u_others_permil / 1000.0);
	jw_string_field(w, "law", a->law ? "latency" : "bandwidth");
	jw_uint_field(w, "latency_home_ns", a->lat_home_ns);
	jw_uint_field(w, "latency_others_ns", a->lat_others_ns);
	jw_uint_field(w, "decisions", a->decisions);
	jw_uint_field(w, "changes", a->changes);
	jw_string_field(w, "why", why);
	jw_end_object(w);
}

static void json_auto(struct jw *w, const struct nw_ctl_stats *c)
{
	jw_name(w, "auto");
	if (c->autow.state)
		json_auto_one(w, &c->autow, NULL);
	else
		jw_null(w);
	jw_name(w, "auto_policies");
	jw_start_array(w);
	for (int i = 0; i < NW_AUTO_POL && c->autow_pol[i].a.state; i++) {
		char name[sizeof(c->autow_pol[i].policy) + 1] = "";

		memcpy(name, c->autow_pol[i].policy, sizeof(c->autow_pol[i].policy));
		json_auto_one(w, &c->autow_pol[i].a, name);
	}
	jw_end_array(w);
}

/* One auto controller's line: "auto         [policy NAME: ]sensor ...". */
static void text_auto(const struct nw_auto_pol *p)
{
	const struct nw_auto *a = &p->a;
	char who[sizeof(p->policy) + 16] = "";

	if (p->policy[0])
		snprintf(who, sizeof(who), "policy %.*s: ", (int)sizeof(p->policy), p->policy);
	if (a->law)
		printf("auto         %ssensor %.48s, %s; %.1f %% of pages off node %u; loaded latency "
		       "home %u ns, others %u ns; %llu decisions, %llu changes; last: %.48s\n", who,
		       a->sensor, a->state == 2 ? "PAUSED by a manual edit" : "deciding",
		       a->spill_permil / 10.0, a->home, a->lat_home_ns, a->lat_others_ns,
		       (unsigned long long)a->decisions, (unsigned long long)a->changes, a->why);
	else
		printf("auto         %ssensor %.48s, %s; %.1f %% of pages off node %u; utilisation "
		       "home %.0f %%, others %.0f %%; %llu decisions, %llu changes; last: %.48s\n",
		       who, a->sensor, a->state == 2 ? "PAUSED by a manual edit" : "deciding",
		       a->spill_permil / 10.0, a->home, a->u_home_permil / 10.0,
		       a->u_others_permil / 10.0, (unsigned long long)a->decisions,
		       (unsigned long long)a->changes, a->why);
}

static const char *action_name(uint32_t a)
{
	return a == 1 ? "migrate_cold" : "migrate_hot";
}

/* Each policy: settings, targets and counters (issue 28: controller-wide only). */
static void json_policies(struct jw *w, const struct nw_ctl_stats *c, const char *only)
{
	jw_name(w, "policies");
	jw_start_array(w);
	for (uint32_t k = 0; k < c->npols && k < NW_POL_STATS; k++) {
		const struct nw_pol_stats *ps = &c->pols[k];
		char name[sizeof(ps->name) + 1], file[sizeof(ps->file) + 1];

		if (!pol_shown(ps, only))
			continue;
		jw_start_object(w);
		jw_string_field(w, "name", MAP_STR(name, ps->name));
		jw_string_field(w, "file", MAP_STR(file, ps->file));
		json_weights(w, "weights", ps->weights);
		jw_string_field(w, "action", action_name(ps->action));
		jw_uint_field(w, "quota_bytes_per_s", ps->quota_bytes);
		jw_uint_field(w, "quota_time_ms", ps->quota_time_ms);
		jw_bool_field(w, "paused", ps->paused);
		jw_bool_field(w, "auto", ps->auto_state != 0);
		jw_uint_field(w, "targets_count", ps->targets);
		jw_name(w, "targets");	/* those among the published target_pages */
		jw_start_array(w);
		for (int i = 0; i < NW_TPAGES && c->tpages[i].pid; i++)
			if (c->tpages[i].policy == k + 1 && !c->tpages[i].gone)
				jw_uint(w, c->tpages[i].pid);
		jw_end_array(w);
		jw_uint_field(w, "pages_moved", ps->pages_moved);
		jw_uint_field(w, "pages_failed", ps->pages_failed);
		jw_uint_field(w, "bytes_moved", ps->bytes_moved);
		json_per_node(w, "per_node", ps->pages_on, ps->weights);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void text_policies(const struct nw_ctl_stats *c, const char *only)
{
	for (uint32_t k = 0; k < c->npols && k < NW_POL_STATS; k++) {
		const struct nw_pol_stats *ps = &c->pols[k];
		char name[sizeof(ps->name) + 1], file[sizeof(ps->file) + 1], wbuf[512];
		int shown = 0;

		if (!pol_shown(ps, only))
			continue;
		format_weights(ps->weights, wbuf, sizeof(wbuf));
		printf("policy %-6s%s%s\n", MAP_STR(name, ps->name), ps->file[0] ? "" : "(run)",
		       MAP_STR(file, ps->file));
		printf("             weights %s in force%s%s; %s; quota ", wbuf,
		       ps->paused ? " (all 0: PAUSED)" : "",
		       ps->auto_state == 2 ? ", auto PAUSED by a manual edit" :
		       ps->auto_state ? ", set by auto" : "", action_name(ps->action));
		if (ps->quota_bytes)
			printf("%.1f MiB/s (binary)", ps->quota_bytes / 1048576.0);
		else
			printf("%s", ps->quota_time_ms ? "" : "unlimited");
		if (ps->quota_time_ms)
			printf("%s%llu ms of moving per %s", ps->quota_bytes ? ", " : "",
			       (unsigned long long)ps->quota_time_ms,
			       ps->quota_reset_ms == UINT64_MAX ? "run (never renewed)" : "window");
		printf("\n             %u target(s):", ps->targets);
		for (int i = 0; i < NW_TPAGES && c->tpages[i].pid; i++)
			if (c->tpages[i].policy == k + 1 && !c->tpages[i].gone) {
				printf(" %u", c->tpages[i].pid);
				shown++;
			}
		if ((uint32_t)shown < ps->targets)
			printf(" (and %u more)", ps->targets - shown);
		printf("; moved %llu pages (%.1f MiB), failed %llu; resident",
		       (unsigned long long)ps->pages_moved, ps->bytes_moved / 1048576.0,
		       (unsigned long long)ps->pages_failed);
		for (int n = 0; n < NW_MAX_NODES; n++)
			if (ps->pages_on[n] || ps->weights[n])
				printf(" n%d=%llu", n, (unsigned long long)ps->pages_on[n]);
		printf(" pages\n");
	}
}

static void json_counters(struct jw *w, const struct nw_stats *s)
{
	const struct nw_ctl_stats *c = &s->ctl;

	counters_json(w, s);	/* the scalars, from the one table */
	json_cpu(w, c);
	status_heat_json(w, s);
	json_auto(w, c);
	jw_name(w, "numa_balancing_saved");
	if (c->numa_balancing >> 63)
		jw_null(w);
	else
		jw_uint(w, c->numa_balancing);
}

static void json_lists(struct jw *w, const struct status *st)
{
	const struct nw_ctl_stats *c = &st->s.ctl;

	jw_name(w, "target_pages");
	jw_start_array(w);
	for (int i = 0; i < NW_TPAGES && c->tpages[i].pid; i++) {
		jw_start_object(w);
		jw_uint_field(w, "pid", c->tpages[i].pid);
		jw_bool_field(w, "exited", c->tpages[i].gone);
		if (c->tpages[i].policy && c->tpages[i].policy <= NW_POL_STATS) {
			char pn[sizeof(c->pols[0].name) + 1];

			jw_string_field(w, "policy",
					MAP_STR(pn, c->pols[c->tpages[i].policy - 1].name));
		} else {
			jw_name(w, "policy");
			jw_null(w);
		}
		json_per_node(w, "per_node", c->tpages[i].pages, c->weights);
		jw_name(w, "regions");
		jw_start_object(w);
		jw_uint_field(w, "hot", c->tpages[i].regions_hot);
		jw_uint_field(w, "warm", c->tpages[i].regions_warm);
		jw_uint_field(w, "idle", c->tpages[i].regions_idle);
		jw_uint_field(w, "unknown", c->tpages[i].regions_unknown);
		jw_end_object(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_name(w, "hottest");
	jw_start_array(w);
	for (int i = 0; i < NW_HOT && c->hot[i].score_x100; i++) {
		jw_start_object(w);
		jw_uint_field(w, "pid", c->hot[i].tgid);
		jw_uint_field(w, "addr", c->hot[i].addr);
		jw_float_field(w, "score", c->hot[i].score_x100 / 100.0);
		jw_uint_field(w, "events", c->hot[i].events);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_name(w, "targets");
	jw_start_array(w);
	for (int i = 0; i < st->ntg; i++) {
		jw_start_object(w);
		jw_uint_field(w, "pid", st->tg[i].pid);
		jw_uint_field(w, "parent", st->tg[i].t.parent);
		jw_uint_field(w, "faults", st->tg[i].t.faults);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void status_json(const struct status *st, bool have, const char *only)
{
	const struct nw_ctl_stats *c = &st->s.ctl;
	struct jw w;

	jw_init(&w, stdout);
	jw_start_object(&w);
	json_header(&w, "status");
	jw_bool_field(&w, "running", st->running);
	if (have) {
		jw_uint_field(&w, "controller_pid", c->pid);
		json_weights(&w, "weights", c->weights);
		jw_uint_field(&w, "weights_generation", c->weights_gen);
		json_weights(&w, "weights_map", st->map_w);
		jw_bool_field(&w, "weights_pending", c->weights_pending);
		jw_bool_field(&w, "weights_rejected", c->weights_rejected);
		json_counters(&w, &st->s);
		json_failed(&w, "failed", c->failed);
		json_per_node(&w, "per_node", c->pages_on, c->weights);
		json_per_node(&w, "moved_to", c->moved_to, c->weights);
		json_lists(&w, st);
		json_policies(&w, c, only);
	}
	jw_end_object(&w);
}

static void text_counters(const struct status *st)
{
	const struct nw_ctl_stats *c = &st->s.ctl;
	bool daemon = c->npols && c->pols[0].name[0];
	char wbuf[512], fbuf[512];

	format_weights(c->weights, wbuf, sizeof(wbuf));
	format_weights(st->map_w, fbuf, sizeof(fbuf));
	printf("controller   pid %llu (%s)\n", (unsigned long long)c->pid,
	       st->running ? "running" : "not running: these counters are from a run that ended");
	if (daemon)	/* its policies' own, below (issue 28: the first one's shown here) */
		printf("weights      per policy, below (generation %llu)\n",
		       (unsigned long long)c->weights_gen);
	else
		printf("weights      %s in force (generation %llu)%s\n", wbuf,
		       (unsigned long long)c->weights_gen,
		       c->weights_pending ? ", change pending" : "");
	if (c->weights_rejected)
		printf("             map holds %s: REFUSED (node %llu)\n", fbuf,
		       (unsigned long long)c->weights_bad_node);
	if (c->pass_errors)
		printf("warning      SOME TARGETS UNREADABLE (see the log)\n");
	counters_text(&st->s, daemon);	/* the scalars, from the one table */
	printf("failed by    ");
	for (int i = 0; i < NW_FAIL_MAX; i++)
		printf("%s %llu%s", fail_reason_name(i), (unsigned long long)c->failed[i],
		       i + 1 < NW_FAIL_MAX ? ", " : "\n");
	printf("cpu          %.2f s: scan %.2f, move %.2f, events %.2f, the rest %.2f "
	       "(start-up, sources, weights)\n", c->cpu_ns / 1e9, c->cpu_scan_ns / 1e9,
	       c->cpu_move_ns / 1e9, c->cpu_events_ns / 1e9,
	       c->cpu_ns > c->cpu_scan_ns + c->cpu_move_ns + c->cpu_events_ns ?
	       (c->cpu_ns - c->cpu_scan_ns - c->cpu_move_ns - c->cpu_events_ns) / 1e9 : 0.0);
	status_heat_text(&st->s);
	for (int i = 0; i < NW_AUTO_POL && c->autow_pol[i].a.state; i++)
		text_auto(&c->autow_pol[i]);
	if (!(c->numa_balancing >> 63))
		printf("             kernel.numa_balancing off while running (was %llu)\n",
		       (unsigned long long)c->numa_balancing);
}

static void text_nodes(const struct status *st)
{
	const struct nw_ctl_stats *c = &st->s.ctl;

	printf("%-6s %12s %12s\n", "node", "pages", "moved to");
	for (int n = 0; n < NW_MAX_NODES; n++)
		if (c->pages_on[n] || c->moved_to[n] || c->weights[n])
			printf("%-6d %12llu %12llu\n", n, (unsigned long long)c->pages_on[n],
			       (unsigned long long)c->moved_to[n]);
	for (int i = 0; i < NW_TPAGES && c->tpages[i].pid; i++) {
		printf("target %-7u", c->tpages[i].pid);
		for (int n = 0; n < NW_MAX_NODES; n++)
			if (c->tpages[i].pages[n] || c->weights[n])
				printf(" n%d=%llu", n, (unsigned long long)c->tpages[i].pages[n]);
		printf("   regions %u hot, %u warm, %u idle, %u unknown%s\n",
		       c->tpages[i].regions_hot, c->tpages[i].regions_warm,
		       c->tpages[i].regions_idle, c->tpages[i].regions_unknown,
		       c->tpages[i].gone ? " (exited)" : "");
	}
	if (c->hot[0].score_x100)
		printf("hottest      (pid, 2 MiB region, decayed events, events last interval)\n");
	for (int i = 0; i < NW_HOT && c->hot[i].score_x100; i++)
		printf("             %u %#llx %.2f %u\n", c->hot[i].tgid,
		       (unsigned long long)c->hot[i].addr, c->hot[i].score_x100 / 100.0,
		       c->hot[i].events);
	printf("targets     ");
	for (int i = 0; i < st->ntg; i++)
		printf(" %u", st->tg[i].pid);
	printf("%s\n", st->ntg ? "" : " (none)");
}

static bool policy_known(const struct nw_ctl_stats *c, const char *name)
{
	for (uint32_t k = 0; k < c->npols && k < NW_POL_STATS; k++)
		if (pol_shown(&c->pols[k], name))
			return true;
	return false;
}

static volatile sig_atomic_t watch_stop;

static void on_watch_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* Pages moved per second since the last refresh, and the nodes' shares as bars. */
static void watch_rates(const struct nw_ctl_stats *c, const struct nw_ctl_stats *prev, double dt)
{
	uint64_t all = 0;

	if (prev && dt > 0)
		printf("rate         %.0f pages/s moved, %.0f pages/s failed, %.1f%% of a core\n",
		       (c->pages_moved - prev->pages_moved) / dt,
		       (c->pages_failed - prev->pages_failed) / dt,
		       c->cpu_ns >= prev->cpu_ns ? 100.0 * (c->cpu_ns - prev->cpu_ns) / 1e9 / dt : 0.0);
	for (int n = 0; n < NW_MAX_NODES; n++)
		all += c->pages_on[n];
	for (int n = 0; all && n < NW_MAX_NODES; n++) {
		int w = (int)(50 * c->pages_on[n] / all);

		if (!c->pages_on[n] && !c->weights[n])
			continue;
		printf("node %-3d %5.1f%% |%.*s%*s| weight %u\n", n, 100.0 * c->pages_on[n] / all, w,
		       "##################################################", 50 - w, "",
		       c->weights[n]);
	}
}

/* top-like: the text status, redrawn every second until a signal. */
static int status_watch(const struct pin_dir *pd, struct status *st, const char *dir)
{
	struct nw_ctl_stats *prev = calloc(1, sizeof(*prev));
	uint64_t t_prev = 0;
	bool have_prev = false;

	if (!prev)
		return 1;
	signal(SIGINT, on_watch_stop);
	signal(SIGTERM, on_watch_stop);
	while (!watch_stop) {
		uint64_t now = nw_now_ns();
		int rc = status_read(pd, st);

		printf("\033[H\033[2J");
		if (rc == 3 || (!rc && !st->running)) {
			printf("numaweave status --watch: no controller running in %s (waiting)\n", dir);
			have_prev = false;
		} else if (!rc) {
			printf("numaweave status --watch: every 1 s, Ctrl-C quits\n");
			text_counters(st);
			watch_rates(&st->s.ctl, have_prev ? prev : NULL, (now - t_prev) / 1e9);
			text_nodes(st);
			*prev = st->s.ctl;
			t_prev = now;
			have_prev = true;
		}
		fflush(stdout);
		for (int i = 0; i < 10 && !watch_stop; i++)
			usleep(100000);
	}
	free(prev);
	return 0;
}

static int status_cmd(int argc, char **argv, struct status *st)
{
	struct pin_dir pd;
	struct pin_opts po = {};
	const char *dir;
	int rc;

	if ((rc = cmd_pin_opts("status", argc, argv, &po)) >= 0)
		return rc;
	dir = po.dir;
	if (optind < argc)
		return cmd_bad("status", "unexpected argument '%s'", argv[optind]);
	if (po.watch && (po.json || po.prometheus || po.policy))
		return cmd_bad("status", "--watch shows the text status: not with --json, "
			       "--prometheus or --policy");
	rc = pin_dir_open(&pd, dir, false);
	if (rc && rc != -ENOENT)
		return 1;
	if (po.watch) {
		if (rc == -ENOENT) {
			nw_err("no controller running (nothing pinned in %s)", dir);
			return 3;
		}
		rc = status_watch(&pd, st, dir);
		pin_dir_close(&pd);
		return rc;
	}
	rc = rc ? 3 : status_read(&pd, st);
	pin_dir_close(&pd);
	if (rc == 1)
		return 1;
	if (!rc && po.policy && !policy_known(&st->s.ctl, po.policy)) {
		nw_err("no policy '%s' in the controller of %s", po.policy, dir);
		return 2;
	}
	if (po.json)
		status_json(st, rc == 0, po.policy);
	else if (po.prometheus)
		status_prometheus(st, rc == 0, po.policy);
	else if (rc == 3)
		nw_err("no controller running (nothing pinned in %s)", dir);
	else if (po.policy) {	/* the controller's line, then that policy alone */
		printf("controller   pid %llu (%s)\n", (unsigned long long)st->s.ctl.pid,
		       st->running ? "running" : "not running: these counters are from a run that ended");
		text_policies(&st->s.ctl, po.policy);
	} else {
		text_counters(st);
		text_nodes(st);
		if (st->s.ctl.npols && st->s.ctl.pols[0].name[0])
			text_policies(&st->s.ctl, NULL);	/* the daemon's; run's is the above */
	}
	return rc == 3 || !st->running ? 3 : 0;
}

int cmd_status(int argc, char **argv)
{
	/* the stats (100 KiB) and the targets: on the heap, not a static (issue 27) */
	struct status *st = calloc(1, sizeof(*st));
	int rc;

	if (!st) {
		nw_err("status: %s", strerror(ENOMEM));
		return 1;
	}
	rc = status_cmd(argc, argv, st);
	free(st->tg);
	free(st);
	return rc;
}
