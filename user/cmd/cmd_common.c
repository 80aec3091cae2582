// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_common.c — what every command shares: usage errors (the help text
 * itself is help.c's), --help/--version/-v, the pin-dir options of `weights` and
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

int cmd_bad(const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "numaweave: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	/* one line, not the whole synopsis (issue 28) */
	fprintf(stderr, "Try 'numaweave %s --help' for its options.\n", name ? name : "");
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
	/* the release, then what it was built from (issue 28: a git hash alone) */
	printf("numaweave %s%s%s%s\n", NW_VERSION, NW_COMMIT[0] ? " (" : "", NW_COMMIT,
	       NW_COMMIT[0] ? ")" : "");
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
	int c, rc;

	po->dir = NW_PIN_DIR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+vhV", nw_pin_opts, NULL)) != -1) {
		if (c != '?' && !pin_opt_for(name, c))	/* the other command's option */
			return cmd_bad(name, "unknown option '%s'", argv[optind - 1]);
		if (c == 'd')
			po->dir = optarg;
		else if (c == 'j' || c == 'P')
			*(c == 'j' ? &po->json : &po->prometheus) = true;
		else if (c == 'p')
			po->policy = optarg;
		else if (c == 'F' || c == 'T')
			*(c == 'F' ? &po->from_kernel : &po->to_kernel) = true;
		else if (c == 'f')
			po->force = true;
		else if (c == 'w')
			po->watch = true;
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
