// SPDX-License-Identifier: GPL-2.0
/*
 * counters.c — one table of the controller's scalar counters: name in JSON
 * and in Prometheus, type, unit and help, and the status line each belongs
 * to. status renders its text, JSON and Prometheus forms from it (as bpftool
 * writes every output form from one place); what is not a scalar (per node,
 * per reason, per phase, per policy, heat) has its own renderer.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "counters.h"
#include "json.h"

#define CTL(f) 0, offsetof(struct nw_ctl_stats, f)
#define BPF(f) 1, offsetof(struct nw_bpf_stats, f)
#define C "counter"
#define G "gauge"

/*
 * In the order status --json has always written them; Prometheus series of
 * one name (labelled) are consecutive; the text lines come in the order of
 * their first counter.
 */
static const struct counter table[] = {
	{ "passes", "passes_total", NULL, C, U_COUNT, "passes over the targets",
	  "passes", "", CTL(passes) },
	{ "pages_scanned", "scanned_bytes_total", NULL, C, U_PAGES, "memory looked at, bytes",
	  "passes", "pages scanned", CTL(pages_scanned) },
	{ "pages_misplaced", "misplaced_bytes", NULL, G, U_PAGES,
	  "memory off its node in the last pass, bytes", "passes", "pages misplaced now",
	  CTL(pages_misplaced) },
	{ "pages_moved", NULL, NULL, C, U_PAGES, NULL, "moved", "pages moved", CTL(pages_moved) },
	{ "pages_failed", NULL, NULL, C, U_PAGES, NULL, "moved", "pages failed",
	  CTL(pages_failed) },
	{ "bytes_moved", "moved_bytes_total", NULL, C, U_BYTES, "memory moved, bytes", "moved",
	  "moved", CTL(bytes_moved) },
	{ "move_calls", "move_calls_total", NULL, C, U_COUNT, "move_pages(2) calls", "moved",
	  "move_pages calls", CTL(move_calls) },
	{ "move_resubmitted", NULL, NULL, C, U_COUNT, NULL, "moved", "folios resubmitted",
	  CTL(move_resubmitted) },
	{ "move_touched", NULL, NULL, C, U_COUNT, NULL, "moved",
	  "pages read first so move_pages could find them", CTL(move_touched) },
	{ "bulk_calls", "bulk_calls_total", NULL, C, U_COUNT,
	  "whole targets moved by one migrate_pages(2)", "moved", "migrate_pages calls",
	  CTL(bulk_calls) },
	{ "bulk_pages", "bulk_moved_bytes_total", NULL, C, U_PAGES,
	  "memory the migrate_pages(2) calls moved, bytes", "moved", "pages by migrate_pages",
	  CTL(bulk_pages) },
	{ NULL, "move_seconds_total", NULL, C, U_NS, "time in move_pages(2)", "moved",
	  "in move_pages", CTL(move_ns) },
	{ "pass_errors", "pass_errors_total", NULL, C, U_COUNT, "target passes that failed",
	  "passes", "target passes failed", CTL(pass_errors) },
	{ "removes", "moved_back_bytes_total", NULL, C, U_PAGES,
	  "memory the kernel moved back after numaweave placed it, bytes", "kernel",
	  "pages moved back after placing", CTL(removes) },
	{ "contested", "regions_contested", NULL, G, U_COUNT, "regions left to NUMA balancing",
	  "kernel", "regions left to it", CTL(contested) },
	{ "quota_bytes_per_s", "quota_bytes_per_second", NULL, G, U_RATE,
	  "move quota, 0 = unlimited", "quota", "", CTL(quota_bytes) },
	{ "quota_deferred", "quota_deferred_folios_total", NULL, C, U_COUNT,
	  "folios (a huge page counts once) left for a later pass by the quota", "quota",
	  "folios deferred", CTL(quota_deferred) },
	{ "quota_heat_waits", "quota_heat_waits_total", NULL, C, U_COUNT,
	  "region scans a quota left until a read source spoke of them", "quota",
	  "region scans waited for heat", CTL(heat_waits) },
	{ "events", NULL, NULL, C, U_COUNT, NULL, "events", "records", BPF(events) },
	{ "drops", "event_drops_total", NULL, C, U_COUNT, "events lost (ring buffer full)",
	  "events", "dropped (ring buffer full)", BPF(drops) },
	{ "first_touch", "events_total", "kind=\"first_touch\"", C, U_COUNT,
	  "access events from the BPF programs, by kind", "events", "first touch",
	  BPF(first_touch) },
	{ "repeat", "events_total", "kind=\"repeat\"", C, U_COUNT, NULL, "events", "repeat",
	  BPF(repeat) },
	{ "hint", "events_total", "kind=\"hint\"", C, U_COUNT, NULL, "events", "hint", BPF(hint) },
	{ "prot", "events_total", "kind=\"write\"", C, U_COUNT, NULL, "events", "write",
	  BPF(prot) },
	{ NULL, "events_total", "kind=\"numa_arm\"", C, U_COUNT, NULL, NULL, NULL, BPF(arms) },
	{ NULL, "events_total", "kind=\"numa_arm_void\"", C, U_COUNT, NULL, NULL, NULL,
	  BPF(arms_void) },
	{ "wakeups", NULL, NULL, C, U_COUNT, NULL, "events", "wakeups", BPF(wakeups) },
	{ "folded", "faults_folded_total", NULL, C, U_COUNT,
	  "target faults counted in a region's fold record, not a record each", "events",
	  "faults folded into them", BPF(folded) },
	{ "kernel_moves", "kernel_moves_total", NULL, C, U_COUNT, "NUMA-balancing migrations seen",
	  "kernel", "NUMA-balancing migrations seen", BPF(kernel_moves) },
	{ "forks", NULL, NULL, C, U_COUNT, NULL, "exited", "forks followed", BPF(forks) },
	{ "exits", NULL, NULL, C, U_COUNT, NULL, NULL, NULL, BPF(exits) },
	{ "cgroup_joins", "cgroup_joins_total", NULL, C, U_COUNT,
	  "processes moved between cgroups while a policy names one", "exited",
	  "cgroup moves seen", BPF(joins) },
	{ "targets_exited", "targets_exited_total", NULL, C, U_COUNT,
	  "followed processes that exited", "exited", "targets exited", CTL(targets_exited) },
	{ "targets_refused", "targets_refused", NULL, G, U_COUNT,
	  "processes named by a source but not followed: the targets map is full", "exited",
	  "named but not followed (targets map full)", CTL(targets_refused) },
	{ "heat_refused", NULL, NULL, C, U_COUNT, NULL, "events", "not held by the heat table",
	  CTL(heat_refused) },
	{ NULL, "damon_words_set_aside_total", NULL, C, U_COUNT,
	  "DAMON words set aside: numaweave moved pages of their range meanwhile", NULL, NULL,
	  CTL(damon_moved) },
	{ NULL, "accessed_bit_samples_total", NULL, C, U_COUNT,
	  "targets' accessed bits read after a clear", NULL, NULL, CTL(young_samples) },
	{ NULL, "accessed_bit_seconds_total", NULL, C, U_NS, "time spent clearing and reading them",
	  NULL, NULL, CTL(young_ns) },
	{ NULL, "controller_pid", NULL, G, U_COUNT, "pid of the controller", NULL, NULL, CTL(pid) },
	{ NULL, "weights_generation", NULL, G, U_COUNT, "tables put in force", NULL, NULL,
	  CTL(weights_gen) },
	{ NULL, "weights_pending", NULL, G, U_COUNT, "1 while a change settles", NULL, NULL,
	  CTL(weights_pending) },
	{ NULL, "weights_rejected", NULL, G, U_COUNT, "1 if the map holds a refused table", NULL,
	  NULL, CTL(weights_rejected) },
};
#define NR_COUNTERS (sizeof(table) / sizeof(table[0]))

static uint64_t value(const struct counter *k, const struct nw_stats *s)
{
	const char *base = k->src ? (const char *)&s->bpf : (const char *)&s->ctl;

	return *(const __u64 *)(base + k->off);
}

void counters_json(struct jw *w, const struct nw_stats *s)
{
	for (size_t i = 0; i < NR_COUNTERS; i++)
		if (table[i].json)
			jw_uint_field(w, table[i].json, value(&table[i], s));
}

void counters_json_pick(struct jw *w, const struct nw_stats *s, const char *const *keys)
{
	for (; *keys; keys++)
		for (size_t i = 0; i < NR_COUNTERS; i++)
			if (table[i].json && !strcmp(table[i].json, *keys))
				jw_uint_field(w, table[i].json, value(&table[i], s));
}

/* Memory in bytes, time in seconds: the units node_exporter's series use. */
void counters_prom(const struct nw_stats *s)
{
	for (size_t i = 0; i < NR_COUNTERS; i++) {
		const struct counter *k = &table[i];
		uint64_t v = value(k, s);

		if (!k->prom)
			continue;
		if (!i || !table[i - 1].prom || strcmp(table[i - 1].prom, k->prom))
			printf("# HELP numaweave_%s %s\n# TYPE numaweave_%s %s\n", k->prom, k->help,
			       k->prom, k->type);
		printf("numaweave_%s%s%s%s ", k->prom, k->label ? "{" : "", k->label ? k->label : "",
		       k->label ? "}" : "");
		if (k->unit == U_NS)
			printf("%.6f\n", v / 1e9);
		else
			printf("%llu\n", (unsigned long long)(k->unit == U_PAGES ? v * 4096 : v));
	}
}

static void text_one(const struct counter *k, uint64_t v, bool daemon, bool first)
{
	printf("%s", first ? "" : ", ");
	if (k->unit == U_BYTES)
		printf("%.1f MiB %s", v / 1048576.0, k->text_name);
	else if (k->unit == U_NS)
		printf("%.2f s %s", v / 1e9, k->text_name);
	else if (k->unit == U_RATE && daemon)
		printf("per policy, below");
	else if (k->unit == U_RATE)
		printf(v ? "%.1f MiB/s (binary)" : "unlimited", v / 1048576.0);
	else
		printf("%llu%s%s", (unsigned long long)v, *k->text_name ? " " : "", k->text_name);
}

void counters_text(const struct nw_stats *s, bool daemon)
{
	for (size_t i = 0; i < NR_COUNTERS; i++) {
		const char *line = table[i].text;
		bool seen = false;

		for (size_t j = 0; line && j < i && !seen; j++)
			seen = table[j].text && !strcmp(table[j].text, line);
		if (!line || seen)
			continue;	/* a line is printed whole at its first counter */
		printf("%-12s ", line);
		for (size_t j = i, n = 0; j < NR_COUNTERS; j++)
			if (table[j].text && !strcmp(table[j].text, line))
				text_one(&table[j], value(&table[j], s), daemon, !n++);
		printf("\n");
	}
}

const struct counter *counters_table(size_t *n)
{
	*n = NR_COUNTERS;
	return table;
}
