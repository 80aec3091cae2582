// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_numastat.c — `numaweave numastat PID|NAME...`: per-node memory of processes
 * in the layouts of `numastat -p`: one process, its Huge, Heap, Stack and
 * Private rows (MB per node); several, one row each and a total. A NAME
 * (not a number) names every process whose comm is NAME or whose command line
 * contains it, as numastat's patterns do. From /proc/PID/numa_maps, so
 * before/after tables need no other tool.
 */
#include <dirent.h>
#include <getopt.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "parse.h"
#include "cmd.h"
#include "nodes.h"

#define MAXN 64
enum { HUGE_ROW, HEAP_ROW, STACK_ROW, PRIV_ROW, NROWS };

static const char *rows[NROWS] = { "Huge", "Heap", "Stack", "Private" };

/* MB per row and node from /proc/PID/numa_maps; 0 or an exit status. */
static int numa_maps_read(int pid, double mb[NROWS][MAXN], char *comm, size_t commlen)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, commlen, f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/numa_maps", pid);
	f = fopen(path, "r");
	if (!f) {
		nw_err("cannot read %s: %s", path, strerror(errno));
		return errno == ENOENT ? 2 : 1;
	}
	while (getline(&line, &cap, f) > 0) {
		unsigned long long pages[MAXN] = {0};
		double kb = 4;
		int row = PRIV_ROW;

		for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
			int nid;
			unsigned long long v;

			if (!strcmp(tok, "heap"))
				row = HEAP_ROW;
			else if (!strcmp(tok, "stack"))
				row = STACK_ROW;
			else if (!strcmp(tok, "huge"))
				row = HUGE_ROW;
			else if (sscanf(tok, "N%d=%llu", &nid, &v) == 2 && nid >= 0 && nid < MAXN)
				pages[nid] = v;
			else if (sscanf(tok, "kernelpagesize_kB=%llu", &v) == 1)
				kb = (double)v;
		}
		for (int n = 0; n < MAXN; n++)
			mb[row][n] += pages[n] * kb / 1024.0;
	}
	free(line);
	fclose(f);
	return 0;
}

/* numastat's columns: a 16-wide label, two spaces, 15-wide values one space apart. */
static void head(const int *nodes, int nn)
{
	for (int i = 0; i <= nn; i++) {
		char h[24];

		snprintf(h, sizeof(h), "Node %d", i < nn ? nodes[i] : 0);
		printf("%s%15s", i ? " " : "  ", i < nn ? h : "Total");
	}
	printf("\n");
}

static int lw = 16;	/* the label column: 16, or the longest label (as numastat) */

static void rule(int nn)
{
	for (int i = 0; i < lw; i++)
		putchar('-');
	for (int i = 0; i <= nn; i++)
		printf("%s---------------", i ? " " : "  ");
	printf("\n");
}

/* label, then v[nodes[i]] for each node and their sum; the sum is returned */
static double row(const char *label, const double *v, const int *nodes, int nn)
{
	double tot = 0;

	printf("%-*s", lw, label);
	for (int i = 0; i < nn; i++) {
		printf("%s%15.2f", i ? " " : "  ", v[nodes[i]]);
		tot += v[nodes[i]];
	}
	printf("%s%15.2f\n", nn ? " " : "  ", tot);
	return tot;
}

static int node_ids(int *nodes)
{
	int nn = nodes_list(nodes, MAXN);

	if (!nn)
		nodes[nn++] = 0;
	return nn;
}

static void print_table(int pid, const char *comm, double mb[NROWS][MAXN])
{
	int nodes[MAXN], nn = node_ids(nodes);
	double col[MAXN] = {0};

	printf("\nPer-node process memory usage (in MBs) for PID %d (%s)\n%-16s", pid, comm, "");
	head(nodes, nn);
	printf("%-16s", "");
	for (int i = 0; i <= nn; i++)
		printf("%s---------------", i ? " " : "  ");
	printf("\n");
	for (int r = 0; r < NROWS; r++) {
		row(rows[r], mb[r], nodes, nn);
		for (int n = 0; n < MAXN; n++)
			col[n] += mb[r][n];
	}
	rule(nn);
	row("Total", col, nodes, nn);
}

static int one(int pid)
{
	double mb[NROWS][MAXN] = {{0}};
	char comm[64] = "?";
	int rc = numa_maps_read(pid, mb, comm, sizeof(comm));

	if (!rc)
		print_table(pid, comm, mb);
	return rc;
}

/* numastat's table for several processes: a row each, MB per node, a total row. */
static int combined(const int *pids, int n)
{
	int nodes[MAXN], nn = node_ids(nodes), rc = 0, ok = 0;
	double col[MAXN] = {0}, (*v)[MAXN] = calloc(n, sizeof(*v));
	char (*label)[96] = calloc(n, sizeof(*label));

	if (!v || !label) {
		free(v);
		free(label);
		nw_err("%s", strerror(ENOMEM));
		return 1;
	}
	for (int k = 0; k < n; k++) {
		double mb[NROWS][MAXN] = {{0}};
		char comm[64] = "?";
		int r = numa_maps_read(pids[k], mb, comm, sizeof(comm));

		if (r) {
			rc = r > rc ? r : rc;
			label[k][0] = 0;
			continue;
		}
		for (int m = 0; m < MAXN; m++) {
			for (int q = 0; q < NROWS; q++)
				v[k][m] += mb[q][m];
			col[m] += v[k][m];
		}
		snprintf(label[k], sizeof(label[k]), "%d (%s)", pids[k], comm);
		if ((int)strlen(label[k]) > lw)
			lw = strlen(label[k]);
		ok++;
	}
	if (ok) {
		printf("\nPer-node process memory usage (in MBs)\n%-*s", lw, "PID");
		head(nodes, nn);
		rule(nn);
		for (int k = 0; k < n; k++)
			if (label[k][0])
				row(label[k], v[k], nodes, nn);
		rule(nn);
		row("Total", col, nodes, nn);
	}
	free(v);
	free(label);
	return rc;
}

/* Processes whose comm is name or whose command line contains it (not us). */
static int by_name(const char *name, int *pids, int max, int *n)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) && *n < max) {
		char path[64], buf[4096] = "";
		int pid = atoi(de->d_name);
		size_t len;
		FILE *f;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if ((f = fopen(path, "re"))) {
			if (fgets(buf, sizeof(buf), f))
				buf[strcspn(buf, "\n")] = 0;
			fclose(f);
		}
		if (strcmp(buf, name)) {
			snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
			if (!(f = fopen(path, "re")))
				continue;
			len = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			for (size_t i = 0; i + 1 < len; i++)
				if (!buf[i])
					buf[i] = ' ';	/* arguments joined as ps shows them */
			buf[len] = 0;
			if (!len || !strstr(buf, name))
				continue;
		}
		pids[(*n)++] = pid;
		found++;
	}
	closedir(d);
	return found;
}

#define MAX_PIDS 4096

int cmd_numastat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static int pids[MAX_PIDS];
	int c, rc = 0, n = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1)
		if ((rc = cmd_common_opt("numastat", c)) >= 0)
			return rc;
	rc = 0;
	if (optind >= argc)
		return cmd_bad("numastat", "numastat needs at least one PID or process name");
	for (int i = optind; i < argc; i++) {
		char err[NW_ERRLEN];
		const char *a = argv[i];

		if (a[0] >= '0' && a[0] <= '9') {
			if (parse_pid(a, &pids[n], err)) {
				nw_err("%s", err);
				return 2;
			}
			if (n < MAX_PIDS)
				n++;
		} else if (by_name(a, pids, MAX_PIDS, &n) <= 0) {
			nw_err("no process matches '%s'", a);
			return 2;
		}
	}
	if (n == 1)	/* one process: its rows, as numastat -p shows one */
		return one(pids[0]);
	return combined(pids, n);
}
