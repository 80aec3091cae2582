// SPDX-License-Identifier: GPL-2.0
/*
 * help.c — what `numaweave CMD --help` prints: the command's synopsis, then
 * every option its getopt table takes with a sentence on it, then the syntax
 * of the values (SPEC, DURATION, SIZE, BYTES_PER_S) with examples. The option
 * list is walked from the getopt tables themselves, so an option cannot be
 * taken without being listed (one without a sentence says so, and
 * tests/help_check fails on it); the same test compares each command's
 * options with numaweave(8).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "numaweave/abi.h"
#include "parse.h"

/* One command's usage: the lines after "numaweave NAME", and one line of help. */
struct cmd_doc {
	const char *name;
	const char *usage;
	const char *help;
	const struct option *opts;	/* its getopt table, NULL for none */
};

static const struct cmd_doc docs[] = {
	{ "run",
	  "(--pid PID[,PID...] | --pid-file FILE | --cgroup DIR | -- CMD [ARG...])\n"
	  "          [--children] [--weights SPEC | --config FILE.yaml]\n"
	  "          [--action migrate_hot|migrate_cold] [--quota BYTES_PER_S]\n"
	  "          [--interval DURATION] [--once [--after DURATION]] [--dry-run] [--json]\n"
	  "          [--pin-dir DIR] [--ringbuf SIZE] [--max-targets N] [--fold-window DURATION]\n"
	  "          [--no-fentry] [--classic-tp] [--move-threads N]\n"
	  "          [--numa-balancing keep|off] [--no-damon] [--no-young] [--force-blind]\n"
	  "          [--syslog] [-v]",
	  "place the targets' memory by the weights, and again when they change", nw_run_opts },
	{ "daemon",
	  "[--config-dir DIR] [--pin-dir DIR] [--interval DURATION] [--move-threads N]\n"
	  "          [--ringbuf SIZE] [--max-targets N] [--fold-window DURATION] [--no-fentry]\n"
	  "          [--classic-tp] [--numa-balancing keep|off] [--no-damon] [--no-young]\n"
	  "          [--syslog] [-v]",
	  "the resident service: one policy per DIR/NAME.yaml (default /etc/numaweave);\n"
	  "      SIGHUP reloads them", nw_daemon_opts },
	{ "weights",
	  "[--pin-dir DIR] [--policy NAME] [SPEC | --from-kernel | --to-kernel [--force]]",
	  "show the pinned weights, or set them live; --from-kernel takes the kernel's\n"
	  "      weighted_interleave table, --to-kernel writes ours there (--force to leave\n"
	  "      the kernel's auto mode, which it may not return to)", nw_pin_opts },
	{ "status", "[--pin-dir DIR] [--policy NAME] [--json | --prometheus | --watch]",
	  "counters of the running controller, and of each policy (exit 3 when none runs)",
	  nw_pin_opts },
	{ "numastat", "PID|NAME...",
	  "per-node memory of processes, as numastat -p prints it (a NAME: every process\n"
	  "      whose comm is NAME or whose command line contains it)", NULL },
	{ "tune",
	  "--dry-run --weights auto[:SENSOR] [--home NODE] [--interval DURATION] [--count N]\n"
	  "          [--json]",
	  "what the bandwidth controller would set each interval, and why (moves nothing)",
	  nw_tune_opts },
	{ "record",
	  "[--pin-dir DIR] [--format numaweave|damo] [--interval DURATION]\n"
	  "          [--duration DURATION] [--max-size SIZE] --output FILE\n"
	  "          [-- run|daemon ARG...]",
	  "write the running controller's regions (heat, pages by node), weights and\n"
	  "      moves to FILE every interval, until a signal, the duration, the size cap\n"
	  "      or the controller's end; with -- run|daemon ARG..., start that controller\n"
	  "      on the same pin dir first, and stop it at the end (docs/record.md)",
	  nw_record_opts },
	{ "report",
	  "heatmap|placement|timeline|summary FILE [--output FILE.png|FILE.svg] [--pid PID]",
	  "a recording drawn: to the terminal in colour blocks, or with --output to PNG or\n"
	  "      SVG (gnuplot); summary is text", nw_report_opts },
	{ "version", "", "the version of numaweave", NULL },
};
#define NR_DOCS (sizeof(docs) / sizeof(docs[0]))

/*
 * A sentence on each option, by command ("*": every command that takes it).
 * The first match wins, so a command's own entry comes before "*".
 */
static const struct {
	const char *cmds, *name, *arg, *help;
} opt_docs[] = {
	{ "run", "pid", "PID[,PID...]",
	  "follow these processes (not threads, kernel threads or numaweave itself)" },
	{ "run", "pid-file", "FILE",
	  "follow the process whose pid FILE holds, read again every quarter interval "
	  "(a restarted job is followed under its new pid)" },
	{ "run", "cgroup", "DIR",
	  "follow every process in the cgroup v2 DIR and in every cgroup below it; "
	  "an empty or absent DIR is waited for; implies --children" },
	{ "run", "children", NULL, "processes a target forks become targets" },
	{ "run", "weights", "SPEC",
	  "the weights (below); without --weights or --config the pinned ones are used" },
	{ "run", "config", "FILE.yaml",
	  "damo's YAML or JSON (one scheme: dests, access pattern, quotas, filters)" },
	{ "run", "action", "migrate_hot|migrate_cold",
	  "which regions the quota serves first: the hottest, or the coldest" },
	{ "run", "quota", "BYTES_PER_S", "at most this much moved per second (default: no limit)" },
	{ "run", "interval", "DURATION",
	  "control interval (default 200ms, the daemon's 1s; at least 1ms)" },
	{ "daemon", "interval", "DURATION", "control interval (default 1s; at least 1ms)" },
	{ "tune", "interval", "DURATION",
	  "how often the sensor is read and a decision made (default 1s, at least 10ms)" },
	{ "run", "once", NULL, "one full pass over the targets' resident memory, then exit" },
	{ "run", "after", "DURATION",
	  "with --once -- CMD: start the pass this long after CMD, not once it settles" },
	{ "run", "dry-run", NULL,
	  "print what would move, per target and node; move nothing, write nothing" },
	{ "tune", "dry-run", NULL, "required: tune only says what it would set" },
	{ "run", "json", NULL, "with --once: one JSON object on stdout (docs/json.md)" },
	{ "tune", "json", NULL, "one JSON object a line instead of text" },
	{ "status", "json", NULL, "the counters as one JSON object (docs/json.md)" },
	{ "status", "prometheus", NULL,
	  "the counters in Prometheus' text format (memory in bytes)" },
	{ "record", "output", "FILE", "the recording (required; made 0600, truncated)" },
	{ "report", "output", "FILE.png|FILE.svg",
	  "draw to this image instead of the terminal (summary: write the text there)" },
	{ "record", "format", "numaweave|damo",
	  "numaweave's own format (default; docs/record.md), or damo's JSON record format "
	  "(damo report reads it)" },
	{ "record", "interval", "DURATION", "a frame this often (default 1s, 10ms to 1h)" },
	{ "record", "duration", "DURATION", "stop after this long (default: until a signal)" },
	{ "record", "max-size", "SIZE",
	  "stop when the file reaches SIZE (default 1G, at least 4K); the file stays whole" },
	{ "report", "pid", "PID", "only this target's regions" },
	{ "*", "pin-dir", "DIR",
	  "where the maps are pinned (default /sys/fs/bpf/numaweave, mode 0700)" },
	{ "weights", "policy", "NAME", "the daemon policy NAME's weights, not the default's" },
	{ "status", "policy", "NAME", "that daemon policy alone" },
	{ "status", "watch", NULL,
	  "redraw the text status every second (top-like) with move rates and per-node "
	  "bars, until Ctrl-C" },
	{ "weights", "from-kernel", NULL,
	  "copy the kernel's weighted_interleave table into the pinned weights" },
	{ "weights", "to-kernel", NULL,
	  "write the pinned weights into the kernel's weighted_interleave table" },
	{ "weights", "force", NULL,
	  "with --to-kernel: write even though it takes the kernel out of auto mode" },
	{ "daemon", "config-dir", "DIR",
	  "the policy files, NAME.yaml each (default /etc/numaweave)" },
	{ "*", "ringbuf", "SIZE", "ring buffer size, a power of two from 4K to 1G (default 8M)" },
	{ "*", "max-targets", "N",
	  "processes it can follow at once (default 32768, at most 1048576): the targets "
	  "map's entries, sized at load; ~100 bytes of kernel memory each in use" },
	{ "*", "fold-window", "DURATION",
	  "a CPU's faults in one 2 MiB region within DURATION go as one record "
	  "(default 10ms, at most 1s, 0: a record each)" },
	{ "*", "no-fentry", NULL, "do not try the fentry program on task_numa_fault" },
	{ "*", "classic-tp", NULL, "use the classic page-fault tracepoint, not tp_btf" },
	{ "*", "move-threads", "N",
	  "up to N threads (1-16, default 1) call move_pages(2) at once; for idle cores" },
	{ "*", "numa-balancing", "keep|off",
	  "keep (default): leave regions the kernel keeps pulling back to it; off: set "
	  "kernel.numa_balancing to 0 while running, restored on exit" },
	{ "*", "no-damon", NULL, "do not start a kdamond to see reads" },
	{ "*", "no-young", NULL,
	  "do not read the targets' page-table accessed bits (where DAMON does not sample)" },
	{ "run", "force-blind", NULL,
	  "run migrate_cold with an access pattern even where nothing sees reads" },
	{ "*", "syslog", NULL, "log to syslog instead of stderr" },
	{ "tune", "weights", "auto[:SENSOR]", "the sensor to decide from (SPEC, below)" },
	{ "tune", "home", "NODE",
	  "the node pages start on (default: the first node with memory and CPUs)" },
	{ "tune", "count", "N", "stop after N decisions (default: until a signal)" },
	{ "run", "verbose", NULL, "-v: a line per interval that did something (an idle "
	  "run is silent) and why sources were chosen; -vv: libbpf and every page that failed" },
	{ "daemon", "verbose", NULL, "as run's -v: a line per interval that did something; -vv: "
	  "libbpf and every page that failed" },
	{ "*", "verbose", NULL, "more messages on stderr" },
	{ "*", "help", NULL, "this text" },
	{ "*", "version", NULL, "print the version and exit" },
};

static const char *opt_help(const char *cmd, const char *name, const char **arg)
{
	for (size_t i = 0; i < sizeof(opt_docs) / sizeof(opt_docs[0]); i++)
		if (!strcmp(opt_docs[i].name, name) &&
		    (!strcmp(opt_docs[i].cmds, cmd) || !strcmp(opt_docs[i].cmds, "*"))) {
			*arg = opt_docs[i].arg;
			return opt_docs[i].help;
		}
	*arg = NULL;
	return NULL;
}

#define HELP_COL 31	/* where the sentences start */
#define HELP_WIDTH 79

/* "  LEFT   sentence", the sentence wrapped at HELP_WIDTH under HELP_COL. */
static void print_wrapped(FILE *f, const char *left, const char *text)
{
	int col = fprintf(f, "  %s", left);

	if (col >= HELP_COL - 1) {
		fputc('\n', f);
		col = 0;
	}
	while (*text) {
		size_t w = strcspn(text, " ");

		if (col > HELP_COL && col + 1 + (int)w > HELP_WIDTH) {
			fputc('\n', f);
			col = 0;
		}
		if (col < HELP_COL)
			col += fprintf(f, "%*s", HELP_COL - col, "");
		else
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", (int)w, text);
		text += w;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void print_options(const struct cmd_doc *d, FILE *f)
{
	fprintf(f, "\noptions:\n");
	for (const struct option *o = d->opts; o->name; o++) {
		const char *arg, *help;
		char left[64];

		if (d->opts == nw_pin_opts && !pin_opt_for(d->name, o->val))
			continue;
		help = opt_help(d->name, o->name, &arg);
		if (!strcmp(o->name, "verbose"))
			snprintf(left, sizeof(left), "-v, --verbose");
		else
			snprintf(left, sizeof(left), "--%s%s%s", o->name, arg ? " " : "",
				 arg ? arg : "");
		print_wrapped(f, left, help ? help : "(no description)");
	}
	if (!strcmp(d->name, "run"))
		print_wrapped(f, "-- CMD [ARG...]",
			      "start CMD and follow it; run exits with its status");
}

static void print_syntax(const char *name, FILE *f)
{
	bool run = !strcmp(name, "run") || !strcmp(name, "daemon");

	if (run || !strcmp(name, "weights") || !strcmp(name, "tune"))
		fprintf(f, "\nSPEC: NODES:W[,NODES:W...], NODES as numactl writes them (0, 0-3, "
			"0,2, all, !1),\n"
			"      W from 0 to %u (0: no share; a node with no memory cannot take one);\n"
			"      e.g. 0:3,1:1 or all:1. Or kernel (the kernel's weighted_interleave\n"
			"      table), or, for run and tune, auto[:SENSOR] (weights from measured\n"
			"      traffic; SENSOR file:PATH, resctrl[:GROUP], uncore[:PMU=NODE,...]; auto\n"
			"      alone takes uncore or resctrl, whichever opens). `numaweave weights\n"
			"      [--policy NAME] auto` resumes it after a manual edit.\n",
			NW_WEIGHT_MAX);
	if (run || !strcmp(name, "tune") || !strcmp(name, "record"))
		fprintf(f, "DURATION: a number and a unit: us, ms, s, m (or min), h; e.g. 500ms, "
			"2s, 1.5s.\n"
			"      A bare number is microseconds, as in damo's *_us fields (so\n"
			"      --interval 1 is 1 us, refused: give 1s).\n");
	if (run || !strcmp(name, "record"))
		fprintf(f, "SIZE: a number and a binary unit: B, K, M, G, T (KB, KiB, MB, MiB, ... "
			"mean the\n"
			"      same: 1K = 1024 bytes, as damo reads them); e.g. 8M, 1G.\n");
	if (run)
		fprintf(f, "BYTES_PER_S: a SIZE per second, binary: 100M is 100 MiB/s (104,857,600 B/s);\n"
			"      0 or max: no limit. Status prints it in MiB/s.\n");
}

void cmd_usage(const char *name, FILE *f)
{
	for (size_t i = 0; i < NR_DOCS; i++) {
		if (name && strcmp(name, docs[i].name))
			continue;
		fprintf(f, "%s numaweave %s %s\n", name ? "usage:" : " ", docs[i].name,
			docs[i].usage);
		if (!name) {
			fprintf(f, "      %s\n", docs[i].help);
			continue;
		}
		fprintf(f, "%s.\n", docs[i].help);
		if (docs[i].opts)
			print_options(&docs[i], f);
		print_syntax(name, f);
		fprintf(f, "\nSee numaweave(8).\n");
	}
	if (!name)
		fprintf(f, "Every command takes --help (its options, with a sentence on each) and "
			"--version.\nSee numaweave(8).\n");
}
