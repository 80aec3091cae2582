// SPDX-License-Identifier: GPL-2.0
/*
 * The counter table (user/lib/counters.c) that status renders as text, JSON and
 * Prometheus: each JSON name is one the schema requires of status, each
 * Prometheus name follows prom_check's rules (counters and only they end in
 * _total, memory in bytes), a name's labelled series are consecutive and the
 * first carries HELP, and every counter is a distinct __u64 of the stats map.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "counters.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	cr_assert(fread(buf, 1, n, f) == (size_t)n);
	fclose(f);
	return buf;
}

Test(counters, json_names_are_the_schemas)
{
	char *schema = slurp("docs/numaweave.schema.json"), *status, *req, *end, key[96];
	const struct counter *t;
	size_t n;

	/* the status object's "required" list */
	status = strstr(schema, "\"status\": {");
	cr_assert(status);
	req = strstr(status, "\"required\": [");
	end = req ? strchr(req, ']') : NULL;
	cr_assert(req && end);
	*end = 0;
	t = counters_table(&n);
	for (size_t i = 0; i < n; i++) {
		if (!t[i].json)
			continue;
		snprintf(key, sizeof(key), "\"%s\"", t[i].json);
		cr_assert(strstr(req, key), "%s is not required by the schema's status", t[i].json);
		for (size_t j = 0; j < i; j++)
			cr_assert(!t[j].json || strcmp(t[j].json, t[i].json), "%s twice", t[i].json);
	}
	free(schema);
}

Test(counters, prometheus_names_follow_the_rules)
{
	const struct counter *t;
	size_t n;

	t = counters_table(&n);
	for (size_t i = 0; i < n; i++) {
		const char *p = t[i].prom;
		size_t len;
		bool counter;

		if (!p)
			continue;
		len = strlen(p);
		counter = !strcmp(t[i].type, "counter");
		cr_assert(counter || !strcmp(t[i].type, "gauge"), "%s: type %s", p, t[i].type);
		cr_assert_eq(counter, len > 6 && !strcmp(p + len - 6, "_total"),
			     "%s: counters, and only they, end in _total", p);
		cr_assert(!strstr(p, "_pages"), "%s counts pages: memory goes in bytes", p);
		cr_assert(t[i].unit != U_PAGES || strstr(p, "bytes"), "%s: pages given as bytes", p);
		if (i && t[i - 1].prom && !strcmp(t[i - 1].prom, p)) {
			cr_assert(t[i].label && t[i - 1].label, "%s twice without labels", p);
			continue;
		}
		cr_assert(t[i].help, "%s: the first of its series carries HELP", p);
		for (size_t j = 0; j + 1 < i; j++)
			cr_assert(!t[j].prom || strcmp(t[j].prom, p), "%s: its series not together", p);
	}
}

Test(counters, each_is_a_distinct_u64_of_the_stats_map)
{
	const struct counter *t;
	size_t n;

	t = counters_table(&n);
	for (size_t i = 0; i < n; i++) {
		size_t size = t[i].src ? sizeof(struct nw_bpf_stats) : sizeof(struct nw_ctl_stats);

		cr_assert(t[i].src <= 1);
		cr_assert(t[i].off % 8 == 0 && (size_t)t[i].off + 8 <= size, "%zu: offset %u", i, t[i].off);
		cr_assert(t[i].json || t[i].prom, "%zu: rendered nowhere", i);
		for (size_t j = 0; j < i; j++)
			cr_assert(t[j].src != t[i].src || t[j].off != t[i].off,
				  "%s and %s are the same field", t[i].json ? t[i].json : t[i].prom,
				  t[j].json ? t[j].json : t[j].prom);
	}
}
