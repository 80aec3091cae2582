// SPDX-License-Identifier: GPL-2.0
/* cmd_run.c — `numaweave run`: the command line into engine options. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "core.h"
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "procfs.h"
#include "safeio.h"
#include "sensors.h"
#include "sources.h"

static const char *cmd_name = "run";	/* "daemon" while its options are read */
#define BAD(...) cmd_bad(cmd_name, __VA_ARGS__)
#define NW_CONFIG_DIR "/etc/numaweave"

/* What the command line says before it is checked. */
struct run_args {
	const char *weights, *config, *action, *quota, *interval;
	int pids[NW_MAX_PIDS], nr_pids;
	bool children;
};

static const char *warn_file = "";	/* the --config file a warning is about */

static void warn_cfg(const char *msg)
{
	nw_warn("%s: %s", warn_file, msg);
}

/* The core's result as the process's exit status (CONTRACT: 0, 1 runtime, 2 input). */
static int exit_code(int status)
{
	switch (status) {
	case NW_OK:
		return 0;
	case NW_FAILED:
		return 1;
	case NW_REFUSED:
		return 2;
	default:
		return status;	/* -- CMD's own exit status */
	}
}

/* A pid we may follow (see target_pid_check). */
static int check_pid(int pid)
{
	char err[NW_ERRLEN];
	int rc = target_pid_check(pid, err, sizeof(err));

	if (rc)
		nw_err("%s", err);
	return rc;
}

/* --pid A,B,C */
static int parse_pid_list(const char *arg, struct run_args *a)
{
	char *dup = strdup(arg), *save = NULL, err[NW_ERRLEN];
	int rc = 0;

	if (!dup)
		return BAD("%s", strerror(ENOMEM));
	for (char *tok = strtok_r(dup, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		if (a->nr_pids == NW_MAX_PIDS)
			rc = BAD("more than %d pids", NW_MAX_PIDS);
		else if (parse_pid(tok, &a->pids[a->nr_pids], err))
			rc = BAD("%s", err);
		else
			a->nr_pids++;
	}
	free(dup);
	return rc;
}

/*
 * --pid-file FILE (one pid) or --cgroup DIR (every pid in DIR and in every
 * cgroup below it; read again every quarter interval, so processes joining
 * later are followed too).
 */
static int read_pids(bool cgroup, const char *arg, struct engine_opts *o, struct run_args *a)
{
	struct nw_source src = { .kind = cgroup ? NW_SRC_CGROUP : NW_SRC_PIDFILE };
	char err[NW_ERRLEN + 4200];
	int n, rc;

	if (strlen(arg) >= sizeof(src.path))
		return BAD("%s: path longer than %zu bytes", arg, sizeof(src.path) - 1);
	snprintf(src.path, sizeof(src.path), "%s", arg);
	if (cgroup) {
		/*
		 * A cgroup is a source, read again every quarter interval: checked
		 * here (a cgroup v2 directory, not a link), its processes followed
		 * from there, however many; empty or absent, it is waited for.
		 */
		int *pids = malloc(SOURCE_MAX_PIDS * sizeof(*pids));

		if (!pids)
			return 1;
		rc = source_read(&src, pids, SOURCE_MAX_PIDS, &n, err, sizeof(err));
		free(pids);
		if (rc && rc != -ENOENT) {
			nw_err("cannot follow: %s", err);
			return 2;
		}
		if (rc)	/* said at the default verbosity: a typo would wait for ever */
			nw_warn("cgroup %s does not exist (yet): waiting for it", arg);
		else if (!n)
			nw_warn("cgroup %s holds no process yet (nor any cgroup below it): "
				"waiting for one", arg);
		if (o->cfg.nr_src == NW_MAX_SOURCES)
			return BAD("more than %d --cgroup", NW_MAX_SOURCES);
		o->cfg.src[o->cfg.nr_src++] = src;
		a->children = true;	/* what starts in the cgroup between two reads */
		return 0;
	}
	rc = source_read(&src, a->pids + a->nr_pids, NW_MAX_PIDS - a->nr_pids, &n, err,
			 sizeof(err));
	if (rc) {
		nw_err("cannot follow: %s", err);
		return 2;
	}
	a->nr_pids += n;
	return 0;
}

static int opt_ringbuf(const char *arg, struct engine_opts *o)
{
	char err[NW_ERRLEN];

	if (parse_size(arg, &o->ringbuf_bytes, err))
		return BAD("bad --ringbuf: %s", err);
	if (o->ringbuf_bytes < 4096 || (o->ringbuf_bytes & (o->ringbuf_bytes - 1)) ||
	    o->ringbuf_bytes > (1ull << 30))
		return BAD("--ringbuf must be a power of two from 4K to 1G, not %s", arg);
	return 0;
}

/* One option; -1 to go on, or an exit status. */
static int run_opt(int c, struct engine_opts *o, struct run_args *a)
{
	int rc = -1;

	switch (c) {
	case 'p': rc = parse_pid_list(optarg, a); break;
	case O_CHILDREN: a->children = true; break;
	case 'w': a->weights = optarg; break;
	case 'c': a->config = optarg; break;
	case 'a': a->action = optarg; break;
	case 'q': a->quota = optarg; break;
	case 'i': a->interval = optarg; break;
	case '1': o->once = true; break;
	case 'n': o->dry_run = true; break;
	case 'j': o->json = true; break;
	case O_PINDIR: o->pin_dir = optarg; break;
	case O_RINGBUF: rc = opt_ringbuf(optarg, o); break;
	case O_MAXTGT: {
		char *end;
		long v;

		errno = 0;
		v = strtol(optarg, &end, 10);
		if (errno || end == optarg || *end || v < 1 || v > (long)NW_MAX_TARGETS_LIMIT)
			rc = BAD("--max-targets: a number from 1 to %u, not '%s'",
				 NW_MAX_TARGETS_LIMIT, optarg);
		else
			o->max_targets = (uint32_t)v;
		break;
	}
	case O_FOLD: {
		char err[NW_ERRLEN];

		if (parse_duration(optarg, &o->fold_us, err))
			rc = BAD("bad --fold-window '%s': %s", optarg, err);
		else if (o->fold_us > 1000000)
			rc = BAD("--fold-window is at most 1s (a region's heat waits for it), "
				 "not %s", optarg);
		break;
	}
	case O_NOFENTRY: o->no_fentry = true; break;
	case O_CLASSIC: o->classic_tp = true; break;
	case O_SYSLOG: nw_log_open(true); break;
	case O_NODAMON: o->no_damon = true; break;
	case O_NOYOUNG: o->no_young = true; break;
	case O_FORCEBLIND: o->force_blind = true; break;
	case O_AFTER: {
		char err[NW_ERRLEN];

		if (parse_duration(optarg, &o->after_us, err) || !o->after_us)
			rc = BAD("bad --after '%s': %s", optarg, o->after_us ? err : "give a duration > 0");
		break;
	}
	case O_MOVERS: {
		char *end;
		long v;

		errno = 0;
		v = strtol(optarg, &end, 10);
		if (errno || end == optarg || *end || v < 1 || v > NW_MOVE_THREADS_MAX)
			rc = BAD("bad --move-threads '%s': a count from 1 to %d", optarg,
				 NW_MOVE_THREADS_MAX);
		else
			o->move_threads = (int)v;
		break;
	}
	case O_PIDFILE:
	case O_CGROUP: rc = read_pids(c == O_CGROUP, optarg, o, a); break;
	case O_NB:
		if (!strcmp(optarg, "off"))
			o->numa_balancing_off = true;
		else if (strcmp(optarg, "keep"))
			rc = BAD("bad --numa-balancing '%s' (keep, off)", optarg);
		break;
	default: return cmd_common_opt("run", c);	/* -1 (-v), 0 (--help), or 2 */
	}
	return rc ? rc : -1;
}

/* Weights from --weights or --config, checked against the machine. */
static int run_weights(struct engine_opts *o, const struct run_args *a)
{
	char err[1024];
	int badn;

	if (a->weights && a->config)
		return BAD("--weights and --config both set the weights: give one");
	warn_file = a->config;
	if (a->config && config_load_yaml(a->config, &o->cfg, warn_cfg, err, sizeof(err))) {
		nw_err("bad config %s: %s", a->config, err);
		return 2;
	}
	if (a->config && o->cfg.auto_spec[0]) {	/* the file's auto_weights */
		if (sensor_check(o->cfg.auto_spec, err, sizeof(err)))
			return BAD("bad config %s: auto_weights: %s", a->config, err);
		pol_cfg_auto_home(&o->cfg);
	}
	if (a->weights && !strncmp(a->weights, "auto", 4) &&
	    (!a->weights[4] || a->weights[4] == ':')) {
		if (sensor_check(a->weights, err, sizeof(err)))
			return BAD("bad --weights: %s", err);
		if (strlen(a->weights) >= sizeof(o->cfg.auto_spec))
			return BAD("bad --weights: '%s' too long", a->weights);
		snprintf(o->cfg.auto_spec, sizeof(o->cfg.auto_spec), "%s", a->weights);
		pol_cfg_auto_home(&o->cfg);
	} else if (a->weights) {
		if (weights_from_spec(a->weights, o->cfg.weights, err, sizeof(err)))
			return BAD("bad --weights: %s", err);
		if (weights_zero(o->cfg.weights))
			return BAD("bad --weights '%s': every weight is 0", a->weights);
		o->cfg.have_weights = true;
	}
	if (o->cfg.have_weights && weights_validate(o->cfg.weights, err, sizeof(err), &badn)) {
		nw_err("bad weights: %s", err);
		return 2;
	}
	return 0;
}

/* --action, --quota, --interval over what the config said. */
static int run_settings(struct engine_opts *o, const struct run_args *a)
{
	char err[NW_ERRLEN];

	if (a->action) {
		if (!strcmp(a->action, "migrate_hot"))
			o->cfg.action = NW_MIGRATE_HOT;
		else if (!strcmp(a->action, "migrate_cold"))
			o->cfg.action = NW_MIGRATE_COLD;
		else
			return BAD("bad --action '%s' (migrate_hot, migrate_cold)", a->action);
	}
	if (a->quota) {
		if (parse_size(a->quota, &o->cfg.quota_bytes, err))
			return BAD("bad --quota: %s", err);
		if (o->cfg.quota_bytes == UINT64_MAX)
			o->cfg.quota_bytes = 0;
		o->cfg.quota_reset_ms = 1000;
	}
	if (a->interval) {
		if (parse_duration(a->interval, &o->cfg.interval_us, err))
			return BAD("bad --interval: %s", err);
	}
	if (config_check(&o->cfg, err, sizeof(err)))
		return BAD("%s", err);
	return 0;
}

/* The targets: --pid and friends, the config's pids, or -- CMD. */
static int run_targets(struct engine_opts *o, const struct run_args *a, int argc, char **argv)
{
	int rc;

	if (a->children)
		o->cfg.children = true;
	if (a->nr_pids) {
		memcpy(o->cfg.pids, a->pids, sizeof(a->pids[0]) * a->nr_pids);
		o->cfg.nr_pids = a->nr_pids;
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--"))
			return BAD("unexpected argument '%s' (a command goes after --)", argv[optind]);
		o->cmd = &argv[optind];
		if (o->cfg.nr_pids && !a->nr_pids)
			o->cfg.nr_pids = 0;	/* -- CMD replaces the config's pids */
	}
	if (!o->cfg.nr_pids && !o->cfg.nr_src && !o->cmd)
		return BAD("run needs --pid PID, --pid-file, --cgroup or -- CMD");
	if (o->cfg.nr_pids && o->cmd)
		return BAD("give --pid or -- CMD, not both");
	if (o->json && !o->once)
		return BAD("--json goes with --once");
	if (o->after_us && !(o->once && o->cmd))
		return BAD("--after goes with --once -- CMD");
	for (int i = 0; i < o->cfg.nr_pids; i++)
		if ((rc = check_pid(o->cfg.pids[i])))
			return rc;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct engine_opts o = { .ringbuf_bytes = 8 << 20, .fold_us = NW_FOLD_NS_DEFAULT / 1000,
				 .move_threads = 1 };
	struct run_args a = {};
	int c, rc;

	config_defaults(&o.cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+vhV", nw_run_opts, NULL)) != -1)
		if ((rc = run_opt(c, &o, &a)) >= 0)
			return rc;
	if (!proc_in_init_pidns()) {
		/* the BPF side sees global tgids; pids here are this namespace's */
		nw_err("numaweave is in a pid namespace (not the host's): its pids and the "
		       "kernel's would not match; run it on the host");
		return 1;
	}
	if ((rc = run_weights(&o, &a)) || (rc = run_settings(&o, &a)) ||
	    (rc = run_targets(&o, &a, argc, argv)) || (rc = cmd_need_caps()))
		return rc;
	return exit_code(engine_run(&o));
}

/* `numaweave daemon`: the policies in --config-dir, served until a signal. */
int cmd_daemon(int argc, char **argv)
{
	struct engine_opts o = { .ringbuf_bytes = 8 << 20, .daemon = true, .move_threads = 1,
				 .policies_load = daemon_policies_load,
				 .fold_us = NW_FOLD_NS_DEFAULT / 1000,
				 .config_dir = NW_CONFIG_DIR };
	struct run_args a = {};
	int c, rc;

	cmd_name = "daemon";
	config_defaults(&o.cfg);
	o.cfg.interval_us = 1000000;	/* a service: a pass a second */
	optind = 1;
	while ((c = getopt_long(argc, argv, "+vhV", nw_daemon_opts, NULL)) != -1) {
		if (c == 'C')
			o.config_dir = optarg;
		else if (c == 'h' || c == 'V' || c == 'v' || c == '?') {
			if ((rc = cmd_common_opt("daemon", c)) >= 0)
				return rc;
		} else if ((rc = run_opt(c, &o, &a)) >= 0)
			return rc;	/* said by run_opt, pointing at daemon --help */
	}
	if (optind < argc)
		return cmd_bad("daemon", "unexpected argument '%s'", argv[optind]);
	if (a.interval && (rc = run_settings(&o, &a)))
		return rc;
	if (!proc_in_init_pidns()) {
		nw_err("numaweave is in a pid namespace (not the host's): its pids and the "
		       "kernel's would not match; run it on the host");
		return 1;
	}
	if ((rc = cmd_need_caps()))
		return rc;
	return exit_code(engine_run(&o));
}
