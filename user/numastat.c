// SPDX-License-Identifier: GPL-2.0
/*
 * numastat.c — `numaweave numastat PID...`: per-node memory of a process in
 * the layout of `numastat -p` (Huge, Heap, Stack, Private rows; MB per node),
 * from /proc/PID/numa_maps, so before/after tables need no other tool.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "parse.h"
#include "stats.h"

#define MAXN 64
enum { HUGE_ROW, HEAP_ROW, STACK_ROW, PRIV_ROW, NROWS };

static int nodes_present(int *nodes)
{
	int n = 0;
	DIR *d = opendir("/sys/devices/system/node");
	struct dirent *de;

	if (!d) {
		nodes[0] = 0;
		return 1;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "node", 4) && isdigit((unsigned char)de->d_name[4]) &&
		    n < MAXN)
			nodes[n++] = atoi(de->d_name + 4);
	closedir(d);
	for (int i = 1; i < n; i++)	/* ascending */
		for (int j = i; j > 0 && nodes[j - 1] > nodes[j]; j--) {
			int t = nodes[j];

			nodes[j] = nodes[j - 1];
			nodes[j - 1] = t;
		}
	return n;
}

static int one(int pid)
{
	double mb[NROWS][MAXN] = {{0}};
	int nodes[MAXN], nn = nodes_present(nodes);
	char path[64], comm[64] = "?", *line = NULL;
	static const char *rows[NROWS] = { "Huge", "Heap", "Stack", "Private" };
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
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

	printf("\nPer-node process memory usage (in MBs) for PID %d (%s)\n", pid, comm);
	printf("%-8s", "");
	for (int i = 0; i < nn; i++)
		printf(" %8s%-2d", "Node ", nodes[i]);
	printf(" %10s\n%-8s", "Total", "");
	for (int i = 0; i <= nn; i++)
		printf(" %10s", "----------");
	printf("\n");
	double col[MAXN] = {0}, all = 0;

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
	return 0;
}

int cmd_numastat(int argc, char **argv)
{
	int rc = 0;

	if (!argc) {
		nw_err("numastat needs at least one PID");
		return 2;
	}
	for (int i = 0; i < argc; i++) {
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
