/* SPDX-License-Identifier: GPL-2.0 */
/* cmd — the commands of numaweave (main.c dispatches from a table; cmd_common.c has what they share). */
#ifndef NW_CMD_H
#define NW_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

int cmd_run(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_weights(int argc, char **argv);
int cmd_numastat(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Long options without a short letter (cmd_opts.c). */
enum { O_PINDIR = 256, O_RINGBUF, O_NOFENTRY, O_CLASSIC, O_SYSLOG, O_CHILDREN, O_NB,
       O_PIDFILE, O_CGROUP, O_NODAMON, O_NOYOUNG, O_FORCEBLIND, O_AFTER, O_FOLD, O_MOVERS,
       O_MAXTGT };
/* Each command's getopt table (cmd_opts.c): its --help lists what they take (help.c). */
extern const struct option nw_run_opts[], nw_daemon_opts[], nw_tune_opts[], nw_pin_opts[],
	nw_record_opts[], nw_report_opts[];
/* Whether `weights` or `status` (cmd) takes the nw_pin_opts option whose code is val. */
bool pin_opt_for(const char *cmd, int val);
/* Usage of one command on f: synopsis, every option with a sentence, value syntax
   (help.c); NULL: every command's synopsis. */
void cmd_usage(const char *name, FILE *f);
/* "numaweave: MESSAGE" and a line pointing at the command's --help on stderr; returns 2. */
int cmd_bad(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Options every command takes: --help, --version, -v. Returns -1 to go on, or an exit status. */
int cmd_common_opt(const char *name, int c);
struct pin_opts {
	const char *dir;
	const char *policy;	/* weights --policy NAME */
	bool from_kernel, to_kernel;	/* weights: the kernel's weighted_interleave table */
	bool force;			/* weights --to-kernel: leave the kernel's auto mode */
	bool json, prometheus;	/* status */
	bool watch;		/* status --watch */
};
/* Options of `weights` and `status`: -1 to go on (optind at the rest), or an exit status. */
int cmd_pin_opts(const char *name, int argc, char **argv, struct pin_opts *po);
/* Root or the capabilities `run` needs: 0, or 1 with the missing one named. */
int cmd_need_caps(void);

#endif
