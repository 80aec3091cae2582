// SPDX-License-Identifier: GPL-2.0
/*
 * report_plot.c — a recording to PNG (cairo) or SVG through gnuplot: the data
 * and a script go to a private temporary directory, gnuplot runs on them with
 * no input, and the directory goes again. heatmap and placement are images of
 * the binned matrix (recread.h) with a line where the weights changed;
 * timeline is three panels: each target's share per node against the weights'
 * share, the weights, and pages moved and failed per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "log.h"
#include "report_plot.h"

extern char **environ;

const char *plot_format(const char *path)
{
	size_t n = strlen(path);

	if (n > 4 && !strcmp(path + n - 4, ".png"))
		return "png";
	if (n > 4 && !strcmp(path + n - 4, ".svg"))
		return "svg";
	return NULL;
}

static double t_end(const struct recording *rc)
{
	double t = rc->nf ? rc->f[rc->nf - 1].t_ms / 1000.0 : 0;

	return t > 0 ? t : 1;
}

static void terminal(FILE *s, const char *fmt, const char *out, int h)
{
	if (!strcmp(fmt, "png"))
		fprintf(s, "set terminal pngcairo size 1200,%d font 'sans,10'\n", h);
	else
		fprintf(s, "set terminal svg size 1200,%d font 'sans,10' background '#ffffff'\n", h);
	fprintf(s, "set output '%s'\n", out);
}

/* A dashed line at each frame whose weights differ from the one before. */
static void weight_marks(FILE *s, const struct recording *rc)
{
	for (size_t k = 1; k < rc->nf; k++)
		if (memcmp(rc->f[k].w, rc->f[k - 1].w, sizeof(rc->f[k].w)))
			fprintf(s, "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead dt 2 lw 2 "
				"lc rgb '#000000' front\n", rc->f[k].t_ms / 1000.0,
				rc->f[k].t_ms / 1000.0);
}

static void weights_title(FILE *s, const struct recording *rc)
{
	for (size_t k = 0; k < rc->nf; k++) {
		if (k && !memcmp(rc->f[k].w, rc->f[k - 1].w, sizeof(rc->f[k].w)))
			continue;
		fputs(k ? ", " : "weights ", s);
		for (int n = 0; n < rc->nodes; n++)
			fprintf(s, "%s%u", n ? ":" : "", rc->f[k].w[n]);
		fprintf(s, " at %.1f s", rc->f[k].t_ms / 1000.0);
	}
}

static int matrix_files(FILE *d, FILE *s, const struct recording *rc, enum plot_kind kind,
			const char *dat)
{
	const float *m = kind == PLOT_HEAT ? rc->heat : rc->place;
	/* a column starts at its first frame's time and holds until the next's */
	double dx = rc->ncols > 1 ? t_end(rc) / (rc->ncols - 1) : t_end(rc);

	for (size_t r = 0; r < rc->nrowsb; r++)
		for (size_t c = 0; c < rc->ncols; c++) {
			float x = m[r * rc->ncols + c];

			/* not resident: below the scale, white (gnuplot's image drops NaN) */
			fprintf(d, "%.4f", isnan(x) ? (kind == PLOT_HEAT ? -10.0 : -0.1) : x);
			fputc(c + 1 == rc->ncols ? '\n' : ' ', d);
		}
	fprintf(s, "set title \"%s (%zu regions of 2 MiB, %zu target(s)); ",
		kind == PLOT_HEAT ? "heat" : "placement", rc->nrows, rc->ntg);
	weights_title(s, rc);
	fputs("\" noenhanced\nset xlabel 'time (s)'\nset ylabel 'resident 2 MiB regions "
	      "(by target, then address)'\n", s);
	/* a label where each target's rows start */
	fputs("set ytics (", s);
	for (size_t t = 0; t < rc->ntg; t++)
		fprintf(s, "%s\"pid %u\" %.1f", t ? ", " : "", rc->tg[t].pid,
			(double)rc->tg[t].first_row * rc->nrowsb / rc->nrows);
	fprintf(s, ")\nset xrange [0:%.3f]\nset yrange [%.1f:-0.5]\n", t_end(rc) + dx,
		rc->nrowsb - 0.5);
	if (kind == PLOT_HEAT)
		fputs("set cbrange [-10:100]\nset cbtics 0, 20\nset cblabel 'heat (0 idle .. 100 hot; "
		      "white: not resident)'\nset palette defined (-10 '#ffffff', -5 '#ffffff', -4.99 '#08306b', "
		      "0 '#08306b', 30 '#2171b5', 60 '#fee08b', 100 '#d73027')\n", s);
	else
		fprintf(s, "set cbrange [-0.1:1]\nset cbtics 0, 0.25\nset cblabel 'share of pages "
			"on nodes 1..%d (0: all on node 0; white: not resident)'\nset palette defined "
			"(-0.1 '#ffffff', -0.05 '#ffffff', -0.0499 '#2166ac', 0 '#2166ac', 0.5 '#b8e186', 1 '#d6604d')\n",
			rc->nodes - 1);
	weight_marks(s, rc);
	fprintf(s, "plot '%s' matrix using ($1*%.6f+%.6f):2:3 with image notitle\n", dat, dx,
		dx / 2);
	return 0;
}

static void timeline_files(FILE *d, FILE *s, const struct recording *rc, const char *dat)
{
	size_t nt = rc->ntg < 4 ? rc->ntg : 4;
	double wmax = 1, rmax = 1;	/* the panels' tops: gnuplot warns on an empty range */
	int col;

	for (size_t k = 0; k < rc->nf; k++) {
		const struct rec_frame *f = &rc->f[k], *p = k ? &rc->f[k - 1] : f;
		double dt = k ? (f->t_ms - p->t_ms) / 1000.0 : 0;
		uint64_t wsum = 0, mv = 0, fl = 0;

		for (int n = 0; n < rc->nodes; n++)
			wsum += f->w[n];
		fprintf(d, "%.3f", f->t_ms / 1000.0);
		for (int n = 0; n < rc->nodes; n++)
			fprintf(d, " %u %.4f", f->w[n], wsum ? 100.0 * f->w[n] / wsum : 0);
		for (size_t t = 0; t < nt; t++)
			for (int n = 0; n < rc->nodes; n++)
				fprintf(d, " %.4f", 100 * rec_share(rc, &rc->tg[t], k, n));
		for (int n = 0; n < NW_MAX_NODES; n++)
			mv += f->moved[n] - p->moved[n];
		for (int i = 0; i < NW_FAIL_MAX; i++)
			fl += f->failed[i] - p->failed[i];
		fprintf(d, " %.1f %.1f\n", dt > 0 ? mv / dt : 0, dt > 0 ? fl / dt : 0);
		for (int n = 0; n < rc->nodes; n++)
			wmax = f->w[n] > wmax ? f->w[n] : wmax;
		if (dt > 0 && (mv > fl ? mv : fl) / dt > rmax)
			rmax = (mv > fl ? mv : fl) / dt;
	}
	fputs("set multiplot layout 3,1 title \"", s);
	weights_title(s, rc);
	fprintf(s, "\" noenhanced\nset xrange [0:%.3f]\nset grid\nset key outside right\n"
		"set lmargin 12\nset rmargin 28\n", t_end(rc));
	weight_marks(s, rc);
	fputs("set ylabel 'share of pages (%)'\nset yrange [0:100]\nplot ", s);
	col = 2 + 2 * rc->nodes;
	for (size_t t = 0; t < nt; t++)
		for (int n = 0; n < rc->nodes; n++)
			fprintf(s, "%s'%s' using 1:%d with lines lw 2 title 'pid %u node %d'",
				t || n ? ", " : "", dat, col++, rc->tg[t].pid, n);
	for (int n = 0; n < rc->nodes; n++)
		fprintf(s, "%s'%s' using 1:%d with steps dt 2 lw 1 title 'weights: node %d'",
			nt ? ", " : (n ? ", " : ""), dat, 3 + 2 * n, n);
	fprintf(s, "\nset ylabel 'weight'\nset yrange [0:%.1f]\nplot ", wmax * 1.1);
	for (int n = 0; n < rc->nodes; n++)
		fprintf(s, "%s'%s' using 1:%d with steps lw 2 title 'node %d'", n ? ", " : "", dat,
			2 + 2 * n, n);
	fprintf(s, "\nset xlabel 'time (s)'\nset ylabel 'pages per second'\nset yrange [0:%.0f]\nplot "
		"'%s' using 1:%d with impulses lw 2 title 'moved', '%s' using 1:%d with impulses "
		"lw 2 title 'failed'\nunset multiplot\n", rmax * 1.1, dat, col, dat, col + 1);
}

static int run_gnuplot(const char *script)
{
	char *argv[] = { "gnuplot", (char *)script, NULL };
	posix_spawn_file_actions_t fa;
	int st, rc;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		nw_err("report: cannot run gnuplot: %s%s", strerror(rc),
		       rc == ENOENT ? " (tools/deps installs it: gnuplot-nox)" : "");
		return -rc;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		nw_err("report: gnuplot failed (its messages above)");
		return -EIO;
	}
	return 0;
}

int plot_write(const struct recording *rc, enum plot_kind kind, const char *path)
{
	char dir[] = "/tmp/numaweave-plot.XXXXXX", dat[64], scr[64];
	FILE *d = NULL, *s = NULL;
	int rc_ = 0;

	if (strpbrk(path, "'\"\n\\")) {
		nw_err("report: --output %s: quotes, backslashes and newlines are not taken", path);
		return -EINVAL;
	}
	if (!mkdtemp(dir)) {
		nw_err("report: cannot make a temporary directory: %s", strerror(errno));
		return -errno;
	}
	snprintf(dat, sizeof(dat), "%s/data", dir);
	snprintf(scr, sizeof(scr), "%s/plot.gp", dir);
	if (!(d = fopen(dat, "wex")) || !(s = fopen(scr, "wex"))) {
		rc_ = -errno;
		nw_err("report: cannot write in %s: %s", dir, strerror(errno));
	} else {
		terminal(s, plot_format(path), path, kind == PLOT_TIMELINE ? 900 : 700);
		if (kind == PLOT_TIMELINE)
			timeline_files(d, s, rc, dat);
		else
			matrix_files(d, s, rc, kind, dat);
	}
	if ((d && fclose(d)) || (s && fclose(s)))
		rc_ = rc_ ? rc_ : -EIO;
	if (!rc_)
		rc_ = run_gnuplot(scr);
	if (getenv("NUMAWEAVE_PLOT_KEEP")) {	/* to edit the plot by hand: docs/record.md */
		nw_info("report: gnuplot script and data kept in %s", dir);
		return rc_;
	}
	unlink(dat);
	unlink(scr);
	rmdir(dir);
	return rc_;
}
