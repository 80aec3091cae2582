// SPDX-License-Identifier: GPL-2.0
/*
 * status_heat.c — the heat section of `numaweave status`: its sources, the
 * regions by class and by the source that put them there, the coldest
 * regions, as text and JSON; the names Prometheus labels use.
 */
#include <stdio.h>
#include "heat.h"
#include "json.h"
#include "status_heat.h"

static const char *const source_names[] = { "faults", "hinting_faults", "damon", "numa_scans",
					    "accessed_bits" };
#define NR_SOURCES 5
static const char *const rsrc_names[NW_RSRC_MAX] = { "none", "faults", "damon", "numa_scans",
							      "accessed_bits" };
static const char *const class_names[NW_CLS_MAX] = { "hot", "warm", "idle", "unknown" };

const char *heat_source_name(unsigned int src)
{
	return src < NW_RSRC_MAX ? rsrc_names[src] : "?";
}

const char *heat_class_name(unsigned int cls)
{
	return cls < NW_CLS_MAX ? class_names[cls] : "?";
}

/* "idle 114 (damon 100, numa_scans 14)": a class's regions by the source that put them there */
static void text_class(const struct nw_ctl_stats *c, int cls, __u64 n)
{
	int k = 0;

	printf("%s%llu %s", cls ? ", " : "", (unsigned long long)n, class_names[cls]);
	for (int s = NW_RSRC_NONE + 1; s < NW_RSRC_MAX && n; s++)
		if (c->class_src[cls][s])
			printf("%s%s %u", k++ ? ", " : " (", rsrc_names[s], c->class_src[cls][s]);
	if (k)
		printf(")");
}

/* "heat: first touches only" when nothing sees reads: hot and cold are guesses then. */
void status_heat_text(const struct nw_stats *s)
{
	const struct nw_ctl_stats *c = &s->ctl;
	const struct nw_bpf_stats *b = &s->bpf;
	const __u64 n[NW_CLS_MAX] = { c->regions_hot, c->regions_warm, c->regions_idle,
				      c->regions_unknown };

	printf("heat         ");
	if (!(c->heat_sources & NW_HEAT_READS))
		printf("first touches only (nothing here sees reads: hot and cold are guesses)");
	else
		for (int i = 0, k = 0; i < NR_SOURCES; i++)
			if (c->heat_sources & (1u << i))
				printf("%s%s", k++ ? ", " : "sources ", source_names[i]);
	printf("; regions ");
	for (int cls = 0; cls < NW_CLS_MAX; cls++)
		text_class(c, cls, n[cls]);
	printf("; %llu DAMON results, %llu ranges armed (%llu armed nothing)\n",
	       (unsigned long long)c->damon_events, (unsigned long long)b->arms,
	       (unsigned long long)b->arms_void);
	if (c->damon_sample_us)
		printf("             DAMON samples every %.1f ms, aggregates %.2f s%s; at least %llu "
		       "regions; late %llu times; %llu words set aside (pages moved meanwhile)\n",
		       c->damon_sample_us / 1e3, c->damon_sample_us * NW_DAMON_MAX_NR / 1e6,
		       c->damon_sample_us != NW_DAMON_SAMPLE_US ? " (tuned by the kernel)" : "",
		       (unsigned long long)c->damon_regions, (unsigned long long)c->damon_late,
		       (unsigned long long)c->damon_moved);
	if (c->young_samples)
		printf("             %llu accessed-bit samples of the targets, %.1f ms\n",
		       (unsigned long long)c->young_samples, c->young_ns / 1e6);
	for (int i = 0; i < NW_HOT && c->cold[i].tgid; i++)
		printf("%s %u %#llx heat %.2f for %.1f s (%s)\n", i ? "            " : "coldest     ",
		       c->cold[i].tgid, (unsigned long long)c->cold[i].addr,
		       c->cold[i].heat_x100 / 100.0, c->cold[i].age_ms / 1000.0,
		       heat_source_name(c->cold[i].source));
}

void status_heat_json(struct jw *w, const struct nw_stats *s)
{
	const struct nw_ctl_stats *c = &s->ctl;
	const struct nw_bpf_stats *b = &s->bpf;

	jw_name(w, "heat");
	jw_start_object(w);
	jw_name(w, "sources");
	jw_start_array(w);
	for (int i = 0; i < NR_SOURCES; i++)
		if (c->heat_sources & (1u << i))
			jw_string(w, source_names[i]);
	jw_end_array(w);
	jw_bool_field(w, "sees_reads", c->heat_sources & NW_HEAT_READS);
	jw_uint_field(w, "regions_hot", c->regions_hot);
	jw_uint_field(w, "regions_warm", c->regions_warm);
	jw_uint_field(w, "regions_idle", c->regions_idle);
	jw_uint_field(w, "regions_unknown", c->regions_unknown);
	jw_name(w, "class_sources");	/* each class's regions by the source that put them there */
	jw_start_object(w);
	for (int cls = 0; cls < NW_CLS_MAX; cls++) {
		jw_name(w, class_names[cls]);
		jw_start_object(w);
		for (int src = 0; src < NW_RSRC_MAX; src++)
			jw_uint_field(w, rsrc_names[src], c->class_src[cls][src]);
		jw_end_object(w);
	}
	jw_end_object(w);
	jw_uint_field(w, "damon_events", c->damon_events);
	jw_uint_field(w, "damon_sample_us", c->damon_sample_us);
	jw_uint_field(w, "damon_late", c->damon_late);
	jw_uint_field(w, "damon_regions", c->damon_regions);
	jw_uint_field(w, "damon_moved", c->damon_moved);
	jw_uint_field(w, "arms", b->arms);
	jw_uint_field(w, "arms_void", b->arms_void);
	jw_uint_field(w, "accessed_bits_samples", c->young_samples);
	jw_uint_field(w, "accessed_bits_ms", c->young_ns / 1000000);
	jw_name(w, "coldest");
	jw_start_array(w);
	for (int i = 0; i < NW_HOT && c->cold[i].tgid; i++) {
		jw_start_object(w);
		jw_uint_field(w, "pid", c->cold[i].tgid);
		jw_uint_field(w, "addr", c->cold[i].addr);
		jw_float_field(w, "heat", c->cold[i].heat_x100 / 100.0);
		jw_uint_field(w, "age_ms", c->cold[i].age_ms);
		jw_string_field(w, "source", heat_source_name(c->cold[i].source));
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
}
