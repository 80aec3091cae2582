// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>
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
	cr_assert_eq(c.anon_filter, 1);
	cr_assert_eq(c.nr_filters, 2);	/* the target's region and the addr filter */
	cr_assert_eq(c.filters[0].start, 4096);
	cr_assert(c.filters[0].matching);
	cr_assert(!c.filters[1].matching);
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
	FILE *f = fmemopen((void *)yaml, strlen(yaml), "r");
	int rc;

	config_defaults(c);
	rc = config_load_yaml_file(f, c, collect, err, errlen);
	fclose(f);
	return rc;
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
