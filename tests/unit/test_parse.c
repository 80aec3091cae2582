// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include "parse.h"

Test(parse, weights_ok)
{
	uint32_t w[NW_MAX_NODES];
	char err[NW_ERRLEN];

	cr_assert_eq(parse_weights("0:1,1:3", 3, w, err), 0, "%s", err);
	cr_assert_eq(w[0], 1);
	cr_assert_eq(w[1], 3);
	cr_assert_eq(w[2], 0);
	cr_assert_eq(parse_weights("0-3:2", 3, w, err), 0, "%s", err);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(w[i], 2);
	cr_assert_eq(parse_weights(" 2:0 , 5:65535", 3, w, err), 0, "%s", err);
	cr_assert_eq(w[5], 65535);
}

/* numactl's node lists: "0,2", "all", "!1", against the nodes "all" stands for. */
Test(parse, weights_numactl_node_lists)
{
	uint32_t w[NW_MAX_NODES];
	char err[NW_ERRLEN];
	const uint64_t all = 0x2d;	/* nodes 0, 2, 3, 5 */

	cr_assert_eq(parse_weights("0,2:1,3:4", all, w, err), 0, "%s", err);
	cr_assert(w[0] == 1 && w[2] == 1 && w[3] == 4 && w[1] == 0 && w[5] == 0);
	cr_assert_eq(parse_weights("all:2", all, w, err), 0, "%s", err);
	cr_assert(w[0] == 2 && w[1] == 0 && w[2] == 2 && w[3] == 2 && w[4] == 0 && w[5] == 2);
	cr_assert_eq(parse_weights("!2:1,2:7", all, w, err), 0, "%s", err);
	cr_assert(w[0] == 1 && w[2] == 7 && w[3] == 1 && w[5] == 1 && w[1] == 0);
	cr_assert_eq(parse_weights("!0,5:3", all, w, err), 0, "%s", err);
	cr_assert(w[0] == 0 && w[5] == 0 && w[2] == 3 && w[3] == 3);
	cr_assert_eq(parse_weights("0-1,5:2", all, w, err), 0, "%s", err);
	cr_assert(w[0] == 2 && w[1] == 2 && w[5] == 2 && w[2] == 0);
	/* the list's own commas never split an entry */
	cr_assert_eq(parse_weights("0:1,2,3:4", all, w, err), 0, "%s", err);
	cr_assert(w[0] == 1 && w[2] == 4 && w[3] == 4);
	/* overlap between lists, lists that name nothing, relative nodes */
	cr_assert_eq(parse_weights("all:1,2:3", all, w, err), -EINVAL);
	cr_assert(strstr(err, "twice"), "%s", err);
	cr_assert_eq(parse_weights("!all:1", all, w, err), -EINVAL);
	cr_assert(strstr(err, "no node"), "%s", err);
	cr_assert_eq(parse_weights("+1:1", all, w, err), -EINVAL);
	cr_assert(strstr(err, "relative"), "%s", err);
	cr_assert_eq(parse_weights("0,:1", all, w, err), -EINVAL);
	cr_assert_eq(parse_weights("0!1:1", all, w, err), -EINVAL);
}

Test(parse, weights_bad)
{
	static const char *bad[] = {
		"", "0", "0:", ":1", "a:1", "0:x", "0:-1", "-1:1", "64:1", "0:65536", "0:1,0:2",
		"0:1,", "0:1;1:1", "0:1.5", "1-0:1", "0:99999999999999999999999",
	};
	uint32_t w[NW_MAX_NODES];
	char err[NW_ERRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		cr_assert_eq(parse_weights(bad[i], 3, w, err), -EINVAL, "'%s' accepted", bad[i]);
		cr_assert(strlen(err) > 0, "no message for '%s'", bad[i]);
	}
}

Test(parse, weights_messages_name_the_problem)
{
	uint32_t w[NW_MAX_NODES];
	char err[NW_ERRLEN];

	parse_weights("0:1,0:2", 3, w, err);
	cr_assert(strstr(err, "twice"), "%s", err);
	parse_weights("0:-2", 3, w, err);
	cr_assert(strstr(err, "negative"), "%s", err);
	parse_weights("70:1", 3, w, err);
	cr_assert(strstr(err, "out of range"), "%s", err);
}

Test(parse, sizes)
{
	uint64_t b;
	char err[NW_ERRLEN];

	cr_assert_eq(parse_size("4096", &b, err), 0);
	cr_assert_eq(b, 4096);
	cr_assert_eq(parse_size("256M", &b, err), 0);
	cr_assert_eq(b, 256ull << 20);
	cr_assert_eq(parse_size("1G", &b, err), 0);
	cr_assert_eq(b, 1ull << 30);
	cr_assert_eq(parse_size("0 B", &b, err), 0);
	cr_assert_eq(b, 0);
	cr_assert_eq(parse_size("2 MiB", &b, err), 0);
	cr_assert_eq(b, 2ull << 20);
	cr_assert_eq(parse_size("1.5G", &b, err), 0);
	cr_assert_eq(b, 3ull << 29);
	cr_assert_eq(parse_size("max", &b, err), 0);
	cr_assert_eq(b, UINT64_MAX);
	cr_assert_eq(parse_size("-1M", &b, err), -EINVAL);
	cr_assert_eq(parse_size("12Q", &b, err), -EINVAL);
	cr_assert_eq(parse_size("", &b, err), -EINVAL);
	cr_assert_eq(parse_size("99999999999T", &b, err), -EINVAL);
}

Test(parse, durations)
{
	uint64_t us;
	char err[NW_ERRLEN];

	cr_assert_eq(parse_duration("500 ms", &us, err), 0);
	cr_assert_eq(us, 500000);
	cr_assert_eq(parse_duration("5 s", &us, err), 0);
	cr_assert_eq(us, 5000000);
	cr_assert_eq(parse_duration("20s", &us, err), 0);
	cr_assert_eq(us, 20000000);
	cr_assert_eq(parse_duration("0 ns", &us, err), 0);
	cr_assert_eq(us, 0);
	cr_assert_eq(parse_duration("1500 ns", &us, err), 0);
	cr_assert_eq(us, 1);
	cr_assert_eq(parse_duration("100", &us, err), 0);
	cr_assert_eq(us, 100);
	cr_assert_eq(parse_duration("1m", &us, err), 0);
	cr_assert_eq(us, 60000000);
	cr_assert_eq(parse_duration("max", &us, err), 0);
	cr_assert_eq(us, UINT64_MAX);
	cr_assert_eq(parse_duration("5 parsecs", &us, err), -EINVAL);
	cr_assert(strstr(err, "unit"), "%s", err);
	cr_assert_eq(parse_duration("-5 s", &us, err), -EINVAL);
	cr_assert_eq(parse_duration("s", &us, err), -EINVAL);
}

Test(parse, percents)
{
	double v;
	int pct;
	char err[NW_ERRLEN];

	cr_assert_eq(parse_percent_or_count("0 %", &v, &pct, err), 0);
	cr_assert(pct && v == 0);
	cr_assert_eq(parse_percent_or_count("100 %", &v, &pct, err), 0);
	cr_assert(pct && v == 100);
	cr_assert_eq(parse_percent_or_count("7", &v, &pct, err), 0);
	cr_assert(!pct && v == 7);
	cr_assert_eq(parse_percent_or_count("101 %", &v, &pct, err), -EINVAL);
	cr_assert_eq(parse_percent_or_count("-3", &v, &pct, err), -EINVAL);
}

Test(parse, pids)
{
	int pid;
	char err[NW_ERRLEN];

	cr_assert_eq(parse_pid("123", &pid, err), 0);
	cr_assert_eq(pid, 123);
	cr_assert_eq(parse_pid("0", &pid, err), -EINVAL);
	cr_assert_eq(parse_pid("12x", &pid, err), -EINVAL);
	cr_assert_eq(parse_pid("99999999999", &pid, err), -EINVAL);
}

Test(parse, format_roundtrip)
{
	uint32_t w[NW_MAX_NODES], w2[NW_MAX_NODES];
	char buf[256], err[NW_ERRLEN];

	cr_assert_eq(parse_weights("0:3,1:1,7:9", 3, w, err), 0);
	format_weights(w, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0:3,1:1,7:9");
	cr_assert_eq(parse_weights(buf, 3, w2, err), 0);
	cr_assert_eq(memcmp(w, w2, sizeof(w)), 0);
}

/* Overflow and rounding: never a silent wrap, never a silent 0 ("no limit"). */
Test(parse, overflow_and_rounding_to_zero)
{
	char err[NW_ERRLEN];
	uint64_t v;

	cr_assert_neq(parse_size("0.0000000001K", &v, err), 0, "rounded to %llu",
		      (unsigned long long)v);
	cr_assert(strstr(err, "rounds to 0"), "%s", err);
	cr_assert_neq(parse_duration("1ns", &v, err), 0);
	cr_assert_neq(parse_size("18446744073709551615.9", &v, err), 0);
	cr_assert_neq(parse_size("16777216T", &v, err), 0);
	cr_assert(strstr(err, "too large"), "%s", err);
	cr_assert_eq(parse_size("0", &v, err), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse_size("0.5K", &v, err), 0);
	cr_assert_eq(v, 512);
}

/* damo 3.x writes "4,096", "1,000" and "18,446,744,073,709,551,615 %" (its max). */
Test(parse, damo_thousands_separators)
{
	char err[NW_ERRLEN];
	uint64_t b, us;
	double v;
	int pct;

	cr_assert_eq(parse_size("4,096", &b, err), 0, "%s", err);
	cr_assert_eq(b, 4096);
	cr_assert_eq(parse_size("1,000", &b, err), 0, "%s", err);
	cr_assert_eq(b, 1000);
	cr_assert_eq(parse_size("1,099,511,627,776", &b, err), 0, "%s", err);
	cr_assert_eq(b, 1ull << 40);
	cr_assert_eq(parse_size("1,048,576 B", &b, err), 0, "%s", err);
	cr_assert_eq(b, 1048576);
	cr_assert_eq(parse_size("1,234.5 KiB", &b, err), 0, "%s", err);
	cr_assert_eq(b, 1234 * 1024 + 512);
	cr_assert_eq(parse_duration("1,500 ms", &us, err), 0, "%s", err);
	cr_assert_eq(us, 1500000);
	cr_assert_eq(parse_percent_or_count("18,446,744,073,709,551,615 %", &v, &pct, err), 0, "%s", err);
	cr_assert(isinf(v));
	cr_assert_eq(parse_percent_or_count("1,000", &v, &pct, err), 0, "%s", err);
	cr_assert(v == 1000 && !pct);
	/* groups that are not thousands are refused, not read as something else */
	static const char *bad[] = { "1,00", "1,0000", "1234,567", ",100", "1,", "1,,000", "1.000,5" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_neq(parse_size(bad[i], &b, err), 0, "'%s' accepted as %llu", bad[i],
			      (unsigned long long)b);
}
