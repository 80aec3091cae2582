// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"

#define YAML_DIR "tests/unit/yaml/"

static char warnings[4096];

static void collect(const char *msg)
{
	strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

Test(config, cover_letter)
{
	struct nw_config c;
	char err[512];

	config_defaults(&c);
	warnings[0] = 0;
	cr_assert_eq(config_load_yaml(YAML_DIR "cover_letter.yaml", &c, collect, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(c.nr_pids, 1);
	cr_assert_eq(c.pids[0], 6587);
	cr_assert_eq(c.action, NW_MIGRATE_HOT);
	cr_assert(c.have_weights);
	cr_assert_eq(c.weights[0], 1);
	cr_assert_eq(c.weights[1], 1);
	cr_assert_eq(c.weights[2], 0);
	cr_assert_eq(c.interval_us, 500000);
	cr_assert_eq(c.ap.sz_min, 0);
	cr_assert_eq(c.ap.sz_max, UINT64_MAX);
	cr_assert(c.ap.acc_pct);
	cr_assert_float_eq(c.ap.acc_min, 0.0, 1e-9);
	cr_assert_float_eq(c.ap.acc_max, 100.0, 1e-9);
	cr_assert_eq(c.ap.age_min_us, 0);
	cr_assert_eq(c.ap.age_max_us, UINT64_MAX);
	cr_assert_eq(c.quota_bytes, 0);
	/* nr_regions has no effect here, and says so */
	cr_assert(strstr(warnings, "nr_regions"), "%s", warnings);
}

Test(config, every_supported_key)
{
	struct nw_config c;
	char err[512];

	config_defaults(&c);
	warnings[0] = 0;
	cr_assert_eq(config_load_yaml(YAML_DIR "full.yaml", &c, collect, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(c.nr_pids, 2);
	cr_assert_eq(c.pids[1], 43);
	cr_assert_eq(c.action, NW_MIGRATE_COLD);
	cr_assert_eq(c.weights[1], 3);
	cr_assert_eq(c.weights[2], 1);
	cr_assert_eq(c.interval_us, 100000);
	cr_assert_eq(c.ap.sz_min, 4096);
	cr_assert_eq(c.ap.sz_max, 1ull << 30);
	cr_assert(!c.ap.acc_pct);
	cr_assert_float_eq(c.ap.acc_max, 5.0, 1e-9);
	cr_assert_eq(c.ap.age_min_us, 3 * 2000000ull);	/* 3 aggregation intervals of 2 s */
	cr_assert_eq(c.quota_bytes, 100ull << 20);
	cr_assert_eq(c.quota_time_ms, 10);
	cr_assert_eq(c.quota_reset_ms, 500);
	cr_assert_eq(config_quota_bps(&c), 200ull << 20);
	cr_assert_eq(c.nr_filters, 1);	/* the target's region */
	cr_assert_eq(c.filters[0].start, 4096);
	cr_assert(c.filters[0].matching);
	cr_assert_eq(c.nr_dfilters, 2);	/* in order, allow: false (damo's default) */
	cr_assert(c.dfilters[0].type == NW_FILTER_ANON && c.dfilters[0].matching &&
		  !c.dfilters[0].allow);
	cr_assert(c.dfilters[1].type == NW_FILTER_ADDR && !c.dfilters[1].matching &&
		  !c.dfilters[1].allow && c.dfilters[1].end == 4096);
	cr_assert(strstr(warnings, "apply_interval_us"), "%s", warnings);
}

static void expect_error(const char *file, const char *needle)
{
	struct nw_config c;
	char err[512] = "";

	config_defaults(&c);
	cr_assert_eq(config_load_yaml(file, &c, collect, err, sizeof(err)), -EINVAL, "%s accepted",
		     file);
	cr_assert(strstr(err, needle), "%s: '%s' lacks '%s'", file, err, needle);
	cr_assert(strstr(err, "line "), "%s: no line in '%s'", file, err);
}

Test(config, malformed)
{
	expect_error(YAML_DIR "bad_truncated.yaml", "column");
	expect_error(YAML_DIR "bad_wrongtype.yaml", "dests must be a list");
	expect_error(YAML_DIR "bad_action.yaml", "pageout");
	expect_error(YAML_DIR "bad_negweight.yaml", "negative");
	expect_error(YAML_DIR "bad_nid.yaml", "out of range");
	expect_error(YAML_DIR "bad_ops.yaml", "paddr");
	expect_error(YAML_DIR "bad_twoschemes.yaml", "one scheme");
	expect_error(YAML_DIR "bad_unit.yaml", "unit");
}

Test(config, missing_file)
{
	struct nw_config c;
	char err[512];

	config_defaults(&c);
	cr_assert_neq(config_load_yaml(YAML_DIR "nope.yaml", &c, NULL, err, sizeof(err)), 0);
	cr_assert(strstr(err, "cannot open"), "%s", err);
}

static int load_str(const char *yaml, struct nw_config *c, char *err, int errlen)
{
	config_defaults(c);
	return config_load_yaml_buf(yaml, strlen(yaml), c, collect, err, errlen);
}

#define AP_YAML(acc) \
	"kdamonds: [ {contexts: [ {ops: vaddr, schemes: [ {action: migrate_hot, " \
	"access_pattern: {nr_accesses: " acc "}} ]} ]} ]"

Test(config, nr_accesses_units_never_mixed)
{
	struct nw_config c;
	char err[512];

	/* the bug: min's percent flag made "max: 5" five percent */
	cr_assert_eq(load_str(AP_YAML("{min: 0 %, max: 5}"), &c, err, sizeof(err)), 0, "%s", err);
	cr_assert(!c.ap.acc_pct && c.ap.acc_min == 0 && c.ap.acc_max == 5,
		  "a zero min takes max's unit: 0-5 accesses");
	cr_assert_eq(load_str(AP_YAML("{min: 0, max: 5 %}"), &c, err, sizeof(err)), 0, "%s", err);
	cr_assert(c.ap.acc_pct && c.ap.acc_max == 5);
	cr_assert_eq(load_str(AP_YAML("{min: 10 %, max: 50 %}"), &c, err, sizeof(err)), 0);
	cr_assert(c.ap.acc_pct && c.ap.acc_min == 10 && c.ap.acc_max == 50);
	cr_assert_eq(load_str(AP_YAML("{min: 3 %}"), &c, err, sizeof(err)), 0);
	cr_assert(c.ap.acc_pct && c.ap.acc_min == 3 && isinf(c.ap.acc_max));
	cr_assert_eq(load_str(AP_YAML("{min: 2, max: 5 %}"), &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "must both be counts or both percents"), "%s", err);
	cr_assert_eq(load_str(AP_YAML("{min: 2 %, max: 5}"), &c, err, sizeof(err)), -EINVAL);
}

#define SCHEME_YAML(body) \
	"kdamonds: [ {contexts: [ {ops: vaddr, schemes: [ {action: migrate_hot, " body "} ]} ]} ]"

/* numaweave's auto_weights: the sensor named, dests and target_nid then ignored (said) */
Test(config, auto_weights)
{
	struct nw_config c;
	char err[512];

	warnings[0] = 0;
	cr_assert_eq(load_str(SCHEME_YAML("auto_weights: resctrl"), &c, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(c.auto_spec, "auto:resctrl");
	cr_assert(!c.have_weights);
	cr_assert_eq(warnings[0], 0, "%s", warnings);
	cr_assert_eq(load_str(SCHEME_YAML("target_nid: 1, dests: [{nid: 1, weight: 3}], "
					  "auto_weights: 'file:/run/bw'"), &c, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(c.auto_spec, "auto:file:/run/bw");
	cr_assert(!c.have_weights && !c.weights[1], "the sensor's controller sets the weights");
	cr_assert(strstr(warnings, "auto_weights sets the weights"), "%s", warnings);
	/* "auto": the sensor the machine offers, as --weights auto */
	cr_assert_eq(load_str(SCHEME_YAML("auto_weights: auto"), &c, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(c.auto_spec, "auto");
	cr_assert_eq(load_str(SCHEME_YAML("auto_weights: ''"), &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "auto_weights"), "%s", err);
}

/* Hostile configs: each is refused quickly, with the reason, and nothing blocks. */
Test(config, deep_nesting_refused_fast)
{
	size_t n = 400000;
	char *deep = malloc(n + 1), err[512];
	struct nw_config c;

	memset(deep, '[', n);
	deep[n] = 0;
	cr_assert_eq(load_str(deep, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "nested deeper"), "%s", err);
	free(deep);
	/* damo's own nesting (7 levels) stays fine */
	cr_assert_eq(load_str(AP_YAML("{min: 0, max: 5}"), &c, err, sizeof(err)), 0, "%s", err);
}

/*
 * An alias bomb (issue 29): eight levels of 30 aliases each is 30^8 nodes to a
 * walker that follows aliases; refused at the first anchor, with its line,
 * fast. A lone alias is refused too (an undefined one is libyaml's error).
 */
Test(config, yaml_aliases_refused)
{
	char bomb[4096], err[512];
	struct nw_config c;
	size_t o = 0;

	o += snprintf(bomb + o, sizeof(bomb) - o, "a0: &a0 [x]\n");
	for (int l = 1; l <= 8; l++) {
		o += snprintf(bomb + o, sizeof(bomb) - o, "a%d: &a%d [", l, l);
		for (int k = 0; k < 30; k++)
			o += snprintf(bomb + o, sizeof(bomb) - o, "%s*a%d", k ? "," : "", l - 1);
		o += snprintf(bomb + o, sizeof(bomb) - o, "]\n");
	}
	cr_assert_eq(load_str(bomb, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "line 1") && strstr(err, "anchors"), "%s", err);
	cr_assert_eq(load_str("kdamonds: &k []\n", &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "anchors (&name)"), "%s", err);
	cr_assert_eq(load_str("b: *x\n", &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "aliases (*name)"), "%s", err);
}

Test(config, oversize_fifo_and_device_refused)
{
	char dir[] = "/tmp/nw-cfg-XXXXXX", path[256], err[512];
	struct nw_config c;
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	f = fopen(path, "w");
	cr_assert(f);
	fputs("kdamonds:\n", f);
	for (int i = 0; i < 100000; i++)
		fputs("# padding padding padding\n", f);
	fclose(f);
	config_defaults(&c);
	cr_assert_eq(config_load_yaml(path, &c, collect, err, sizeof(err)), -EFBIG);
	cr_assert(strstr(err, "larger than"), "%s", err);
	unlink(path);
	snprintf(path, sizeof(path), "%s/fifo.yaml", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(config_load_yaml(path, &c, collect, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
	unlink(path);
	rmdir(dir);
	cr_assert_eq(config_load_yaml("/dev/zero", &c, collect, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
}

#define IV_YAML(iv, q) \
	"kdamonds: [ {contexts: [ {ops: vaddr, intervals: {sample_us: " iv "}, schemes: [ " \
	"{action: migrate_hot, quotas: " q "} ]} ]} ]"

/* The YAML obeys the command line's ranges, after unit conversion. */
Test(config, ranges_same_as_command_line)
{
	struct nw_config c;
	char err[512];

	cr_assert_eq(load_str(IV_YAML("1", "{sz_bytes: 0}"), &c, err, sizeof(err)), -ERANGE);
	cr_assert(strstr(err, "from 1 ms to 1 h"), "%s", err);
	cr_assert_eq(load_str(IV_YAML("18446744073709552 s", "{sz_bytes: 0}"), &c, err,
			      sizeof(err)), -EINVAL, "%s", err);
	cr_assert_eq(load_str(IV_YAML("5 ms", "{sz_bytes: 2305843009213694952}"), &c, err,
			      sizeof(err)), -ERANGE, "a quota that wraps in B/s passed");
	cr_assert_eq(load_str(IV_YAML("5 ms", "{sz_bytes: 100, reset_interval_ms: 1000}"), &c,
			      err, sizeof(err)), -ERANGE, "100 B/s passed");
	cr_assert_eq(load_str(IV_YAML("5 ms", "{sz_bytes: 10M, reset_interval_ms: 100}"), &c,
			      err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_quota_bps(&c), 100ull << 20);
	c.quota_bytes = UINT64_MAX - 1;
	c.quota_reset_ms = 1;
	cr_assert_eq(config_quota_bps(&c), UINT64_MAX, "saturates, not wraps");
}

/* The migrate_cold file of the heat scenario means what it says. */
Test(config, cold_idle3s)
{
	struct nw_config c;
	char err[512];

	config_defaults(&c);
	cr_assert_eq(config_load_yaml(YAML_DIR "cold_idle3s.yaml", &c, collect, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(c.action, NW_MIGRATE_COLD);
	cr_assert(!c.ap.acc_pct && c.ap.acc_min == 0 && c.ap.acc_max == 0);
	cr_assert_eq(c.ap.age_min_us, 3000000);
	cr_assert(c.have_weights && c.weights[1] == 1 && c.weights[0] == 0);
	cr_assert_eq(c.interval_us, 200000);
}

#define DAMO_DIR "tests/unit/damo/"

static void load_damo(const char *file, struct nw_config *c)
{
	char err[512];

	config_defaults(c);
	warnings[0] = 0;
	cr_assert_eq(config_load_yaml(file, c, collect, err, sizeof(err)), 0, "%s: %s", file, err);
	/* damo writes every key; those at damo's default are not worth a warning */
	cr_assert_str_empty(warnings, "%s: %s", file, warnings);
}

/* What damo 3.3.0 itself wrote (tests/unit/damo/README), YAML and JSON, unchanged. */
Test(config, damo_330_files_load_unchanged)
{
	struct nw_config y, j;

	load_damo(DAMO_DIR "hot_filters.yaml", &y);
	load_damo(DAMO_DIR "hot_filters.json", &j);
	cr_assert(!memcmp(&y, &j, sizeof(y)), "YAML and JSON differ");
	cr_assert(y.nr_pids == 1 && y.pids[0] == 1234);
	cr_assert(y.action == NW_MIGRATE_HOT && y.have_weights);
	cr_assert(y.weights[0] == 1 && y.weights[1] == 3 && y.weights[2] == 0);
	cr_assert(y.ap.acc_pct);
	cr_assert_float_eq(y.ap.acc_min, 5.0, 1e-9);
	cr_assert(isinf(y.ap.acc_max), "18,446,744,073,709,551,615 %% is damo's max");
	cr_assert_eq(y.ap.age_min_us, 1000000);
	cr_assert_eq(y.ap.age_max_us, UINT64_MAX);
	cr_assert_eq(y.quota_bytes, 256ull << 20);
	cr_assert_eq(y.quota_reset_ms, 1000);
	cr_assert_eq(y.quota_time_ms, 0);
	cr_assert_eq(y.nr_dfilters, 2);
	cr_assert(y.dfilters[0].type == NW_FILTER_ANON && y.dfilters[0].matching &&
		  !y.dfilters[0].allow, "reject anon");
	cr_assert(y.dfilters[1].type == NW_FILTER_ADDR && y.dfilters[1].matching &&
		  y.dfilters[1].allow && y.dfilters[1].start == 4096 && y.dfilters[1].end == 8192,
		  "allow addr 4,096-8,192");

	load_damo(DAMO_DIR "cold_time.yaml", &y);
	load_damo(DAMO_DIR "cold_time.json", &j);
	cr_assert(!memcmp(&y, &j, sizeof(y)), "YAML and JSON differ");
	cr_assert(y.nr_pids == 1 && y.pids[0] == 4321);
	cr_assert(y.action == NW_MIGRATE_COLD);
	cr_assert(y.weights[0] == 0 && y.weights[1] == 1, "target_nid 1");
	cr_assert(y.ap.acc_pct && y.ap.acc_min == 0 && y.ap.acc_max == 0);
	cr_assert_eq(y.ap.age_min_us, 3000000);
	cr_assert_eq(y.quota_time_ms, 10, "time_ms: 10 ms");
	cr_assert_eq(y.quota_reset_ms, 500, "reset_interval_ms: 500 ms");
	cr_assert_eq(y.quota_bytes, 0);
	cr_assert(y.nr_dfilters == 1 && y.dfilters[0].type == NW_FILTER_ANON &&
		  !y.dfilters[0].matching && !y.dfilters[0].allow, "reject none anon");
}

/*
 * What damo writes with no quota option (issue 28: refused, "max" read as
 * 18446744073709551 ms): "max" is DAMON's ULONG_MAX, a window that never
 * resets; with no quota it changes nothing; a size quota never renewed is
 * refused by name, since numaweave's size quota is a rate.
 */
Test(config, damo_max_reset_interval)
{
	static const char sz[] =
		"kdamonds:\n- contexts:\n  - targets: [{pid: 1}]\n    schemes:\n"
		"    - action: migrate_hot\n      target_nid: 0\n"
		"      quotas: {sz_bytes: 64 MiB, reset_interval_ms: max}\n";
	static const char tm[] =
		"kdamonds:\n- contexts:\n  - targets: [{pid: 1}]\n    schemes:\n"
		"    - action: migrate_hot\n      target_nid: 0\n"
		"      quotas: {time_ms: 20, reset_interval_ms: max}\n";
	struct nw_config y, j;
	char err[512];

	load_damo(DAMO_DIR "defaults.yaml", &y);
	load_damo(DAMO_DIR "defaults.json", &j);
	cr_assert(!memcmp(&y, &j, sizeof(y)), "YAML and JSON differ");
	cr_assert_eq(y.quota_reset_ms, NW_MS_NEVER);
	cr_assert(y.quota_bytes == 0 && y.quota_time_ms == 0);
	cr_assert_eq(config_check(&y, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_quota_bps(&y), 0, "no quota");
	cr_assert(y.weights[0] == 1 && y.weights[1] == 1);

	config_defaults(&y);
	cr_assert_neq(config_load_yaml_buf(sz, sizeof(sz) - 1, &y, collect, err, sizeof(err)), 0);
	cr_assert(strstr(err, "reset_interval_ms max") && strstr(err, "give a reset interval"),
		  "%s", err);

	config_defaults(&y);
	cr_assert_eq(config_load_yaml_buf(tm, sizeof(tm) - 1, &y, collect, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(config_check(&y, err, sizeof(err)), 0, "a time budget never renewed: %s", err);
	cr_assert(y.quota_time_ms == 20 && y.quota_reset_ms == NW_MS_NEVER);
}

/* A key damo would have at its default is silent; set otherwise, it is said. */
Test(config, damo_defaults_silent_others_said)
{
	static const char doc[] =
		"kdamonds:\n- contexts:\n  - ops: vaddr\n    targets: [{pid: 1}]\n"
		"    pause: true\n    schemes:\n    - action: migrate_hot\n      target_nid: 0\n"
		"      watermarks: {metric: free_mem_rate, interval_us: 5 s}\n"
		"      quotas: {goal_tuner: consist, goals: []}\n";
	struct nw_config c;
	char err[512];

	config_defaults(&c);
	warnings[0] = 0;
	cr_assert_eq(config_load_yaml_buf(doc, sizeof(doc) - 1, &c, collect, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert(strstr(warnings, "pause") && strstr(warnings, "watermarks"), "%s", warnings);
	cr_assert(!strstr(warnings, "goal"), "%s", warnings);
}
