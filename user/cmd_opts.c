// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_opts.c — the getopt table of each command, in one place: the commands
 * parse with them and help.c lists them, so neither names the other.
 */
#include <getopt.h>
#include <stddef.h>
#include "cmd.h"

const struct option nw_run_opts[] = {
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
	{ "fold-window", required_argument, NULL, O_FOLD },
	{ "no-fentry", no_argument, NULL, O_NOFENTRY },
	{ "classic-tp", no_argument, NULL, O_CLASSIC },
	{ "syslog", no_argument, NULL, O_SYSLOG },
	{ "numa-balancing", required_argument, NULL, O_NB },
	{ "pid-file", required_argument, NULL, O_PIDFILE },
	{ "cgroup", required_argument, NULL, O_CGROUP },
	{ "no-damon", no_argument, NULL, O_NODAMON },
	{ "no-young", no_argument, NULL, O_NOYOUNG },
	{ "force-blind", no_argument, NULL, O_FORCEBLIND },
	{ "after", required_argument, NULL, O_AFTER },
	{ "move-threads", required_argument, NULL, O_MOVERS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

const struct option nw_daemon_opts[] = {
	{ "config-dir", required_argument, NULL, 'C' },
	{ "pin-dir", required_argument, NULL, O_PINDIR },
	{ "interval", required_argument, NULL, 'i' },
	{ "ringbuf", required_argument, NULL, O_RINGBUF },
	{ "fold-window", required_argument, NULL, O_FOLD },
	{ "no-fentry", no_argument, NULL, O_NOFENTRY },
	{ "classic-tp", no_argument, NULL, O_CLASSIC },
	{ "syslog", no_argument, NULL, O_SYSLOG },
	{ "numa-balancing", required_argument, NULL, O_NB },
	{ "no-damon", no_argument, NULL, O_NODAMON },
	{ "no-young", no_argument, NULL, O_NOYOUNG },
	{ "move-threads", required_argument, NULL, O_MOVERS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

const struct option nw_tune_opts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "weights", required_argument, NULL, 'w' },
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'c' },
	{ "home", required_argument, NULL, 'H' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{}
};

const struct option nw_pin_opts[] = {
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
