// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_common.c — what every command shares: the usage text of each, usage
 * errors, --help/--version/-v, the pin-dir options of `weights` and
 * `status`, the capability check, and `version`. It names no other command's
 * code: main.c's table dispatches to them.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "loader.h"
#include "log.h"
#include "numaweave/abi.h"
#include "parse.h"
#include "version.h"

/* One command's usage: the lines after "numaweave NAME", and one line of help. */
struct cmd_doc {
	const char *name;
	const char *usage;
	const char *help;
};

static const struct cmd_doc docs[] = {
	{ "run",
	  "(--pid PID[,PID...] | --pid-file FILE | --cgroup DIR | -- CMD [ARG...])\n"
	  "          [--children] [--weights SPEC | --config FILE.yaml]\n"
	  "          [--action migrate_hot|migrate_cold] [--quota BYTES_PER_S]\n"
	  "          [--interval DURATION] [--once [--after DURATION]] [--dry-run] [--json]\n"
	  "          [--pin-dir DIR] [--ringbuf SIZE] [--fold-window DURATION]\n"
	  "          [--no-fentry] [--classic-tp] [--move-threads N]\n"
	  "          [--numa-balancing keep|off] [--no-damon] [--no-young] [--force-blind]\n"
	  "          [--syslog] [-v]",
	  "place the targets' memory by the weights, and again when they change" },
	{ "daemon",
	  "[--config-dir DIR] [--pin-dir DIR] [--interval DURATION] [--move-threads N]\n"
	  "          [--syslog] [-v]",
	  "the resident service: one policy per DIR/NAME.yaml (default /etc/numaweave);\n"
	  "      SIGHUP reloads them" },
	{ "weights",
	  "[--pin-dir DIR] [--policy NAME] [SPEC | --from-kernel | --to-kernel [--force]]",
	  "show the pinned weights, or set them live; --from-kernel takes the kernel's\n"
	  "      weighted_interleave table, --to-kernel writes ours there (--force to leave\n"
	  "      the kernel's auto mode, which it may not return to)" },
	{ "status", "[--pin-dir DIR] [--policy NAME] [--json | --prometheus]",
	  "counters of the running controller, and of each policy (exit 3 when none runs)" },
	{ "numastat", "PID|NAME...",
	  "per-node memory of processes, as numastat -p prints it (a NAME: every process\n"
	  "      whose comm is NAME or whose command line contains it)" },
	{ "tune",
	  "--dry-run --weights auto[:SENSOR] [--home NODE] [--interval DURATION] [--count N]\n"
	  "          [--json]",
	  "what the bandwidth controller would set each interval, and why (moves nothing)" },
	{ "version", "", "the version of numaweave" },
};
#define NR_DOCS (sizeof(docs) / sizeof(docs[0]))

void cmd_usage(const char *name, FILE *f)
{
	fprintf(f, "usage:\n");
	for (size_t i = 0; i < NR_DOCS; i++) {
		if (name && strcmp(name, docs[i].name))
			continue;
		fprintf(f, "  numaweave %s %s\n", docs[i].name, docs[i].usage);
		if (!name)
			fprintf(f, "      %s\n", docs[i].help);
	}
	if (!name || !strcmp(name, "run") || !strcmp(name, "weights"))
		fprintf(f, "SPEC: NODES:W[,NODES:W...] (NODES as numactl: 0, 0-3, 0,2, all, !1),\n"
			"      kernel (the kernel's weighted_interleave table), or, for run,\n"
			"      auto[:SENSOR] (weights from measured traffic: file:PATH, resctrl,\n"
			"      uncore; auto alone takes uncore or resctrl, whichever opens);\n"
			"      `numaweave weights [--policy NAME] auto` resumes it after a manual edit.\n"
			"Weights: 0..%u per node, nodes 0..%d; weight 0 = no share.\n",
			NW_WEIGHT_MAX, NW_MAX_NODES - 1);
	if (!name)
		fprintf(f, "Every command takes --help and --version. See numaweave(8).\n");
}

int cmd_bad(const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "numaweave: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	cmd_usage(name, stderr);
	return 2;
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cmd_usage("version", stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--version"))
		return cmd_bad("version", "unexpected argument '%s'", argv[1]);
	printf("numaweave %s\n", NW_VERSION);
	return 0;
}

int cmd_common_opt(const char *name, int c)
{
	switch (c) {
	case 'h':
		cmd_usage(name, stdout);
		return 0;
	case 'V':
		return cmd_version(0, NULL);
	case 'v':
		nw_verbose++;
		return -1;
	default:
		cmd_usage(name, stderr);
		return 2;
	}
}

/* Options of `weights` and `status`: --pin-dir, what each allows of the rest, and the common ones. */
int cmd_pin_opts(const char *name, int argc, char **argv, struct pin_opts *po)
{
	static const struct option opts[] = {
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "policy", required_argument, NULL, 'p' },
		{ "from-kernel", no_argument, NULL, 'F' },
		{ "to-kernel", no_argument, NULL, 'T' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool formats = !strcmp(name, "status"), policy = !strcmp(name, "weights");
	int c, rc;

	po->dir = NW_PIN_DIR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+vhV", opts, NULL)) != -1) {
		if (c == 'd')
			po->dir = optarg;
		else if ((c == 'j' || c == 'P') && formats)
			*(c == 'j' ? &po->json : &po->prometheus) = true;
		else if (c == 'p' && (policy || formats))
			po->policy = optarg;
		else if ((c == 'F' || c == 'T') && policy)
			*(c == 'F' ? &po->from_kernel : &po->to_kernel) = true;
		else if (c == 'f' && policy)
			po->force = true;
		else if (c == 'j' || c == 'P' || c == 'p' || c == 'F' || c == 'T' || c == 'f')
			return cmd_bad(name, "unknown option '%s'", argv[optind - 1]);
		else if ((rc = cmd_common_opt(name, c)) >= 0)
			return rc;
	}
	if (po->json && po->prometheus)
		return cmd_bad(name, "--json and --prometheus: give one");
	return -1;
}

int cmd_need_caps(void)
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
