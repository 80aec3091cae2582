// SPDX-License-Identifier: GPL-2.0
/* rec_damo.c — recording frames in damo's JSON record format (rec_damo.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "rec_damo.h"

#define DAMO_SAMPLE_US 5000
#define DAMO_AGGR_US 100000
#define DAMO_MAX_NR (DAMO_AGGR_US / DAMO_SAMPLE_US)
#define REGION_BYTES (1ull << 21)

int rec_damo_open(struct rec_damo *d, FILE *f)
{
	d->f = f;
	d->records = 0;
	if (fputs("[\n]\n", f) == EOF || fflush(f))
		return -errno;
	return 0;
}

unsigned int rec_damo_samples(const struct nw_rec_region *r)
{
	unsigned int nr;

	if (r->nr_accesses != NW_REC_NO_NR)
		return r->nr_accesses > DAMO_MAX_NR ? DAMO_MAX_NR : r->nr_accesses;
	/* no sampled word: the controller's heat (0..100) on DAMON's scale */
	nr = (r->heat_x100 * DAMO_MAX_NR + 5000) / 10000;
	return nr > DAMO_MAX_NR ? DAMO_MAX_NR : nr;
}

/* A region's age in aggregation intervals: DAMON's where it spoke, else the controller's. */
static uint64_t age_aggrs(const struct nw_rec_region *r)
{
	if (r->nr_accesses != NW_REC_NO_NR)
		return r->damon_age;
	return (uint64_t)r->age_ms * 1000 / DAMO_AGGR_US;
}

static void region_out(FILE *f, uint64_t start, uint64_t end, unsigned int nr, uint64_t age,
		       bool first)
{
	fprintf(f, "%s\n                        {\n"
		"                            \"start\": \"%llu\",\n"
		"                            \"end\": \"%llu\",\n"
		"                            \"nr_accesses\": {\n"
		"                                \"samples\": %u,\n"
		"                                \"percent\": null\n"
		"                            },\n"
		"                            \"age\": {\n"
		"                                \"usec\": null,\n"
		"                                \"aggr_intervals\": \"%llu\"\n"
		"                            },\n"
		"                            \"probe_hits\": [],\n"
		"                            \"sz_filter_passed\": \"0\"\n"
		"                        }", first ? "" : ",", (unsigned long long)start,
		(unsigned long long)end, nr, (unsigned long long)age);
}

/* The regions of one target, merged where adjacent and equally accessed; its bytes. */
static uint64_t target_regions(FILE *f, const struct nw_rec_region *r, size_t n)
{
	uint64_t start = 0, end = 0, age_sum = 0, bytes = 0;
	unsigned int nr = 0;
	bool open = false, first = true;

	for (size_t i = 0; i <= n; i++) {
		unsigned int s = i < n ? rec_damo_samples(&r[i]) : 0;

		if (open && (i == n || r[i].addr != end || s != nr)) {
			region_out(f, start, end, nr, age_sum / ((end - start) / REGION_BYTES), first);
			first = false;
			bytes += end - start;
			open = false;
		}
		if (i == n)
			break;
		if (!open) {
			start = r[i].addr;
			end = start;
			nr = s;
			age_sum = 0;
			open = true;
		}
		end += REGION_BYTES;
		age_sum += age_aggrs(&r[i]);
	}
	return bytes;
}

static void record_out(struct rec_damo *d, const struct nw_rec_region *r, size_t n,
		       uint64_t end_ns, uint64_t interval_ns)
{
	FILE *f = d->f;
	uint64_t bytes;

	fprintf(f, "%s    {\n"
		"        \"kdamond_idx\": 0,\n"
		"        \"context_idx\": 0,\n"
		"        \"intervals\": {\n"
		"            \"sample_us\": \"%d\",\n"
		"            \"aggr_us\": \"%d\",\n"
		"            \"ops_update_us\": \"1000000\",\n"
		"            \"intervals_goal\": {\n"
		"                \"access_bp\": \"0.000000\",\n"
		"                \"aggrs\": \"0\",\n"
		"                \"min_sample_us\": \"0\",\n"
		"                \"max_sample_us\": \"0\"\n"
		"            }\n"
		"        },\n"
		"        \"scheme_idx\": 0,\n"
		"        \"target_id\": %u,\n"
		"        \"scheme_filters\": [],\n"
		"        \"snapshots\": [\n"
		"            {\n"
		"                \"start_time\": \"%llu\",\n"
		"                \"end_time\": \"%llu\",\n"
		"                \"regions\": [", d->records ? ",\n" : "", DAMO_SAMPLE_US, DAMO_AGGR_US,
		r[0].pid, (unsigned long long)(end_ns - interval_ns), (unsigned long long)end_ns);
	bytes = target_regions(f, r, n);
	fprintf(f, "\n                ],\n"
		"                \"total_bytes\": \"%llu\",\n"
		"                \"damos_stats\": {\n"
		"                    \"nr_tried\": \"0\",\n"
		"                    \"sz_tried\": \"0\",\n"
		"                    \"nr_applied\": \"0\",\n"
		"                    \"sz_applied\": \"0\",\n"
		"                    \"sz_ops_filter_passed\": \"0\",\n"
		"                    \"qt_exceeds\": \"0\",\n"
		"                    \"nr_snapshots\": \"0\",\n"
		"                    \"max_nr_snapshots\": \"0\"\n"
		"                },\n"
		"                \"sample_interval_us\": null\n"
		"            }\n"
		"        ],\n"
		"        \"data_source\": \"unknown\"\n"
		"    }", (unsigned long long)bytes);
	d->records++;
}

int rec_damo_frame(struct rec_damo *d, const struct nw_rec_region *regs, size_t n,
		   uint64_t end_ns, uint64_t interval_ns)
{
	size_t i = 0;

	if (!n)
		return 0;
	/* over the closing "]\n": the list is whole again once the frame is out */
	if (fseek(d->f, -2, SEEK_END))
		return -errno;
	if (!d->records)
		fputc('\n', d->f);
	while (i < n) {
		size_t j = i;

		while (j < n && regs[j].pid == regs[i].pid)
			j++;
		record_out(d, regs + i, j - i, end_ns, interval_ns);
		i = j;
	}
	if (fputs("\n]\n", d->f) == EOF || fflush(d->f))
		return -errno;
	return 0;
}
