// SPDX-License-Identifier: GPL-2.0
/* The recording format (recfmt), its reader (recread), damo's record format (rec_damo), and
   the pages-by-node count of a region (heat.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "heat.h"
#include "rec_damo.h"
#include "recfmt.h"
#include "recread.h"

Test(record, parse_lines)
{
	struct rec_item *it = calloc(1, sizeof(*it));

	cr_assert_eq(rec_parse_line("F 1500 7 64 2\n", 2, it), 0);
	cr_assert_eq(it->kind, REC_FRAME);
	cr_assert_eq(it->t_ms, 1500);
	cr_assert_eq(it->dropped, 2);
	cr_assert_eq(rec_parse_line("W 3,1\n", 2, it), 0);
	cr_assert_eq(it->w[0], 3);
	cr_assert_eq(it->w[1], 1);
	cr_assert_eq(it->w[2], 0);
	cr_assert_eq(rec_parse_line("P db 0,5\n", 2, it), 0);
	cr_assert_eq(it->kind, REC_POLICY);
	cr_assert_str_eq(it->text, "db");
	cr_assert_eq(it->w[1], 5);
	cr_assert_eq(rec_parse_line("P 0,5\n", 2, it), -EINVAL, "a policy line needs a name");
	cr_assert_eq(rec_parse_line("C 10,20 1,0,0,0,0,0,3\n", 2, it), 0);
	cr_assert_eq(it->moved[1], 20);
	cr_assert_eq(it->failed[6], 3);
	cr_assert_eq(rec_parse_line("R 42 7f0000200000 0 2 17 9000 1200 30 512 128,384\n", 2, it), 0);
	cr_assert_eq(it->kind, REC_REGION);
	cr_assert_eq(it->r.pid, 42);
	cr_assert_eq(it->r.addr, 0x7f0000200000ull);
	cr_assert_eq(it->r.nr_accesses, 17);
	cr_assert_eq(it->r.on[1], 384);
	cr_assert_eq(it->other, 0);
	cr_assert_eq(rec_parse_line("X 42 7f0000200000\n", 2, it), 0);
	cr_assert_eq(it->kind, REC_GONE);
	cr_assert_eq(rec_parse_line("E size-cap\n", 2, it), 0);
	cr_assert_str_eq(it->text, "size-cap");
	/* more pages on its nodes than it has, an unknown class, garbage: refused */
	cr_assert_eq(rec_parse_line("R 42 7f0000200000 0 2 17 9000 1200 30 2 0,7\n", 2, it), -EINVAL);
	cr_assert_eq(rec_parse_line("R 42 7f0000200000 9 2 17 9000 1200 30 2 1,1\n", 2, it), -EINVAL);
	cr_assert_eq(rec_parse_line("Q what\n", 2, it), -EINVAL);
	cr_assert_eq(rec_parse_line("F 1 2\n", 2, it), -EINVAL);
	free(it);
}

Test(record, header_values)
{
	cr_assert_eq(rec_hdr_num("version=0.1.0 interval_ms=500 nodes=4", "nodes", 2), 4);
	cr_assert_eq(rec_hdr_num("version=0.1.0 interval_ms=500 nodes=4", "interval_ms", 0), 500);
	cr_assert_eq(rec_hdr_num("xnodes=9", "nodes", 2), 2);
}

Test(record, region_pages_by_node)
{
	struct region r = {};

	region_scan_start(&r, 5);
	region_count(&r, 0, 300);
	region_count(&r, 1, 212);
	region_count(&r, 9, 1);	/* a node past the named ones: pages only */
	cr_assert_eq(r.pages, 513);
	region_moved(&r, 0, 1, 44);
	cr_assert_eq(r.on[0], 256);
	cr_assert_eq(r.on[1], 256);
	region_moved(&r, 0, 1, 1000);	/* never below zero */
	cr_assert_eq(r.on[0], 0);
	region_scan_start(&r, 6);
	cr_assert_eq(r.pages, 0);
	cr_assert_eq(r.scanned, 6);
}

/* A recording written by hand: two frames, one region moving from node 0 to half on 1. */
Test(record, read_back)
{
	char path[] = "/tmp/nw-rec-XXXXXX", err[256];
	struct recording rc;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, REC_MAGIC "\nH version=0 interval_ms=500 nodes=2\n"
		   "F 0 1 2 0\nW 1,0\nC 0,0 0,0,0,0,0,0,0\n"
		   "R 7 200000 2 1 255 0 0 0 512 512,0\nR 7 400000 0 1 255 9000 0 0 512 512,0\n"
		   "F 500 2 2 0\nW 1,1\nC 0,256 0,0,0,0,0,0,0\n"
		   "R 7 200000 2 1 255 0 0 0 512 256,256\nX 7 400000\n"
		   "F 1000 3 1 0\nC 0,256 0,0,0,0,0,0,0\nR 7 2000");	/* cut off */
	fclose(f);
	cr_assert_eq(rec_read(path, 0, &rc, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rc.nf, 3);
	cr_assert_eq(rc.nrows, 2);
	cr_assert_eq(rc.ntg, 1);
	cr_assert_float_eq(rec_share(&rc, &rc.tg[0], 0, 0), 1.0, 1e-9);
	cr_assert_float_eq(rec_share(&rc, &rc.tg[0], 1, 1), 0.5, 1e-9);
	cr_assert_eq(rc.f[1].w[1], 1);
	cr_assert_eq(rc.f[2].w[1], 1, "weights carry over frames that do not repeat them");
	cr_assert_eq(rc.f[0].cls[NW_CLS_HOT], 1);
	cr_assert_eq(rc.f[1].cls[NW_CLS_HOT], 0, "X took the hot region away");
	/* row 1 (the hot region) is gone from frame 1 on: not resident there */
	cr_assert(!isnan(rc.heat[1 * rc.ncols + 0]));
	cr_assert(isnan(rc.heat[1 * rc.ncols + 1]));
	cr_assert_float_eq(rc.place[0 * rc.ncols + 1], 0.5f, 1e-6);
	rec_free(&rc);
	unlink(path);
}

Test(record, damo_frames_merge_and_stay_whole)
{
	struct nw_rec_region r[4] = {
		{ .addr = 0x200000, .pid = 9, .nr_accesses = 20, .damon_age = 4, .pages = 512 },
		{ .addr = 0x400000, .pid = 9, .nr_accesses = 20, .damon_age = 8, .pages = 512 },
		{ .addr = 0x800000, .pid = 9, .nr_accesses = 20, .pages = 512 },	/* a gap before */
		{ .addr = 0x200000, .pid = 11, .nr_accesses = NW_REC_NO_NR, .heat_x100 = 5000,
		  .pages = 512 },
	};
	char *buf;
	size_t len;
	struct rec_damo d;
	char tmp[] = "/tmp/nw-damo-XXXXXX";
	FILE *t = fdopen(mkstemp(tmp), "w+");

	cr_assert_eq(rec_damo_samples(&r[3]), 10, "heat 50 is 10 of 20 samples");
	cr_assert_eq(rec_damo_open(&d, t), 0);
	cr_assert_eq(rec_damo_frame(&d, r, 4, 2000000000ull, 1000000000ull), 0);
	cr_assert_eq(rec_damo_frame(&d, r, 3, 3000000000ull, 1000000000ull), 0);
	cr_assert_eq(d.records, 3, "a record per target per frame");
	rewind(t);
	buf = calloc(1, 1 << 16);
	len = fread(buf, 1, (1 << 16) - 1, t);
	fclose(t);
	unlink(tmp);
	cr_assert_eq(strncmp(buf + len - 2, "]\n", 2), 0, "the list is closed after every frame");
	/* pid 9: [0x200000, 0x600000) merged (age 6 = the mean), [0x800000, 0xa00000) apart */
	cr_assert_not_null(strstr(buf, "\"start\": \"2097152\",\n"
				       "                            \"end\": \"6291456\""));
	cr_assert_not_null(strstr(buf, "\"aggr_intervals\": \"6\""));
	cr_assert_not_null(strstr(buf, "\"start\": \"8388608\""));
	cr_assert_not_null(strstr(buf, "\"target_id\": 11"));
	free(buf);
}
