// SPDX-License-Identifier: GPL-2.0
/*
 * The resctrl sensor on a fixture tree (tests/unit/fixtures/resctrl-2s-cxl:
 * two sockets and a CXL expander), its counters written step by step from
 * the fixture's series. Expected rates worked out by hand in the comments.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sensors.h"

#define FIXTURE "tests/unit/fixtures/resctrl-2s-cxl"
#define G 1e9

static char root[64];

static void copy_fixture(void)
{
	char cmd[256];

	snprintf(root, sizeof(root), "/tmp/nw-rdt.XXXXXX");
	cr_assert(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cp -r %s/sys %s/", FIXTURE, root);
	cr_assert_eq(system(cmd), 0);
}

static void remove_fixture(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	cr_assert_eq(system(cmd), 0);
}

static void put(const char *dom, const char *file, const char *val)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/fs/resctrl/mon_data/mon_L3_%s/%s", root, dom, file);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fprintf(f, "%s\n", val);
	fclose(f);
}

/* Writes row `row` of the series into the tree; returns its time. */
static double step(int row)
{
	char line[256], t0[32], l0[32], t1[32], l1[32];
	FILE *f = fopen(FIXTURE "/series", "r");
	double sec = -1;
	int r = 0;

	cr_assert(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (r++ == row) {
			cr_assert_eq(sscanf(line, "%lf %31s %31s %31s %31s", &sec, t0, l0, t1, l1), 5);
			put("00", "mbm_total_bytes", t0);
			put("00", "mbm_local_bytes", l0);
			put("01", "mbm_total_bytes", t1);
			put("01", "mbm_local_bytes", l1);
		}
	}
	fclose(f);
	cr_assert(sec >= 0, "no row %d", row);
	return sec;
}

static void near(double got, double want, const char *what)
{
	cr_assert(got > want - 0.01 * G && got < want + 0.01 * G, "%s: %.3f GB/s, want %.3f",
		  what, got / G, want / G);
}

Test(sensors, resctrl_rates_by_node)
{
	struct sensor s;
	double t[NW_MAX_NODES];
	char sys[128], err[256];

	copy_fixture();
	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto:resctrl", sys, step(0), err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(s.ndom, 2);
	cr_assert_str_eq(s.name, "resctrl");
	/* capacities from HMAT: 60 + 40 GB/s per socket, 20 + 10 for the expander */
	near(s.capacity[0], 100 * G, "capacity 0");
	near(s.capacity[2], 30 * G, "capacity 2");

	/*
	 * t = 1: socket 0 moved 60 GB, 50 of them local; socket 1 20 GB, all
	 * local. The 10 GB socket 0 sent away is split by capacity over nodes 1
	 * (100) and 2 (30): 7.692 and 2.308.
	 */
	cr_assert_eq(sensor_read_at(&s, step(1), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 50 * G, "t=1 node 0");
	near(t[1], 20 * G + 10 * G * 100 / 130, "t=1 node 1");
	near(t[2], 10 * G * 30 / 130, "t=1 node 2");

	/* t = 2: socket 1's counters unavailable: only socket 0's traffic */
	cr_assert_eq(sensor_read_at(&s, step(2), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 50 * G, "t=2 node 0");
	near(t[1], 10 * G * 100 / 130, "t=2 node 1");

	/* t = 3: socket 1 back, but one reading is no rate; socket 0 idle */
	cr_assert_eq(sensor_read_at(&s, step(3), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 0, "t=3 node 0");
	near(t[1], 0, "t=3 node 1 (no rate after a gap)");

	/* t = 4: socket 0's counters were reset (went back): no rate; socket 1: 10 GB local */
	cr_assert_eq(sensor_read_at(&s, step(4), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 0, "t=4 node 0 (reset)");
	near(t[1], 10 * G, "t=4 node 1");
	near(t[2], 0, "t=4 node 2");
	remove_fixture();
}

Test(sensors, resctrl_refusals_name_the_problem)
{
	struct sensor s;
	char sys[128], path[256], err[256];

	copy_fixture();
	snprintf(sys, sizeof(sys), "%s/sys", root);
	/* a group that is not there */
	cr_assert_eq(sensor_open_at(&s, "auto:resctrl:/nonexistent/group", sys, 0, err, sizeof(err)),
		     -ENODEV);
	cr_assert(strstr(err, "/nonexistent/group/mon_data") && strstr(err, "mount"), "%s", err);
	/* the expander without HMAT bandwidth: capacity unknown */
	snprintf(path, sizeof(path), "%s/devices/system/node/node2/access0/initiators/read_bandwidth",
		 sys);
	cr_assert_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/devices/system/node/node2/access0/initiators/write_bandwidth",
		 sys);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(sensor_open_at(&s, "auto:resctrl", sys, 0, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "node 2") && strstr(err, "HMAT"), "%s", err);
	/* a domain whose L3 no node's CPUs have */
	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu2/cache/index3/id", sys);
	cr_assert_eq(truncate(path, 0), 0);
	cr_assert_eq(sensor_open_at(&s, "auto:resctrl", sys, 0, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "mon_L3_01") && strstr(err, "L3 cache 1"), "%s", err);
	/* no sensor named */
	cr_assert_eq(sensor_open_at(&s, "auto", sys, 0, err, sizeof(err)), -ENODEV);
	cr_assert(strstr(err, "auto:resctrl") && strstr(err, "auto:file:PATH"), "%s", err);
	remove_fixture();
}
