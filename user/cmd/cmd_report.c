// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_report.c — `numaweave report heatmap|placement|timeline|summary FILE`:
 * a recording (numaweave record) drawn to the terminal in colour blocks, as
 * `damo report heatmap` does, or with --output to PNG or SVG through gnuplot
 * (report_plot.c); summary is text.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "log.h"
#include "recread.h"
#include "report_plot.h"

#define TERM_COLS 72
#define TERM_ROWS 24

static const char *const cls_name[NW_CLS_MAX] = { "hot", "warm", "idle", "unknown" };

/* A cell's colour: heat from blue (idle) to red (hot); placement from node 0 to the last. */
static int cell_colour(enum rec_value v, float x)
{
	static const int heat[] = { 17, 19, 21, 27, 33, 39, 226, 214, 208, 202, 196 };
	static const int place[] = { 27, 33, 39, 45, 51, 255, 228, 221, 214, 208, 202 };
	int i = (int)(x * 10 + 0.5f);

	if (v == REC_V_HEAT)
		i = (int)(x / 10 + 0.5f);
	i = i < 0 ? 0 : i > 10 ? 10 : i;
	return v == REC_V_HEAT ? heat[i] : place[i];
}

/* The mean of the matrix cells [r0, r1) x [c0, c1) that hold something, NAN if none. */
static float cells_mean(const struct recording *rc, const float *m, size_t r0, size_t r1,
			size_t c0, size_t c1)
{
	double s = 0;
	size_t n = 0;

	for (size_t r = r0; r < r1; r++)
		for (size_t c = c0; c < c1; c++)
			if (!isnan(m[r * rc->ncols + c]))
				s += m[r * rc->ncols + c], n++;
	return n ? (float)(s / n) : NAN;
}

static void term_matrix(const struct recording *rc, enum rec_value v)
{
	const float *m = v == REC_V_HEAT ? rc->heat : rc->place;
	size_t rows = rc->nrowsb < TERM_ROWS ? rc->nrowsb : TERM_ROWS;
	size_t cols = rc->ncols < TERM_COLS ? rc->ncols : TERM_COLS;
	bool colour = !getenv("NO_COLOR");

	printf("%s: %zu regions of %zu target(s) by %zu frames (%.1f s)\n",
	       v == REC_V_HEAT ? "heat" : "placement", rc->nrows, rc->ntg, rc->nf,
	       rc->nf ? rc->f[rc->nf - 1].t_ms / 1000.0 : 0.0);
	for (size_t r = 0; r < rows; r++) {
		size_t r0 = r * rc->nrowsb / rows, r1 = (r + 1) * rc->nrowsb / rows;
		const struct rec_row *first = &rc->rows[r0 * rc->nrows / rc->nrowsb];

		printf("%7u %12llx ", first->pid, (unsigned long long)first->addr);
		for (size_t c = 0; c < cols; c++) {
			float x = cells_mean(rc, m, r0, r1, c * rc->ncols / cols,
					     (c + 1) * rc->ncols / cols);

			if (isnan(x))
				fputc(' ', stdout);
			else if (colour)
				printf("\033[48;5;%dm \033[0m", cell_colour(v, x));
			else
				fputc(".,:-=+*#%@@"[(int)((v == REC_V_HEAT ? x / 100 : x) * 9.99f)],
				      stdout);
		}
		fputc('\n', stdout);
	}
	if (v == REC_V_HEAT)
		printf("heat: blue idle ... red hot (0-100); blank: not resident\n");
	else
		printf("placement: blue all on node 0 ... red all on node %d; blank: not resident\n",
		       rc->nodes - 1);
}

static void weights_str(const struct recording *rc, const uint32_t *w, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (int n = 0; n < rc->nodes && o < len; n++)
		o += snprintf(buf + o, len - o, "%s%u", n ? ":" : "", w[n]);
}

static void term_timeline(const struct recording *rc)
{
	size_t step = rc->nf > 40 ? (rc->nf + 39) / 40 : 1;
	char w[128];

	printf("%8s %-12s", "t (s)", "weights");
	for (size_t t = 0; t < rc->ntg && t < 4; t++)
		for (int n = 0; n < rc->nodes; n++)
			printf(" %6u:n%d", rc->tg[t].pid, n);
	printf(" %12s %10s\n", "moved/s", "failed/s");
	for (size_t k = 0; k < rc->nf; k += step) {
		const struct rec_frame *f = &rc->f[k], *p = k ? &rc->f[k - 1] : f;
		double dt = k ? (f->t_ms - p->t_ms) / 1000.0 : 1;
		uint64_t mv = 0, fl = 0;

		for (int n = 0; n < NW_MAX_NODES; n++)
			mv += f->moved[n] - p->moved[n];
		for (int i = 0; i < NW_FAIL_MAX; i++)
			fl += f->failed[i] - p->failed[i];
		weights_str(rc, f->w, w, sizeof(w));
		printf("%8.1f %-12s", f->t_ms / 1000.0, w);
		for (size_t t = 0; t < rc->ntg && t < 4; t++)
			for (int n = 0; n < rc->nodes; n++)
				printf(" %8.1f%%", 100 * rec_share(rc, &rc->tg[t], k, n));
		printf(" %12.0f %10.0f\n", dt > 0 ? mv / dt : 0, dt > 0 ? fl / dt : 0);
	}
}

static void summary(const struct recording *rc, FILE *o)
{
	const struct rec_frame *a = &rc->f[0], *z = &rc->f[rc->nf - 1];
	uint64_t moved = 0, failed = 0, peak = 0;
	double secs = (z->t_ms - a->t_ms) / 1000.0;
	char w[128];

	fprintf(o, "recording   %s\n", rc->hdr);
	fprintf(o, "frames      %zu over %.1f s%s%s\n", rc->nf, secs,
		rc->end[0] ? ", ended: " : ", no end line (the recorder was killed)", rc->end);
	for (size_t k = 0; k < rc->nf; k++) {
		if (k && memcmp(rc->f[k].w, rc->f[k - 1].w, sizeof(rc->f[k].w)) == 0)
			continue;
		weights_str(rc, rc->f[k].w, w, sizeof(w));
		fprintf(o, "weights     %s from %.1f s\n", w, rc->f[k].t_ms / 1000.0);
	}
	for (size_t i = 0; i < rc->npolw; i++) {
		weights_str(rc, rc->polw[i].w, w, sizeof(w));
		fprintf(o, "policy      %s: weights %s from %.1f s\n", rc->polw[i].name, w,
			rc->polw[i].t_ms / 1000.0);
	}
	for (int n = 0; n < NW_MAX_NODES; n++)
		moved += z->moved[n] - a->moved[n];
	for (int i = 0; i < NW_FAIL_MAX; i++)
		failed += z->failed[i] - a->failed[i];
	for (size_t k = 1; k < rc->nf; k++) {
		uint64_t mv = 0, dt = rc->f[k].t_ms - rc->f[k - 1].t_ms;

		for (int n = 0; n < NW_MAX_NODES; n++)
			mv += rc->f[k].moved[n] - rc->f[k - 1].moved[n];
		if (dt && mv * 1000 / dt > peak)
			peak = mv * 1000 / dt;
	}
	fprintf(o, "moves       %llu pages moved (%.1f MiB), %llu failed; peak %llu pages/s\n",
		(unsigned long long)moved, moved / 256.0, (unsigned long long)failed,
		(unsigned long long)peak);
	for (size_t t = 0; t < rc->ntg; t++) {
		fprintf(o, "target %-6u %u regions;", rc->tg[t].pid, rc->tg[t].nrows);
		for (int n = 0; n < rc->nodes; n++)
			fprintf(o, " n%d %.1f%% -> %.1f%%", n, 100 * rec_share(rc, &rc->tg[t], 0, n),
				100 * rec_share(rc, &rc->tg[t], rc->nf - 1, n));
		fputc('\n', o);
	}
	fprintf(o, "last frame ");
	for (int c = 0; c < NW_CLS_MAX; c++)
		fprintf(o, " %u %s", z->cls[c], cls_name[c]);
	fprintf(o, " regions%s\n", z->dropped ? " (some left out: more than the map holds)" : "");
}

static int report_parse(int argc, char **argv, const char **out, uint32_t *pid)
{
	int c, rc;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:p:vhV", nw_report_opts, NULL)) != -1) {
		if (c == 'o') {
			*out = optarg;
		} else if (c == 'p') {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !v || v > 0x7fffffff)
				return cmd_bad("report", "--pid %s: a process id", optarg);
			*pid = (uint32_t)v;
		} else if ((rc = cmd_common_opt("report", c)) >= 0) {
			return rc;
		}
	}
	if (argc - optind != 2)
		return cmd_bad("report", "give a report (heatmap, placement, timeline or summary) and a recording");
	return -1;
}

int cmd_report(int argc, char **argv)
{
	static const char *const kinds[] = { "heatmap", "placement", "timeline", "summary" };
	const char *out = NULL, *kind, *path;
	struct recording rc;
	char err[512];
	uint32_t pid = 0;
	int k, r;

	if ((r = report_parse(argc, argv, &out, &pid)) >= 0)
		return r;
	kind = argv[optind];
	path = argv[optind + 1];
	for (k = 0; k < 4 && strcmp(kind, kinds[k]); k++)
		;
	if (k == 4)
		return cmd_bad("report", "unknown report '%s' (heatmap, placement, timeline, summary)",
			       kind);
	if (out && k < 3 && !plot_format(out))
		return cmd_bad("report", "--output %s: FILE.png or FILE.svg", out);
	if ((r = rec_read(path, pid, &rc, err, sizeof(err)))) {
		nw_err("report: %s", err);
		rec_free(&rc);
		return r == -EINVAL ? 2 : 1;
	}
	if (!rc.nrows && k < 2) {
		nw_err("report: %s holds no regions%s", path, pid ? " of that pid" : "");
		rec_free(&rc);
		return 2;
	}
	r = 0;
	if (k == 3) {
		FILE *o = out ? fopen(out, "we") : stdout;

		if (!o) {
			nw_err("report: cannot write %s: %s", out, strerror(errno));
			r = 1;
		} else {
			summary(&rc, o);
			if (o != stdout && fclose(o))
				r = 1;
		}
	} else if (out) {
		r = plot_write(&rc, k == 0 ? PLOT_HEAT : k == 1 ? PLOT_PLACE : PLOT_TIMELINE, out) ? 1 : 0;
	} else if (k == 2) {
		term_timeline(&rc);
	} else {
		term_matrix(&rc, k == 0 ? REC_V_HEAT : REC_V_PLACE);
	}
	rec_free(&rc);
	return r;
}
