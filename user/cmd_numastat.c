// SPDX-License-Identifier: GPL-2.0
/*
 * numastat.c — `numaweave numastat PID...`: per-node memory of a process in
 * the layout of `numastat -p` (Huge, Heap, Stack, Private rows; MB per node),
 * from /proc/PID/numa_maps, so before/after tables need no other tool.
 */
#include <getopt.h>
#include <errno.h>
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

static void print_table(int pid, const char *comm, double mb[NROWS][MAXN])
{
	int nodes[MAXN], nn = nodes_list(nodes, MAXN);
	double col[MAXN] = {0}, all = 0;

	if (!nn)
		nodes[nn++] = 0;
	printf("\nPer-node process memory usage (in MBs) for PID %d (%s)\n", pid, comm);
	printf("%-8s", "");
	for (int i = 0; i < nn; i++)
		printf(" %8s%-2d", "Node ", nodes[i]);
	printf(" %10s\n%-8s", "Total", "");
	for (int i = 0; i <= nn; i++)
		printf(" %10s", "----------");
	printf("\n");
	for (int r = 0; r < NROWS; r++) {
		double tot = 0;

		printf("%-8s", rows[r]);
		for (int i = 0; i < nn; i++) {
			printf(" %10.2f", mb[r][nodes[i]]);
			tot += mb[r][nodes[i]];
			col[i] += mb[r][nodes[i]];
		}
		printf(" %10.2f\n", tot);
		all += tot;
	}
	printf("%-8s", "--------");
	for (int i = 0; i <= nn; i++)
		printf(" %10s", "----------");
	printf("\n%-8s", "Total");
	for (int i = 0; i < nn; i++)
		printf(" %10.2f", col[i]);
	printf(" %10.2f\n", all);
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

int cmd_numastat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1)
		if ((rc = cmd_common_opt("numastat", c)) >= 0)
			return rc;
	rc = 0;
	if (optind >= argc)
		return cmd_bad("numastat", "numastat needs at least one PID");
	for (int i = optind; i < argc; i++) {
		char err[NW_ERRLEN];
		int pid, r;

		if (parse_pid(argv[i], &pid, err)) {
			nw_err("%s", err);
			return 2;
		}
		r = one(pid);
		if (r > rc)
			rc = r;
	}
	return rc;
}
