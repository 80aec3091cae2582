// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c — weights, sizes, durations and percents, in the forms numactl,
 * bpftool and damo users already type. Strict: trailing garbage, negative
 * numbers and overflow are errors that name what was wrong.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "parse.h"

#define ERR(...) do { if (err) snprintf(err, NW_ERRLEN, __VA_ARGS__); return -EINVAL; } while (0)

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* An unsigned decimal number; *end after it. No sign, no overflow. */
static int parse_u64(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		unsigned int d = *s - '0';

		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
		s++;
	}
	*v = x;
	*end = s;
	return 0;
}

/*
 * One NODES list in numactl's grammar: "N", "A-B", "all", comma-separated,
 * the whole list inverted by a leading '!' (against all). The list ends at
 * the end of s.
 */
static int parse_nodes(const char *s, uint64_t all, uint64_t *mask, char *err)
{
	const char *p = skip_ws(s);
	bool invert = false;
	uint64_t m = 0;

	if (*p == '!') {
		invert = true;
		p = skip_ws(p + 1);
	}
	for (;;) {
		uint64_t a, b;
		const char *q;

		if (!strncmp(p, "all", 3)) {
			m |= all;
			q = p + 3;
		} else {
			if (*p == '-')
				ERR("negative node id in '%s'", s);
			if (*p == '+')
				ERR("relative node numbers ('%s') are not supported", s);
			if (parse_u64(p, &a, &q))
				ERR("bad node id at '%s' (expected NODES:W, NODES like 0, 0-3, "
				    "0,2, all, !1)", p);
			b = a;
			if (*q == '-' && (parse_u64(q + 1, &b, &q) || b < a))
				ERR("bad node range in '%s'", s);
			if (b >= NW_MAX_NODES)
				ERR("node %llu out of range (0-%d)", (unsigned long long)b,
				    NW_MAX_NODES - 1);
			for (uint64_t n = a; n <= b; n++)
				m |= 1ull << n;
		}
		q = skip_ws(q);
		if (!*q)
			break;
		if (*q != ',')
			ERR("unexpected '%s' in node list '%s'", q, s);
		p = skip_ws(q + 1);
	}
	*mask = invert ? all & ~m : m;
	if (!*mask)
		ERR("node list '%s' names no node", s);
	return 0;
}

int parse_weights(const char *s, uint64_t all, uint32_t *weights, char *err)
{
	uint64_t named = 0;
	const char *p = s;

	memset(weights, 0, NW_MAX_NODES * sizeof(*weights));
	if (!s || !*skip_ws(s))
		ERR("empty weights (expected NODES:W[,NODES:W...])");
	while (*p) {
		/* NODES runs to the next ':' (its commas are its own), W to the next ',' */
		const char *colon = strchr(p, ':'), *q;
		char nodes[256];
		uint64_t mask, w;

		if (!colon)
			ERR("missing ':W' after '%s'", p);
		if ((size_t)(colon - p) >= sizeof(nodes))
			ERR("node list too long in '%s'", s);
		memcpy(nodes, p, colon - p);
		nodes[colon - p] = 0;
		if (!*skip_ws(nodes))
			ERR("missing node list before ':' in '%s'", s);
		if (parse_nodes(nodes, all, &mask, err))
			return -EINVAL;
		q = skip_ws(colon + 1);
		if (*q == '-')
			ERR("negative weight for nodes '%s'", nodes);
		if (parse_u64(q, &w, &q))
			ERR("weight for nodes '%s' is not a number in '%s'", nodes, s);
		if (w > NW_WEIGHT_MAX)
			ERR("weight %llu for nodes '%s' out of range (0-%u)", (unsigned long long)w,
			    nodes, NW_WEIGHT_MAX);
		if (mask & named)
			ERR("node %d named twice in '%s'", __builtin_ctzll(mask & named), s);
		named |= mask;
		for (int n = 0; n < NW_MAX_NODES; n++)
			if (mask & (1ull << n))
				weights[n] = (uint32_t)w;
		q = skip_ws(q);
		if (!*q)
			return 0;
		if (*q != ',')
			ERR("unexpected '%s' in weights", q);
		p = q + 1;
		if (!*skip_ws(p))
			ERR("trailing ',' in '%s'", s);
	}
	return 0;
}

/*
 * damo writes big numbers with thousands separators ("1,000", "4,096 B",
 * "18,446,744,073,709,551,615 %"): the commas of well-formed groups (one to
 * three digits, then groups of exactly three) are dropped; anything else is
 * left for the parser to refuse. Only sizes, durations, counts and percents
 * go through this (in weights a comma separates entries).
 */
static const char *ungroup(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	const char *p = s;

	while (*p) {
		const char *r = p;
		size_t digits = 0, groups = 0;
		bool ok = true;

		if (!isdigit((unsigned char)*p) || (p > s && p[-1] == '.')) {
			if (*p == ',' || n + 1 >= len)
				return s;
			buf[n++] = *p++;
			continue;
		}
		/* a run of digits and commas: d{1,3}(,ddd)* or plain digits */
		while (isdigit((unsigned char)*r) || (*r == ',' && isdigit((unsigned char)r[1]))) {
			if (*r == ',') {
				ok &= (groups ? digits == 3 : digits >= 1 && digits <= 3);
				groups++;
				digits = 0;
			} else {
				digits++;
			}
			r++;
		}
		if (groups && (!ok || digits != 3))
			return s;
		for (; p < r; p++) {
			if (*p == ',')
				continue;
			if (n + 1 >= len)
				return s;
			buf[n++] = *p;
		}
	}
	buf[n] = 0;
	return buf;
}

struct unit {
	const char *name;
	uint64_t mult;
};

static int parse_scaled(const char *s, const struct unit *units, const char *what,
			uint64_t *out, char *err)
{
	char plain[128];
	const char *p = skip_ws(ungroup(s, plain, sizeof(plain))), *q;
	uint64_t ip = 0, frac = 0, fscale = 1;
	char ubuf[16];
	size_t n = 0;
	bool nonzero = false;

	if (!strcasecmp(p, "max")) {
		*out = UINT64_MAX;
		return 0;
	}
	if (*p == '-')
		ERR("negative %s '%s'", what, s);
	if (parse_u64(p, &ip, &q))
		ERR("bad %s '%s'", what, s);
	if (*q == '.') {
		q++;
		if (!isdigit((unsigned char)*q))
			ERR("bad %s '%s'", what, s);
		while (isdigit((unsigned char)*q)) {
			nonzero |= *q != '0';
			if (fscale < 1000000000ull) {
				frac = frac * 10 + (*q - '0');
				fscale *= 10;
			}
			q++;
		}
	}
	q = skip_ws(q);
	while (*q && !isspace((unsigned char)*q) && n < sizeof(ubuf) - 1)
		ubuf[n++] = *q++;
	ubuf[n] = 0;
	if (*skip_ws(q))
		ERR("trailing '%s' in %s '%s'", skip_ws(q), what, s);
	for (const struct unit *u = units; u->name; u++) {
		if (strcmp(u->name, ubuf))
			continue;
		uint64_t fpart = (uint64_t)((double)frac * u->mult / fscale);

		if ((ip && u->mult > UINT64_MAX / ip) || ip * u->mult > UINT64_MAX - fpart - 1)
			ERR("%s '%s' too large", what, s);
		*out = ip * u->mult + fpart;
		/* "0.0000001K" is not 0 (which means "none" or "no limit" to some callers) */
		if (!*out && (ip || nonzero))
			ERR("%s '%s' rounds to 0", what, s);
		return 0;
	}
	ERR("unknown unit '%s' in %s '%s'", ubuf, what, s);
}

int parse_size(const char *s, uint64_t *bytes, char *err)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 }, { "b", 1 },
		{ "K", 1ull << 10 }, { "k", 1ull << 10 }, { "KB", 1ull << 10 }, { "KiB", 1ull << 10 },
		{ "M", 1ull << 20 }, { "m", 1ull << 20 }, { "MB", 1ull << 20 }, { "MiB", 1ull << 20 },
		{ "G", 1ull << 30 }, { "g", 1ull << 30 }, { "GB", 1ull << 30 }, { "GiB", 1ull << 30 },
		{ "T", 1ull << 40 }, { "t", 1ull << 40 }, { "TB", 1ull << 40 }, { "TiB", 1ull << 40 },
		{ NULL, 0 },
	};

	if (!s)
		ERR("missing size");
	return parse_scaled(s, units, "size", bytes, err);
}

int parse_duration(const char *s, uint64_t *usec, char *err)
{
	/* microseconds; "ns" rounds down. A bare number is microseconds, like damo's *_us. */
	static const struct unit units[] = {
		{ "", 1 }, { "us", 1 },
		{ "ms", 1000 }, { "s", 1000000 }, { "m", 60000000 }, { "min", 60000000 },
		{ "h", 3600000000ull },
		{ NULL, 0 },
	};
	const char *p;
	size_t len;

	if (!s)
		ERR("missing duration");
	p = skip_ws(s);
	len = strlen(p);
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (len > 2 && !strncmp(p + len - 2, "ns", 2)) {
		char buf[64];
		uint64_t ns;

		if (len - 2 >= sizeof(buf))
			ERR("bad duration '%s'", s);
		memcpy(buf, p, len - 2);
		buf[len - 2] = 0;
		if (parse_scaled(buf, units, "duration", &ns, err))
			ERR("bad duration '%s'", s);
		*usec = ns / 1000;
		if (ns && !*usec)
			ERR("duration '%s' rounds to 0 (below 1 us)", s);
		return 0;
	}
	return parse_scaled(s, units, "duration", usec, err);
}

int parse_percent_or_count(const char *s, double *value, int *is_percent, char *err)
{
	char plain[128];
	const char *p;
	char *end;
	double v;

	if (!s)
		ERR("missing value");
	p = skip_ws(ungroup(s, plain, sizeof(plain)));
	if (!strcasecmp(p, "max")) {
		*value = INFINITY;
		*is_percent = 0;
		return 0;
	}
	if (*p == '-' || !(isdigit((unsigned char)*p) || *p == '.'))
		ERR("bad value '%s'", s);
	errno = 0;
	v = strtod(p, &end);
	if (errno || end == p)
		ERR("bad value '%s'", s);
	end = (char *)skip_ws(end);
	*is_percent = 0;
	if (*end == '%') {
		*is_percent = 1;
		end = (char *)skip_ws(end + 1);
		if (v >= 18446744073709551615.0 && !*end) {
			*value = INFINITY;	/* damo's "max" as a percent: U64_MAX % */
			return 0;
		}
		if (v > 100.0)
			ERR("percent '%s' over 100", s);
	}
	if (*end)
		ERR("trailing '%s' in '%s'", end, s);
	*value = v;
	return 0;
}

int parse_pid(const char *s, int *pid, char *err)
{
	uint64_t v;
	const char *q;

	if (!s || parse_u64(skip_ws(s), &v, &q) || *q)
		ERR("bad pid '%s'", s ? s : "");
	if (v < 1 || v > INT_MAX)
		ERR("pid %s out of range", s);
	*pid = (int)v;
	return 0;
}

int format_weights(const uint32_t *weights, char *buf, int len)
{
	int n = 0;

	buf[0] = 0;
	for (int i = 0; i < NW_MAX_NODES && n < len; i++) {
		if (!weights[i])
			continue;
		n += snprintf(buf + n, len - n, "%s%d:%u", n ? "," : "", i, weights[i]);
	}
	if (!n)
		n = snprintf(buf, len, "(none)");
	return n;
}
