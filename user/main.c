// SPDX-License-Identifier: GPL-2.0
/*
 * numaweave — keep a process's hot memory spread across NUMA nodes by weight.
 * main.c: the table of commands and the dispatch (their usage text and what
 * they share are in cmd_common.c).
 */
#include <string.h>
#include "cmd.h"

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);	/* argv[0] is the command's name */
};

/* every command cmd_common.c documents, in the same order */
static const struct cmd cmds[] = {
	{ "run", cmd_run },
	{ "daemon", cmd_daemon },
	{ "weights", cmd_weights },
	{ "status", cmd_status },
	{ "numastat", cmd_numastat },
	{ "tune", cmd_tune },
	{ "record", cmd_record },
	{ "report", cmd_report },
	{ "version", cmd_version },
};
#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_usage(NULL, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		cmd_usage(NULL, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(0, NULL);
	for (size_t i = 0; i < NR_CMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	return cmd_bad(NULL, "unknown command '%s'", argv[1]);
}
