// SPDX-License-Identifier: GPL-2.0
/*
 * numaweave — keep a process's hot memory spread across NUMA nodes by weight.
 * main.c: the command line (a table of subcommands, usage on bad input).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "engine.h"
#include "loader.h"
#include "log.h"
#include "parse.h"
#include "placement.h"
#include "stats.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage:\n"
		"  numaweave run      (--pid PID[,PID...] | --pid-file FILE | --cgroup DIR |\n"
		"                      -- CMD [ARG...]) [--children]\n"
		"                     [--weights NID:W[,NID:W...] | --config FILE.yaml]\n"
		"                     [--action migrate_hot|migrate_cold] [--quota BYTES_PER_S]\n"
		"                     [--interval DURATION] [--once] [--dry-run] [--json]\n"
		"                     [--pin-dir DIR] [--ringbuf SIZE] [--no-fentry] [--classic-tp]\n"
		"                     [--numa-balancing keep|off] [--syslog] [-v]\n"
		"  numaweave weights  [--pin-dir DIR] [NID:W ...]   show, or set live\n"
		"  numaweave status   [--pin-dir DIR] [--json]      counters of the running controller\n"
		"  numaweave numastat PID...                        per-node pages, like numastat -p\n"
		"Weights: 0..%u per node, nodes 0..%d; weight 0 = no share.\n",
		NW_WEIGHT_MAX, NW_MAX_NODES - 1);
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "numaweave: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}

static void warn_cfg(const char *msg)
{
	nw_warn("%s", msg);
}

/* A pid we may follow: exists, is a process (not a thread), not a kernel thread, not us. */
static int check_pid(int pid)
{
	char p[64], buf[1024], *s;
	unsigned long flags = 0;
	int tgid;
	FILE *f;

	if (pid == getpid()) {
		nw_err("pid %d is numaweave itself: refusing to follow it", pid);
		return 2;
	}
	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	f = fopen(p, "r");
	if (!f) {
		nw_err("pid %d does not exist", pid);
		return 2;
	}
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	s = s ? strrchr(buf, ')') : NULL;
	/* fields after comm: state ppid pgrp session tty tpgid flags */
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1) {
		nw_err("cannot read %s", p);
		return 1;
	}
	if (flags & 0x00200000) {	/* PF_KTHREAD */
		nw_err("pid %d is a kernel thread: it has no user memory to place", pid);
		return 2;
	}
	tgid = proc_tgid(pid);
	if (tgid >= 0 && tgid != pid) {
		nw_err("pid %d is a thread of process %d: name the process", pid, tgid);
		return 2;
	}
	return 0;
}

/* --pid-file FILE (one pid) or --cgroup DIR (every pid in DIR/cgroup.procs). */
static int read_pids(bool cgroup, const char *arg, int *pids, int *n)
{
	char path[4096], line[64], err[NW_ERRLEN];
	FILE *f;
	int got = 0;

	snprintf(path, sizeof(path), cgroup ? "%s/cgroup.procs" : "%s", arg);
	f = fopen(path, "r");
	if (!f) {
		nw_err("cannot read %s: %s", path, strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		if (*n == NW_MAX_PIDS || parse_pid(line, &pids[*n], err)) {
			nw_err("%s: %s", path, *n == NW_MAX_PIDS ? "more than 64 pids" : err);
			fclose(f);
			return 2;
		}
		(*n)++;
		got++;
		if (!cgroup)
			break;
	}
	fclose(f);
	if (!got) {
		nw_err("%s holds no pid", path);
		return 2;
	}
	return 0;
}

static int need_caps(void)
{
	const char *missing = NULL;

	if (caps_check(&missing)) {
		nw_err("needs root or %s (missing %s)",
		       "CAP_BPF, CAP_PERFMON, CAP_SYS_NICE and CAP_SYS_PTRACE",
		       missing ? missing : "capabilities");
		return 1;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	enum { O_PINDIR = 256, O_RINGBUF, O_NOFENTRY, O_CLASSIC, O_SYSLOG, O_CHILDREN, O_NB,
	       O_PIDFILE, O_CGROUP };
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "children", no_argument, NULL, O_CHILDREN },
		{ "weights", required_argument, NULL, 'w' },
		{ "config", required_argument, NULL, 'c' },
		{ "action", required_argument, NULL, 'a' },
		{ "quota", required_argument, NULL, 'q' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "pin-dir", required_argument, NULL, O_PINDIR },
		{ "ringbuf", required_argument, NULL, O_RINGBUF },
		{ "no-fentry", no_argument, NULL, O_NOFENTRY },
		{ "classic-tp", no_argument, NULL, O_CLASSIC },
		{ "syslog", no_argument, NULL, O_SYSLOG },
		{ "numa-balancing", required_argument, NULL, O_NB },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct engine_opts o = { .ringbuf_bytes = 8 << 20 };
	const char *weights = NULL, *config = NULL, *action = NULL, *quota = NULL,
		   *interval = NULL;
	int cli_pids[NW_MAX_PIDS], nr_cli = 0, c, rc;
	bool children = false;
	char err[512];

	config_defaults(&o.cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *dup = strdup(optarg), *save = NULL;

			for (char *tok = strtok_r(dup, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (nr_cli == NW_MAX_PIDS) {
					free(dup);
					return bad("more than %s pids", "64");
				}
				if (parse_pid(tok, &cli_pids[nr_cli], err)) {
					free(dup);
					return bad("%s", err);
				}
				nr_cli++;
			}
			free(dup);
			break;
		}
		case O_CHILDREN: children = true; break;
		case 'w': weights = optarg; break;
		case 'c': config = optarg; break;
		case 'a': action = optarg; break;
		case 'q': quota = optarg; break;
		case 'i': interval = optarg; break;
		case '1': o.once = true; break;
		case 'n': o.dry_run = true; break;
		case 'j': o.json = true; break;
		case O_PINDIR: o.pin_dir = optarg; break;
		case O_RINGBUF:
			if (parse_size(optarg, &o.ringbuf_bytes, err))
				return bad("bad --ringbuf: %s", err);
			if (o.ringbuf_bytes < 4096 || (o.ringbuf_bytes & (o.ringbuf_bytes - 1)) ||
			    o.ringbuf_bytes > (1ull << 30))
				return bad("--ringbuf must be a power of two from 4K to 1G, not %s",
					   optarg);
			break;
		case O_NOFENTRY: o.no_fentry = true; break;
		case O_CLASSIC: o.classic_tp = true; break;
		case O_SYSLOG: nw_log_open(true); break;
		case O_PIDFILE:
		case O_CGROUP:
			if ((rc = read_pids(c == O_CGROUP, optarg, cli_pids, &nr_cli)))
				return rc;
			if (c == O_CGROUP)
				children = true;	/* what starts in the cgroup later */
			break;
		case O_NB:
			if (!strcmp(optarg, "off"))
				o.numa_balancing_off = true;
			else if (strcmp(optarg, "keep"))
				return bad("bad --numa-balancing '%s' (keep, off)", optarg);
			break;
		case 'v': nw_verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (weights && config)
		return bad("%s", "--weights and --config both set the weights: give one");
	if (config) {
		if (config_load_yaml(config, &o.cfg, warn_cfg, err, sizeof(err))) {
			nw_err("bad config %s: %s", config, err);
			return 2;
		}
	}
	if (weights) {
		if (parse_weights(weights, o.cfg.weights, err))
			return bad("bad --weights: %s", err);
		if (weights_zero(o.cfg.weights))
			return bad("bad --weights '%s': every weight is 0", weights);
		o.cfg.have_weights = true;
	}
	if (o.cfg.have_weights) {
		int badn;

		if (weights_validate(o.cfg.weights, err, sizeof(err), &badn)) {
			nw_err("bad weights: %s", err);
			return 2;
		}
	}
	if (action) {
		if (!strcmp(action, "migrate_hot"))
			o.cfg.action = NW_MIGRATE_HOT;
		else if (!strcmp(action, "migrate_cold"))
			o.cfg.action = NW_MIGRATE_COLD;
		else
			return bad("bad --action '%s' (migrate_hot, migrate_cold)", action);
	}
	if (quota) {
		if (parse_size(quota, &o.cfg.quota_bytes, err))
			return bad("bad --quota: %s", err);
		if (o.cfg.quota_bytes == UINT64_MAX)
			o.cfg.quota_bytes = 0;
		o.cfg.quota_reset_ms = 1000;
	}
	if (interval) {
		if (parse_duration(interval, &o.cfg.interval_us, err))
			return bad("bad --interval: %s", err);
		if (o.cfg.interval_us < 1000 || o.cfg.interval_us == UINT64_MAX)
			return bad("--interval must be at least 1 ms, not %s", interval);
	}
	if (children)
		o.cfg.children = true;
	if (nr_cli) {
		memcpy(o.cfg.pids, cli_pids, sizeof(cli_pids[0]) * nr_cli);
		o.cfg.nr_pids = nr_cli;
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--"))
			return bad("unexpected argument '%s' (a command goes after --)", argv[optind]);
		o.cmd = &argv[optind];
		if (o.cfg.nr_pids && !nr_cli)
			o.cfg.nr_pids = 0;	/* -- CMD replaces the config's pids */
	}
	if (!o.cfg.nr_pids && !o.cmd)
		return bad("%s", "run needs --pid PID, --pid-file, --cgroup or -- CMD");
	if (o.cfg.nr_pids && o.cmd)
		return bad("%s", "give --pid or -- CMD, not both");
	if (o.json && !o.once)
		return bad("%s", "--json goes with --once");
	for (int i = 0; i < o.cfg.nr_pids; i++)
		if ((rc = check_pid(o.cfg.pids[i])))
			return rc;
	if ((rc = need_caps()))
		return rc;
	return engine_run(&o);
}

static int pin_dir_opt(int *argc, char ***argv, const char **dir, bool *json)
{
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		char *a = (*argv)[i];

		if (!strcmp(a, "--pin-dir")) {
			if (i + 1 >= *argc)
				return bad("%s", "--pin-dir needs a directory");
			*dir = (*argv)[++i];
		} else if (!strncmp(a, "--pin-dir=", 10)) {
			*dir = a + 10;
		} else if (json && !strcmp(a, "--json")) {
			*json = true;
		} else if (!strcmp(a, "-v")) {
			nw_verbose++;
		} else if (a[0] == '-' && !(a[1] >= '0' && a[1] <= '9')) {
			return bad("unknown option '%s'", a);
		} else {
			(*argv)[out++] = a;
		}
	}
	*argc = out;
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = NW_PIN_DIR;
	bool json = false;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "weights")) {
		argc -= 2;
		argv += 2;
		if ((rc = pin_dir_opt(&argc, &argv, &dir, NULL)))
			return rc;
		if (geteuid() != 0 && need_caps())
			return 1;
		return cmd_weights(dir, argc, argv);
	}
	if (!strcmp(argv[1], "status")) {
		argc -= 2;
		argv += 2;
		if ((rc = pin_dir_opt(&argc, &argv, &dir, &json)))
			return rc;
		if (argc)
			return bad("unexpected argument '%s'", argv[0]);
		return cmd_status(dir, json);
	}
	if (!strcmp(argv[1], "numastat"))
		return cmd_numastat(argc - 2, argv + 2);
	return bad("unknown command '%s'", argv[1]);
}
