// SPDX-License-Identifier: GPL-2.0
/* What numaweave reads of /proc and what it writes: procfs, the -v line, JSON. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "json.h"
#include "procfs.h"

Test(procfs, comm_with_newline_parens_and_spaces)
{
	struct proc_stat st;
	const char *stat = "4242 (evil\n) Z 1 2 3 4 5 6) S 1 4242 4242 0 -1 4194560 91 0 0 0 0 0 0 0 "
			   "20 0 1 0 123456 1000 100 18446744073709551615\n";

	cr_assert_eq(procfs_stat_parse(stat, &st), 0);
	cr_assert_eq(st.state, 'S');
	cr_assert_eq(st.ppid, 1);
	cr_assert_eq(st.flags, 4194560);
	cr_assert_eq(st.starttime, 123456);
	cr_assert_eq(procfs_stat_parse("1 (x", &st), -EINVAL);
	cr_assert_eq(procfs_stat_parse("1 (x) S", &st), -EINVAL);
}

Test(procfs, this_process)
{
	struct proc_stat st;

	cr_assert_eq(procfs_stat(getpid(), &st), 0);
	cr_assert(st.state == 'R' || st.state == 'S');
	cr_assert_eq(st.ppid, getppid());
	cr_assert(!proc_gone(getpid(), 0));
	cr_assert(proc_gone(999999999, 0));
	cr_assert(!proc_gone(getpid(), st.starttime), "the same process");
	cr_assert(proc_gone(getpid(), st.starttime + 1), "the pid names another process");
	cr_assert_eq(proc_tgid(getpid()), getpid());
}

Test(report, nodes_line_bounded_with_every_node)
{
	__u64 pages[NW_MAX_NODES];
	uint32_t w[NW_MAX_NODES] = { 0 };
	char buf[64 + 8];
	size_t n;

	for (int i = 0; i < NW_MAX_NODES; i++)
		pages[i] = 18446744073709551615ull;
	memset(buf + 64, 'Z', 8);
	n = report_nodes_line(buf, 64, pages, w);
	cr_assert_eq(n, strlen(buf));
	cr_assert_lt(n, 64);
	cr_assert(!memcmp(buf + 64, "ZZZZZZZZ", 8), "wrote past the buffer");
	cr_assert(!strncmp(buf, " n0=18446744073709551615 n1=", 28), "%s", buf);
	memset(pages, 0, sizeof(pages));
	w[3] = 1;
	pages[1] = 7;
	report_nodes_line(buf, 64, pages, w);
	cr_assert_str_eq(buf, " n1=7 n3=0");
}

static char *render(void (*fn)(struct jw *w))
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct jw w;

	jw_init(&w, f);
	fn(&w);
	fclose(f);
	return out;
}

static void doc(struct jw *w)
{
	uint32_t weights[NW_MAX_NODES] = { 3, 0, 1 };
	__u64 failed[NW_FAIL_MAX] = { [NW_FAIL_ENOMEM] = 5 };

	jw_start_object(w);
	jw_string_field(w, "s", "a\"b\\c\nd\x01");
	jw_uint_field(w, "u", 18446744073709551615ull);
	jw_name(w, "l");
	jw_start_array(w);
	jw_int(w, -1);
	jw_float(w, 0.5);
	jw_float(w, 1.0 / 0.0);
	jw_start_object(w);
	jw_end_object(w);
	jw_end_array(w);
	json_weights(w, "weights", weights);
	json_failed(w, "failed", failed);
	jw_end_object(w);
}

Test(json, writer_escapes_nests_and_shapes)
{
	char *s = render(doc);

	cr_assert_str_eq(s, "{\"s\": \"a\\\"b\\\\c\\u000ad\\u0001\", \"u\": 18446744073709551615, "
			    "\"l\": [-1, 0.500, null, {}], \"weights\": {\"0\": 3, \"2\": 1}, "
			    "\"failed\": {\"ebusy\": 0, \"eacces\": 0, \"enomem\": 5, \"efault\": 0, "
			    "\"enoent\": 0, \"eio\": 0, \"other\": 0}}\n");
	free(s);
}
