// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_opts.c — the getopt table of each command, in one place: the commands
 * parse with them and help.c lists them, so neither names the other.
 */
#include <getopt.h>
#include <stddef.h>
#include <string.h>
#include "cmd.h"

/* What every command takes. */
#define OPTS_COMMON \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }, \
	{ NULL, 0, NULL, 0 }

/* The controller's settings: run and daemon take them alike. */
#define OPTS_ENGINE \
	{ "interval", required_argument, NULL, 'i' }, \
	{ "pin-dir", required_argument, NULL, O_PINDIR }, \
	{ "numa-balancing", required_argument, NULL, O_NB }, \
	{ "no-damon", no_argument, NULL, O_NODAMON }, \
	{ "no-young", no_argument, NULL, O_NOYOUNG }, \
	{ "move-threads", required_argument, NULL, O_MOVERS }, \
	{ "ringbuf", required_argument, NULL, O_RINGBUF }, \
	{ "max-targets", required_argument, NULL, O_MAXTGT }, \
	{ "fold-window", required_argument, NULL, O_FOLD }, \
	{ "no-fentry", no_argument, NULL, O_NOFENTRY }, \
	{ "classic-tp", no_argument, NULL, O_CLASSIC }, \
	{ "syslog", no_argument, NULL, O_SYSLOG }

const struct option nw_run_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "pid-file", required_argument, NULL, O_PIDFILE },
	{ "cgroup", required_argument, NULL, O_CGROUP },
	{ "children", no_argument, NULL, O_CHILDREN },
	{ "weights", required_argument, NULL, 'w' },
	{ "config", required_argument, NULL, 'c' },
	{ "action", required_argument, NULL, 'a' },
	{ "quota", required_argument, NULL, 'q' },
	{ "once", no_argument, NULL, '1' },
	{ "after", required_argument, NULL, O_AFTER },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "json", no_argument, NULL, 'j' },
	{ "force-blind", no_argument, NULL, O_FORCEBLIND },
	OPTS_ENGINE,
	OPTS_COMMON,
};

const struct option nw_daemon_opts[] = {
	{ "config-dir", required_argument, NULL, 'C' },
	OPTS_ENGINE,
	OPTS_COMMON,
};

const struct option nw_tune_opts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "weights", required_argument, NULL, 'w' },
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'c' },
	{ "home", required_argument, NULL, 'H' },
	{ "json", no_argument, NULL, 'j' },
	OPTS_COMMON,
};

const struct option nw_pin_opts[] = {
	{ "pin-dir", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "prometheus", no_argument, NULL, 'P' },
	{ "policy", required_argument, NULL, 'p' },
	{ "from-kernel", no_argument, NULL, 'F' },
	{ "to-kernel", no_argument, NULL, 'T' },
	{ "force", no_argument, NULL, 'f' },
	{ "watch", no_argument, NULL, 'w' },
	OPTS_COMMON,
};

const struct option nw_record_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "pin-dir", required_argument, NULL, O_PINDIR },
	{ "format", required_argument, NULL, 'f' },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'D' },
	{ "max-size", required_argument, NULL, 'S' },
	OPTS_COMMON,
};

const struct option nw_report_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, 'p' },
	OPTS_COMMON,
};

bool pin_opt_for(const char *cmd, int val)
{
	const char *own = !strcmp(cmd, "weights") ? "dpFTf" : !strcmp(cmd, "status") ? "djPpw" : "";

	return val == 'v' || val == 'h' || val == 'V' || (val > 0 && val < 256 && strchr(own, val));
}
