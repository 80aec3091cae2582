// SPDX-License-Identifier: GPL-2.0
/*
 * config_yaml.c — reading libyaml's document the way damo writes it: typed
 * getters that say where a value is wrong, and warnings for keys numaweave
 * does not act on unless they hold damo's default. Shared by config.c (the
 * document's layout) and config_scheme.c (one scheme), neither of which it
 * calls.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "config_def.h"
#include "config_yaml.h"
#include "parse.h"

int yfail(struct ycx *y, yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(y->err, y->errlen, "line %zu, column %zu: %s", n->start_mark.line + 1,
			 n->start_mark.column + 1, msg);
	else
		snprintf(y->err, y->errlen, "%s", msg);
	return -EINVAL;
}

/*
 * damo writes every key, each with its default when not set: a key numaweave
 * cannot honour is said only when it holds something else. Defaults that are
 * not zero, false, null or empty, by key (damo 3.3's `damo args damon`).
 */
static const struct { const char *key, *value; } damo_defaults[] = {
	{ "min", "10" }, { "max", "1,000" }, { "max", "1000" },		/* nr_regions */
	{ "page_table", "true" },					/* sample_control */
	{ "goal_tuner", "consist" },
	{ "sz_permil", "0.1 %" }, { "nr_accesses_permil", "0.1 %" }, { "age_permil", "0.1 %" },
	{ "ops_update_us", "1 s" },
	{ "state", "off" }, { "state", "on" },
};

static bool ydefault(struct ycx *y, yaml_node_t *n, const char *key, int depth)
{
	static const char *const zero[] = { "", "~", "null", "0", "false", "none", "0 B", "0 ns",
					    "0 us", "0 ms", "0 %", "[]", "{}" };
	const char *s = yscalar(n), *k;
	yaml_node_t *v;

	if (!n || depth > 8)
		return false;
	if (s) {
		for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
			if (!strcmp(s, zero[i]))
				return true;
		for (size_t i = 0; key && i < sizeof(damo_defaults) / sizeof(damo_defaults[0]); i++)
			if (!strcmp(key, damo_defaults[i].key) && !strcmp(s, damo_defaults[i].value))
				return true;
		return false;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			if (!ydefault(y, ynode(y, *it), NULL, depth + 1))
				return false;
		return true;
	}
	if (n->type == YAML_MAPPING_NODE) {
		FOR_MAP(y, n, k, v)
			if (!ydefault(y, v, k, depth + 1))
				return false;
		return true;
	}
	return false;
}

void ywarn(struct ycx *y, yaml_node_t *n, const char *path, const char *key,
		 const char *why)
{
	char msg[512];

	if (ydefault(y, n, key, 0))
		return;	/* damo's default: nothing numaweave would have to honour */

	snprintf(msg, sizeof(msg), "line %zu: %s.%s %s", n->start_mark.line + 1, path, key, why);
	if (y->warn)
		y->warn(msg);
}

yaml_node_t *ynode(struct ycx *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

const char *yscalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

bool yis_null(yaml_node_t *n)
{
	const char *s = yscalar(n);

	return s && (!*s || !strcmp(s, "null") || !strcmp(s, "~"));
}


int ywant(struct ycx *y, yaml_node_t *n, yaml_node_type_t t, const char *path)
{
	static const char *names[] = { "nothing", "a scalar", "a list", "a mapping" };

	if (!n || n->type != t)
		return yfail(y, n, "%s must be %s", path, names[t]);
	return 0;
}

int yget_u64(struct ycx *y, yaml_node_t *n, const char *path, uint64_t *v)
{
	char e[NW_ERRLEN];
	const char *s = yscalar(n);

	if (!s)
		return yfail(y, n, "%s must be a number", path);
	if (s[0] == '-')
		return yfail(y, n, "%s must not be negative ('%s')", path, s);
	if (parse_size(s, v, e))
		return yfail(y, n, "%s: %s", path, e);
	return 0;
}

int yget_dur(struct ycx *y, yaml_node_t *n, const char *path, uint64_t *us)
{
	char e[NW_ERRLEN];
	const char *s = yscalar(n);

	if (!s)
		return yfail(y, n, "%s must be a duration", path);
	if (parse_duration(s, us, e))
		return yfail(y, n, "%s: %s", path, e);
	return 0;
}

int yget_ms(struct ycx *y, yaml_node_t *n, const char *path, uint64_t *ms)
{
	const char *s = yscalar(n);
	uint64_t us;
	size_t i = 0;

	/* a bare number in a *_ms field is milliseconds; damo 3.x writes "100 ms", "1 s" */
	while (s && (isdigit((unsigned char)s[i]) || s[i] == ','))
		i++;
	if (s && i && !s[i])
		return yget_u64(y, n, path, ms);
	if (yget_dur(y, n, path, &us))
		return -EINVAL;
	if (us == UINT64_MAX) {	/* damo's "max": DAMON's ULONG_MAX, never (issue 28) */
		*ms = NW_MS_NEVER;
		return 0;
	}
	*ms = us / 1000;
	if (us && !*ms)
		return yfail(y, n, "%s: '%s' is under a millisecond", path, s);
	return 0;
}
