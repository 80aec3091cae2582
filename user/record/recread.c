// SPDX-License-Identifier: GPL-2.0
/*
 * recread.c — a recording read back (recread.h). Two passes over the file:
 * the first finds the frames and every region ever recorded (the matrix's
 * rows), the second replays the frames. The matrix is binned to at most
 * REC_MAX_COLS frames by REC_MAX_ROWS rows, a cell the mean of what it holds,
 * so an hour of a 64 GiB target draws in bounded memory. A last line cut off
 * (the recorder killed while writing) ends the recording there.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "recread.h"

#define REC_MAX_COLS 1200
#define REC_MAX_ROWS 2048
#define LINE_MAX_LEN 4096

static int row_cmp(const void *a, const void *b)
{
	const struct rec_row *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

float rec_place_value(const struct nw_rec_region *r, uint64_t other, int nodes)
{
	double sum = 0;
	int named = nodes < NW_REC_NODES ? nodes : NW_REC_NODES;

	if (!r->pages || nodes < 2)
		return 0;
	for (int n = 1; n < named; n++)
		sum += (double)r->on[n] * n;
	sum += (double)other * (nodes - 1);	/* past the named nodes: counted as the last */
	return (float)(sum / r->pages / (nodes - 1));
}

double rec_share(const struct recording *rc, const struct rec_target *t, size_t k, int n)
{
	uint64_t all = 0;

	for (int i = 0; i < rc->nodes; i++)
		all += t->pages[k * rc->nodes + i];
	return all ? (double)t->pages[k * rc->nodes + n] / all : 0;
}

/* Each whole line of f to fn; stops at the first malformed or cut-off line. */
static int each_line(FILE *f, int nodes, int (*fn)(void *, const struct rec_item *), void *ctx,
		     char *err, size_t errlen)
{
	static char line[LINE_MAX_LEN];
	struct rec_item *it = calloc(1, sizeof(*it));
	uint64_t no = 0;
	int rc = 0;

	if (!it)
		return -ENOMEM;
	rewind(f);
	while (!rc && fgets(line, sizeof(line), f)) {
		no++;
		if (!strchr(line, '\n'))
			break;	/* cut off: the recording ends at the last whole line */
		if (rec_parse_line(line, nodes, it)) {
			snprintf(err, errlen, "line %llu: not a recording line: %.60s",
				 (unsigned long long)no, line);
			rc = -EINVAL;
		} else if (it->kind != REC_NONE) {
			rc = fn(ctx, it);
		}
	}
	free(it);
	return rc;
}

struct scan1 {
	struct recording *rc;
	uint32_t pid;
	size_t cap;
	bool hdr;
};

static int first_pass(void *ctx, const struct rec_item *it)
{
	struct scan1 *s = ctx;
	struct recording *rc = s->rc;

	if (it->kind == REC_HDR && !s->hdr) {
		s->hdr = true;
		snprintf(rc->hdr, sizeof(rc->hdr), "%s", it->text);
		rc->nodes = (int)rec_hdr_num(it->text, "nodes", 2);
		rc->interval_ms = rec_hdr_num(it->text, "interval_ms", 1000);
		if (rc->nodes < 1 || rc->nodes > NW_MAX_NODES)
			return -EINVAL;
	} else if (it->kind == REC_FRAME) {
		rc->nf++;
	} else if (it->kind == REC_REGION && (!s->pid || it->r.pid == s->pid)) {
		if (rc->nrows == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 4096;
			struct rec_row *n = realloc(rc->rows, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			rc->rows = n;
			s->cap = cap;
		}
		rc->rows[rc->nrows++] = (struct rec_row){ it->r.pid, it->r.addr };
	} else if (it->kind == REC_END) {
		snprintf(rc->end, sizeof(rc->end), "%s", it->text);
	}
	return 0;
}

static int rows_index(struct recording *rc)
{
	size_t n = 0;

	if (rc->nrows)
		qsort(rc->rows, rc->nrows, sizeof(*rc->rows), row_cmp);
	for (size_t i = 0; i < rc->nrows; i++)
		if (!n || row_cmp(&rc->rows[i], &rc->rows[n - 1]))
			rc->rows[n++] = rc->rows[i];
	rc->nrows = n;
	for (size_t i = 0; i < n; i++) {
		if (rc->ntg && rc->tg[rc->ntg - 1].pid == rc->rows[i].pid) {
			rc->tg[rc->ntg - 1].nrows++;
			continue;
		}
		struct rec_target *t = realloc(rc->tg, (rc->ntg + 1) * sizeof(*t));

		if (!t)
			return -ENOMEM;
		rc->tg = t;
		t[rc->ntg] = (struct rec_target){ rc->rows[i].pid, NULL, (uint32_t)i, 1 };
		if (!(t[rc->ntg].pages = calloc(rc->nf * rc->nodes + 1, sizeof(uint64_t))))
			return -ENOMEM;
		rc->ntg++;
	}
	return 0;
}

/* The replay: every row's region as last written, and the binned matrix's sums. */
struct replay {
	struct recording *rc;
	struct nw_rec_region *cur;
	uint64_t *other;
	bool *present;
	size_t k;		/* frames finished */
	bool open;		/* a frame is being read */
	struct rec_frame fr;	/* the frame being read */
	double *hsum, *psum;
	uint32_t *cnt;
	size_t ncols, nrowsb;
};

static void frame_close(struct replay *p)
{
	struct recording *rc = p->rc;
	size_t col = p->k * p->ncols / rc->nf;

	memset(p->fr.cls, 0, sizeof(p->fr.cls));
	for (size_t t = 0; t < rc->ntg; t++) {
		struct rec_target *tg = &rc->tg[t];
		uint64_t *pg = &tg->pages[p->k * rc->nodes];

		for (uint32_t i = tg->first_row; i < tg->first_row + tg->nrows; i++) {
			const struct nw_rec_region *r = &p->cur[i];
			size_t cell = (i * p->nrowsb / rc->nrows) * p->ncols + col;

			if (!p->present[i])
				continue;
			for (int n = 0; n < rc->nodes && n < NW_REC_NODES; n++)
				pg[n] += r->on[n];
			if (rc->nodes > NW_REC_NODES)
				pg[rc->nodes - 1] += p->other[i];
			p->fr.cls[r->cls < NW_CLS_MAX ? r->cls : NW_CLS_UNKNOWN]++;
			p->hsum[cell] += r->heat_x100 / 100.0;
			p->psum[cell] += rec_place_value(r, p->other[i], rc->nodes);
			p->cnt[cell]++;
		}
	}
	rc->f[p->k++] = p->fr;
	p->open = false;
}

static int second_pass(void *ctx, const struct rec_item *it)
{
	struct replay *p = ctx;
	struct recording *rc = p->rc;
	struct rec_row key = { it->r.pid, it->r.addr }, *row;

	switch (it->kind) {
	case REC_FRAME:
		if (p->open)
			frame_close(p);
		if (p->k >= rc->nf)
			return -EINVAL;
		p->fr.t_ms = it->t_ms, p->fr.pass = it->pass;
		p->fr.nreg = it->nreg, p->fr.dropped = it->dropped;
		p->open = true;
		break;
	case REC_WEIGHTS:
		memcpy(p->fr.w, it->w, sizeof(p->fr.w));
		break;
	case REC_POLICY: {
		struct rec_polw *n = realloc(rc->polw, (rc->npolw + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		rc->polw = n;
		n += rc->npolw++;
		n->t_ms = p->fr.t_ms;
		snprintf(n->name, sizeof(n->name), "%s", it->text);
		memcpy(n->w, it->w, sizeof(n->w));
		break;
	}
	case REC_COUNTS:
		memcpy(p->fr.moved, it->moved, sizeof(p->fr.moved));
		memcpy(p->fr.failed, it->failed, sizeof(p->fr.failed));
		break;
	case REC_REGION:
	case REC_GONE:
		row = rc->nrows ? bsearch(&key, rc->rows, rc->nrows, sizeof(key), row_cmp) : NULL;
		if (!row)
			break;	/* another target's (--pid), or X of one never written */
		p->present[row - rc->rows] = it->kind == REC_REGION;
		p->cur[row - rc->rows] = it->r;
		p->other[row - rc->rows] = it->other;
		break;
	default:
		break;
	}
	return 0;
}

static int matrix_alloc(struct replay *p, struct recording *rc)
{
	size_t cells;

	p->ncols = rc->nf < REC_MAX_COLS ? rc->nf : REC_MAX_COLS;
	p->nrowsb = rc->nrows < REC_MAX_ROWS ? rc->nrows : REC_MAX_ROWS;
	cells = p->ncols * p->nrowsb + 1;
	p->cur = calloc(rc->nrows + 1, sizeof(*p->cur));
	p->other = calloc(rc->nrows + 1, sizeof(*p->other));
	p->present = calloc(rc->nrows + 1, sizeof(*p->present));
	p->hsum = calloc(cells, sizeof(double));
	p->psum = calloc(cells, sizeof(double));
	p->cnt = calloc(cells, sizeof(uint32_t));
	rc->heat = calloc(cells, sizeof(float));
	rc->place = calloc(cells, sizeof(float));
	rc->f = calloc(rc->nf + 1, sizeof(*rc->f));
	return p->cur && p->other && p->present && p->hsum && p->psum && p->cnt && rc->heat &&
	       rc->place && rc->f ? 0 : -ENOMEM;
}

static void replay_free(struct replay *p)
{
	free(p->cur);
	free(p->other);
	free(p->present);
	free(p->hsum);
	free(p->psum);
	free(p->cnt);
}

int rec_read(const char *path, uint32_t pid, struct recording *rc, char *err, size_t errlen)
{
	struct scan1 s1 = { rc, pid, 0, false };
	struct replay p = { .rc = rc };
	char magic[64] = "";
	FILE *f = fopen(path, "re");
	int rc_ = 0;

	memset(rc, 0, sizeof(*rc));
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!fgets(magic, sizeof(magic), f) || strncmp(magic, REC_MAGIC, strlen(REC_MAGIC))) {
		snprintf(err, errlen, "%s is not a numaweave recording%s", path,
			 magic[0] == '[' ? " (damo's format: read it with damo report)" : "");
		fclose(f);
		return -EINVAL;
	}
	rc_ = each_line(f, NW_MAX_NODES, first_pass, &s1, err, errlen);
	if (!rc_ && !s1.hdr) {
		snprintf(err, errlen, "%s: no H line", path);
		rc_ = -EINVAL;
	}
	if (!rc_ && !rc->nf) {
		snprintf(err, errlen, "%s: no frame recorded", path);
		rc_ = -EINVAL;
	}
	if (!rc_ && !(rc_ = rows_index(rc)) && !(rc_ = matrix_alloc(&p, rc)))
		rc_ = each_line(f, rc->nodes, second_pass, &p, err, errlen);
	if (!rc_ && p.open)
		frame_close(&p);
	rc->nf = p.k < rc->nf ? p.k : rc->nf;	/* a frame cut off is not shown */
	for (size_t c = 0; !rc_ && c < p.ncols * p.nrowsb; c++) {
		rc->heat[c] = p.cnt[c] ? (float)(p.hsum[c] / p.cnt[c]) : NAN;
		rc->place[c] = p.cnt[c] ? (float)(p.psum[c] / p.cnt[c]) : NAN;
	}
	rc->ncols = p.ncols;
	rc->nrowsb = p.nrowsb;
	if (rc_ == -ENOMEM)
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
	replay_free(&p);
	fclose(f);
	return rc_;
}

void rec_free(struct recording *rc)
{
	for (size_t i = 0; i < rc->ntg; i++)
		free(rc->tg[i].pages);
	free(rc->tg);
	free(rc->polw);
	free(rc->rows);
	free(rc->f);
	free(rc->heat);
	free(rc->place);
	memset(rc, 0, sizeof(*rc));
}
