// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware sensors on fixture trees, rates worked out by hand in the
 * comments:
 *   resctrl (tests/unit/fixtures/resctrl-2s-cxl: two sockets and a CXL
 *   expander), its counters written step by step from the fixture's series;
 *   uncore (tests/unit/fixtures/uncore-2s: two sockets, two iMC PMUs each;
 *   umc-2s: the same with AMD's UMC PMUs), with perf_event_open replaced by a
 *   stand-in that records what was asked and hands out the fixture's counter
 *   series.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "autow.h"
#include "sensors.h"

#define FIXTURE "tests/unit/fixtures/resctrl-2s-cxl"
#define UNCORE "tests/unit/fixtures/uncore-2s"
#define UMC "tests/unit/fixtures/umc-2s"
#define UNCORE_CXL "tests/unit/fixtures/uncore-2s-cxl"
#define CHA "tests/unit/fixtures/cha-2s-cxl"
#define G 1e9

static char root[64];

/* A copy of fixture dir's sys tree in root (the tests write into it). */
static void copy_fixture_of(const char *dir)
{
	char cmd[256];

	snprintf(root, sizeof(root), "/tmp/nw-sensor.XXXXXX");
	cr_assert(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cp -r %s/sys %s/", dir, root);
	cr_assert_eq(system(cmd), 0);
}

static void copy_fixture(void)
{
	copy_fixture_of(FIXTURE);
}

static void remove_fixture(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	cr_assert_eq(system(cmd), 0);
}

/* Writes val and a newline to the fixture copy's sys/REL. */
static void put_sys(const char *rel, const char *val)
{
	char path[384];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/%s", root, rel);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void put(const char *dom, const char *file, const char *val)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "fs/resctrl/mon_data/mon_L3_%s/%s", dom, file);
	put_sys(rel, val);
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
	cr_assert_eq(s.u.rdt.ndom, 2);
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

Test(sensors, auto_alone_takes_resctrl_where_no_pmu_counts)
{
	struct sensor s;
	char sys[128], err[512];

	copy_fixture();
	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto", sys, step(0), err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(s.name, "resctrl");
	cr_assert_eq(s.u.rdt.ndom, 2);
	cr_assert(strstr(s.chosen, "chosen by auto") && strstr(s.chosen, "uncore not: ") &&
		  strstr(s.chosen, "event_source"), "%s", s.chosen);
	sensor_close(&s);
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
	/* auto alone, where neither uncore nor resctrl opens: both reasons said */
	cr_assert_eq(sensor_open_at(&s, "auto", sys, 0, err, sizeof(err)), -ENODEV);
	cr_assert(strstr(err, "uncore: ") && strstr(err, "resctrl: ") &&
		  strstr(err, "mon_L3_01") && strstr(err, "auto:file:PATH"), "%s", err);
	remove_fixture();
}

/* ---- uncore ---- */

#define NCTR 48		/* iMC 2 PMUs x 2 sockets x {read, write}, a CXL PMU's, 12 CHA groups x 3 */

static struct fake {
	char pmu[64], event[64];
	int type, cpu, fd;
	uint64_t config, config1, count;
} fk[NCTR];
static int nfk, open_err;

static int fake_open(const char *pmu, const char *event, int type, uint64_t config,
		     uint64_t config1, int cpu)
{
	struct fake *f = &fk[nfk];

	if (open_err)
		return open_err;
	cr_assert(nfk < NCTR, "more counters opened than the fixture has");
	snprintf(f->pmu, sizeof(f->pmu), "%s", pmu);
	snprintf(f->event, sizeof(f->event), "%s", event);
	f->type = type;
	f->cpu = cpu;
	f->config = config;
	f->config1 = config1;
	f->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);	/* a real fd: the sensor closes it */
	cr_assert(f->fd >= 0);
	nfk++;
	return f->fd;
}

static int fake_read(int fd, uint64_t *count)
{
	for (int i = 0; i < nfk; i++)
		if (fk[i].fd == fd) {
			*count = fk[i].count;
			return 0;
		}
	return -EBADF;
}

static const struct sensor_perf_ops fake_ops = { fake_open, fake_read };

/* The counter of pmu's event on cpu (-1: on any). */
static struct fake *find_on(const char *pmu, const char *event, int cpu)
{
	for (int i = 0; i < nfk; i++)
		if (!strcmp(fk[i].pmu, pmu) && !strcmp(fk[i].event, event) &&
		    (cpu < 0 || fk[i].cpu == cpu))
			return &fk[i];
	return NULL;
}

static struct fake *find(const char *pmu, const char *event)
{
	return find_on(pmu, event, -1);
}

/* A copy of a perf fixture, and the stand-in for perf_event_open reset. */
static void perf_setup(const char *fixture)
{
	copy_fixture_of(fixture);
	memset(fk, 0, sizeof(fk));
	nfk = open_err = 0;
	sensor_perf = &fake_ops;
}

static void setup(void)
{
	perf_setup(UNCORE);
}

static void teardown(void)
{
	remove_fixture();
}

/*
 * Row `row` of a fixture's series (seconds, then read and write counts of
 * pmu[0..3], each on cpu[0..3]) into the stand-in's counters; returns its time.
 */
static double series_step(const char *fixture, const char *const pmu[4], const int cpu[4],
			  const char *const ev[2], int row)
{
	char line[256], path[128];
	FILE *f;
	double sec = -1;
	int r = 0;

	snprintf(path, sizeof(path), "%s/series", fixture);
	f = fopen(path, "r");
	cr_assert(f, "%s", path);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long c[8];	/* 4 PMUs x {read, write} */

		if (line[0] == '#' || r++ != row)
			continue;
		cr_assert_eq(sscanf(line, "%lf %llu %llu %llu %llu %llu %llu %llu %llu", &sec, &c[0],
				    &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7]), 9);
		for (int i = 0; i < 8; i++) {
			struct fake *x = find_on(pmu[i / 2], ev[i % 2], cpu[i / 2]);

			if (x)	/* before the sensor opens: nothing to write into yet */
				x->count = c[i];
		}
	}
	fclose(f);
	cr_assert(sec >= 0, "no row %d", row);
	return sec;
}

static double uncore_step(int row)
{
	/* one PMU a channel; its cpumask names a CPU of each socket */
	static const char *const pmu[] = { "uncore_imc_0", "uncore_imc_1", "uncore_imc_0",
					   "uncore_imc_1" };
	static const int cpu[] = { 0, 0, 2, 2 };
	static const char *const ev[] = { "cas_count_read", "cas_count_write" };

	return series_step(UNCORE, pmu, cpu, ev, row);
}

TestSuite(uncore, .init = setup, .fini = teardown);

Test(uncore, counters_opened_as_perf_would)
{
	struct sensor s;
	char sys[128], err[256];
	struct fake *x;

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, uncore_step(0), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(s.name, "uncore");
	/*
	 * the two iMC PMUs, two events each, on a CPU of each socket (their
	 * cpumask "0,2"); cpu, clockticks and free-running ones skipped
	 */
	cr_assert_eq(nfk, 8);
	cr_assert_eq(s.u.unc.nctr, 8);
	/* event=0x04 in config:0-7, umask=0x03 in config:8-15 */
	x = find_on("uncore_imc_0", "cas_count_read", 0);
	cr_assert(x && x->type == 14 && x->config == 0x0304 && !x->config1,
		  "imc_0 read: type %d config %#llx", x ? x->type : -1,
		  x ? (unsigned long long)x->config : 0ull);
	x = find_on("uncore_imc_0", "cas_count_write", 2);
	cr_assert(x && x->type == 14 && x->config == 0x0c04);
	/* split format config:0-7,32-35: event=0x104 puts 0x04 in 0-7 and 0x1 at bit 32 */
	x = find_on("uncore_imc_1", "cas_count_read", 2);
	cr_assert(x && x->config == (0x0304ull | 1ull << 32), "imc_1 read config %#llx",
		  x ? (unsigned long long)x->config : 0ull);
	/* 64 bytes a count (6.103515625e-5 MiB); each counter's node is its CPU's */
	cr_assert_float_eq(s.u.unc.ctr[0].bytes, 64.0, 1e-9);
	for (int i = 0; i < s.u.unc.nctr; i++)
		for (int k = 0; k < nfk; k++)
			if (fk[k].fd == s.u.unc.ctr[i].fd)
				cr_assert_eq(s.u.unc.ctr[i].node, fk[k].cpu == 2, "counter %d on CPU %d",
					     i, fk[k].cpu);
	cr_assert_eq(s.lat_src[0] != 0, true, "why no latency is said");
	cr_assert_eq(s.has_latency, false);
	near(s.capacity[0], 100 * G, "capacity 0");
	near(s.capacity[1], 100 * G, "capacity 1");
	sensor_close(&s);
	cr_assert_eq(s.u.unc.nctr, 0);
}

Test(uncore, auto_alone_takes_it_first)
{
	struct sensor s;
	char sys[128], err[512];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto", sys, uncore_step(0), err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(s.name, "uncore");
	cr_assert_eq(s.u.unc.nctr, 8);
	cr_assert(strstr(s.chosen, "the first tried"), "%s", s.chosen);
	sensor_close(&s);
}

Test(uncore, rates_by_node)
{
	struct sensor s;
	double t[NW_MAX_NODES];
	char sys[128], err[256];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, uncore_step(0), err, sizeof(err)), 0,
		     "%s", err);
	/*
	 * t = 1: node 0 counted 100M + 25M (imc_0) + 50M (imc_1) CAS on CPU 0 =
	 * 175M x 64 B = 11.2 GB in 1 s; node 1 10M + 5M on CPU 2 = 0.96 GB.
	 */
	cr_assert_eq(sensor_read_at(&s, uncore_step(1), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 11.2 * G, "t=1 node 0");
	near(t[1], 0.96 * G, "t=1 node 1");
	/* t = 3 (2 s): node 0 +100M reads = 6.4 GB -> 3.2 GB/s; node 1 +300M + 100M -> 12.8 */
	cr_assert_eq(sensor_read_at(&s, uncore_step(2), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 3.2 * G, "t=3 node 0");
	near(t[1], 12.8 * G, "t=3 node 1");
	/* t = 4: imc_0's read counter on CPU 0 went back (reset): no rate from it, no error */
	cr_assert_eq(sensor_read_at(&s, uncore_step(3), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 0, "t=4 node 0 (reset)");
	near(t[1], 0, "t=4 node 1");
	sensor_close(&s);
}

Test(uncore, refusals_name_the_problem)
{
	struct sensor s;
	char sys[128], path[512], err[512];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	/* perf refused: says which counter and what it needs */
	open_err = -EACCES;
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, 0, err, sizeof(err)), -EACCES);
	cr_assert(strstr(err, "uncore_imc_0/cas_count_read") && strstr(err, "CAP_PERFMON"), "%s",
		  err);
	open_err = 0;
	/* a CPU-less memory node (a CXL expander): its traffic is not in these counters */
	put_sys("devices/system/node/has_memory", "0-2");
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, 0, err, sizeof(err)), -ENODEV);
	cr_assert(strstr(err, "node 2") && strstr(err, "CXL"), "%s", err);
	/* a unit that is not bytes */
	put_sys("devices/system/node/has_memory", "0-1");
	put_sys("bus/event_source/devices/uncore_imc_1/events/cas_count_write.unit", "Joules");
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, 0, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "uncore_imc_1/events/cas_count_write") && strstr(err, "bytes"), "%s",
		  err);
	/* no such PMU at all (this development host) */
	snprintf(path, sizeof(path), "rm -rf %s/bus/event_source/devices/uncore_imc_*", sys);
	cr_assert_eq(system(path), 0);
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, 0, err, sizeof(err)), -ENODEV);
	cr_assert(strstr(err, "cas_count_read") && strstr(err, "amd_umc"), "%s", err);
}

/* ---- AMD UMC (tests/unit/fixtures/umc-2s: two sockets, NPS1, two UMC PMUs each) ---- */

static void umc_setup(void)
{
	perf_setup(UMC);
}

static double umc_step(int row)
{
	static const char *const pmu[] = { "amd_umc_0", "amd_umc_1", "amd_umc_2", "amd_umc_3" };
	static const int cpu[] = { 0, 0, 4, 4 };
	static const char *const ev[] = { "umc_cas_cmd.rd", "umc_cas_cmd.wr" };

	return series_step(UMC, pmu, cpu, ev, row);
}

TestSuite(umc, .init = umc_setup, .fini = teardown);

Test(umc, counters_from_perfs_tables)
{
	struct sensor s;
	char sys[128], err[256];
	struct fake *x;

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, umc_step(0), err, sizeof(err)), 0,
		     "%s", err);
	/* the four UMC PMUs, reads and writes; amd_df, amd_l3 and cpu skipped */
	cr_assert_eq(nfk, 8);
	/* no events/ in sysfs: event 0x0a in config:0-7, rdwrmask 1 (reads) or 2 in 8-9 */
	x = find("amd_umc_0", "umc_cas_cmd.rd");
	cr_assert(x && x->type == 25 && x->cpu == 0 && x->config == 0x10a && !x->config1,
		  "umc_0 rd: type %d cpu %d config %#llx", x ? x->type : -1, x ? x->cpu : -1,
		  x ? (unsigned long long)x->config : 0ull);
	x = find("amd_umc_3", "umc_cas_cmd.wr");
	cr_assert(x && x->type == 28 && x->cpu == 4 && x->config == 0x20a,
		  "umc_3 wr: type %d cpu %d config %#llx", x ? x->type : -1, x ? x->cpu : -1,
		  x ? (unsigned long long)x->config : 0ull);
	cr_assert_float_eq(s.u.unc.ctr[0].bytes, 64.0, 1e-9);
	cr_assert_eq(s.u.unc.ctr[0].node, 0);
	cr_assert_eq(s.u.unc.ctr[3].node, 0);
	cr_assert_eq(s.u.unc.ctr[4].node, 1);
	sensor_close(&s);
}

Test(umc, rates_by_node)
{
	struct sensor s;
	double t[NW_MAX_NODES];
	char sys[128], err[256];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, umc_step(0), err, sizeof(err)), 0,
		     "%s", err);
	/*
	 * t = 1: node 0 50M + 10M (umc_0) + 30M + 10M (umc_1) = 100M commands x 64 B
	 * = 6.4 GB in 1 s; node 1 5M (umc_2 reads) + 20M (umc_3 writes) = 1.6 GB.
	 */
	cr_assert_eq(sensor_read_at(&s, umc_step(1), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 6.4 * G, "t=1 node 0");
	near(t[1], 1.6 * G, "t=1 node 1");
	/* t = 3 (2 s): node 1 +100M reads +50M writes (umc_2) = 9.6 GB -> 4.8 GB/s */
	cr_assert_eq(sensor_read_at(&s, umc_step(2), t, err, sizeof(err)), 0, "%s", err);
	near(t[0], 0, "t=3 node 0");
	near(t[1], 4.8 * G, "t=3 node 1");
	sensor_close(&s);
}

Test(umc, nps2_refused)
{
	struct sensor s;
	char sys[128], err[512];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	/* node 1's CPUs in package 0 too: package 0 is two memory nodes (NPS2) */
	for (int c = 4; c < 8; c++) {
		char rel[96];

		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/physical_package_id", c);
		put_sys(rel, "0");
	}
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, 0, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "amd_umc_0") && strstr(err, "NPS2") && strstr(err, "nodes 0 and 1"),
		  "%s", err);
	cr_assert_eq(nfk, 0, "nothing opened");
}

/* ---- a CXL expander's PMU (tests/unit/fixtures/uncore-2s-cxl: uncore-2s and node 2) ---- */

static void cxl_setup(void)
{
	perf_setup(UNCORE_CXL);
}

TestSuite(cxl, .init = cxl_setup, .fini = teardown);

Test(cxl, expanders_node_from_its_decoders)
{
	struct sensor s;
	char sys[128], err[512], cmd[256];
	struct fake *rd;

	snprintf(sys, sizeof(sys), "%s/sys", root);
	/*
	 * endpoint5's uport is mem0 (cxl_pmu_mem0.0's device); its decoder5.0
	 * decodes 1 GiB at 0x1080000000, memory blocks 528-535 of 128 MiB,
	 * node 2's; decoder5.1 decodes nothing
	 */
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(s.cxl_src, "cxl_pmu_mem0.0=2");
	rd = find("cxl_pmu_mem0.0", "m2s_req_memrd");
	cr_assert(rd);
	for (int i = 0; i < s.u.unc.nctr; i++)
		if (s.u.unc.ctr[i].fd == rd->fd)
			cr_assert_eq(s.u.unc.ctr[i].node, 2);
	sensor_close(&s);
	/* named in the spec: the name wins, nothing taken from sysfs */
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, "auto:uncore:cxl_pmu_mem0.0=2", sys, 0, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(s.cxl_src, "");
	sensor_close(&s);
	/* a range that spans two nodes tells none: refused, asking for the name */
	snprintf(cmd, sizeof(cmd), "ln -s ../../memory/memory535 %s/devices/system/node/node1/",
		 sys);
	cr_assert_eq(system(cmd), 0);
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, 0, err, sizeof(err)), -ENODEV);
	cr_assert(strstr(err, "auto:uncore:cxl_pmu_mem0.0=2"), "%s", err);
}

Test(cxl, unnamed_expander_refused_with_the_spec_to_give)
{
	struct sensor s;
	char sys[128], err[512], cmd[256];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	/* no CXL bus in sysfs (no cxl_acpi, or an older kernel): its node cannot be found */
	snprintf(cmd, sizeof(cmd), "rm -r %s/bus/cxl", sys);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(sensor_open_at(&s, "auto:uncore", sys, 0, err, sizeof(err)), -ENODEV);
	cr_assert(strstr(err, "node 2") && strstr(err, "auto:uncore:cxl_pmu_mem0.0=2"), "%s", err);
}

Test(cxl, named_expander_counted_for_its_node)
{
	struct sensor s;
	double t[NW_MAX_NODES];
	char sys[128], err[512];
	struct fake *rd, *wr;

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto:uncore:cxl_pmu_mem0.0=2", sys, 0, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(nfk, 10);
	/* the events say config=...: passed as the raw word */
	rd = find("cxl_pmu_mem0.0", "m2s_req_memrd");
	wr = find("cxl_pmu_mem0.0", "m2s_rwd_memwr");
	cr_assert(rd && rd->type == 31 && rd->cpu == 0 && rd->config == 0x1e98001000000002ull,
		  "memrd: type %d config %#llx", rd ? rd->type : -1,
		  rd ? (unsigned long long)rd->config : 0ull);
	cr_assert(wr && wr->config == 0x1e98001100000002ull);
	/* node 2's counters are the CXL PMU's two, and only they */
	for (int i = 0, on2 = 0; i < s.u.unc.nctr; i++) {
		if (s.u.unc.ctr[i].node == 2) {
			cr_assert(s.u.unc.ctr[i].fd == rd->fd || s.u.unc.ctr[i].fd == wr->fd);
			on2++;
		}
		if (i == s.u.unc.nctr - 1)
			cr_assert_eq(on2, 2);
	}
	near(s.capacity[2], 50 * G, "capacity 2 (HMAT 30 + 20)");
	/* 2 s: 50M MemRd + 25M MemWr x 64 B = 4.8 GB -> 2.4 GB/s on node 2, none elsewhere */
	rd->count = 50000000;
	wr->count = 25000000;
	cr_assert_eq(sensor_read_at(&s, 2, t, err, sizeof(err)), 0, "%s", err);
	near(t[2], 2.4 * G, "node 2");
	near(t[0], 0, "node 0");
	sensor_close(&s);
}

Test(cxl, bad_maps_refused)
{
	struct sensor s;
	char sys[128], err[512];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, "auto:uncore:cxl_pmu_mem9.0=2", sys, 0, err, sizeof(err)),
		     -ENODEV);
	cr_assert(strstr(err, "cxl_pmu_mem9.0") && strstr(err, "found: cxl_pmu_mem0.0"), "%s", err);
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, "auto:uncore:cxl_pmu_mem0.0=5", sys, 0, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "node 5 has no memory"), "%s", err);
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, "auto:uncore:cxl_pmu_mem0.0", sys, 0, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "PMU=NODE"), "%s", err);
	cr_assert_eq(sensor_open_at(&s, "auto:uncore:cxl_pmu_mem0.0=two", sys, 0, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "not a node id"), "%s", err);
}

/*
 * ---- loaded latency from the CHAs (tests/unit/fixtures/cha-2s-cxl: the
 * uncore-2s-cxl machine as a Sapphire Rapids, six CHA PMUs) ----
 */

static void cha_setup(void)
{
	perf_setup(CHA);
}

TestSuite(cha, .init = cha_setup, .fini = teardown);

#define SPEC_CXL "auto:uncore:cxl_pmu_mem0.0=2"

/* The sensor's group whose occupancy counter is fd, or NULL. */
static const struct cha_grp *group_of(const struct sensor *s, int fd)
{
	for (int i = 0; i < s->u.unc.ncha; i++)
		if (s->u.unc.cha[i].fd[0] == fd)
			return &s->u.unc.cha[i];
	return NULL;
}

/* Cumulative counts of CHA pmu on cpu, counting reads of class cls. */
static void tor_set(const char *pmu, int cpu, const char *cls, uint64_t occ, uint64_t ins,
		    uint64_t clk)
{
	char ev[2][80];
	struct fake *o, *i, *c;

	snprintf(ev[0], sizeof(ev[0]), "unc_cha_tor_occupancy.%s", cls);
	snprintf(ev[1], sizeof(ev[1]), "unc_cha_tor_inserts.%s", cls);
	o = find_on(pmu, ev[0], cpu);
	i = find_on(pmu, ev[1], cpu);
	c = find_on(pmu, "unc_cha_clockticks", cpu);
	cr_assert(o && i && c, "%s on CPU %d counts %s", pmu, cpu, cls);
	o->count = occ;
	i->count = ins;
	c->count = clk;
}

Test(cha, classes_spread_over_chas_and_sockets)
{
	struct sensor s;
	char sys[128], err[512];
	const struct cha_grp *g;
	struct fake *x;

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, SPEC_CXL, sys, 0, err, sizeof(err)), 0, "%s", err);
	/* 6 CHAs x 2 sockets, each one class: local DDR, remote DDR, CXL, local, ... */
	cr_assert_eq(s.u.unc.ncha, 12, "%d: %s", s.u.unc.ncha, s.lat_src);
	cr_assert_eq(nfk, 8 + 2 + 36, "iMC, CXL PMU and 3 counters a CHA group: %d", nfk);
	/* perf's umask 0xc8168601: 0x01 in config:8-15, 0xc81686 from bit 32 */
	x = find_on("uncore_cha_0", "unc_cha_tor_occupancy.ia_miss_drd_local_ddr", 0);
	cr_assert(x && x->type == 40 && x->config == (0x0136ull | 0xc81686ull << 32),
		  "occupancy config %#llx", x ? (unsigned long long)x->config : 0ull);
	cr_assert_eq(group_of(&s, x->fd)->node, 0);
	x = find_on("uncore_cha_0", "unc_cha_tor_occupancy.ia_miss_drd_local_ddr", 2);
	cr_assert(x && group_of(&s, x->fd)->node == 1, "socket 1's local reads are node 1's");
	x = find_on("uncore_cha_1", "unc_cha_tor_inserts.ia_miss_drd_remote_ddr", 0);
	cr_assert(x && x->config == (0x0135ull | 0xc81706ull << 32));
	/* remote from socket 0 is node 1; from socket 1, node 0 */
	x = find_on("uncore_cha_1", "unc_cha_tor_occupancy.ia_miss_drd_remote_ddr", 0);
	cr_assert(x && group_of(&s, x->fd)->node == 1);
	x = find_on("uncore_cha_1", "unc_cha_tor_occupancy.ia_miss_drd_remote_ddr", 2);
	cr_assert(x && group_of(&s, x->fd)->node == 0);
	/* CXL: umask 0x10c8178201 needs the bits above 55 */
	x = find_on("uncore_cha_5", "unc_cha_tor_occupancy.ia_miss_drd_cxl_acc", 2);
	cr_assert(x && x->config == (0x0136ull | 0x10c81782ull << 32));
	g = group_of(&s, x->fd);
	cr_assert(g && g->node == 2);
	x = find_on("uncore_cha_5", "unc_cha_clockticks", 2);
	cr_assert(x && x->config == 0x01 && g->fd[2] == x->fd);
	cr_assert(strstr(s.lat_src, "12 CHA counter groups") &&
		  strstr(s.lat_src, "local DDR, remote DDR, CXL"), "%s", s.lat_src);
	sensor_close(&s);
	cr_assert_eq(s.u.unc.ncha, 0);
}

Test(cha, latency_by_node)
{
	struct sensor s;
	double t[NW_MAX_NODES];
	char sys[128], err[512];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, SPEC_CXL, sys, 0, err, sizeof(err)), 0, "%s", err);
	/*
	 * 2 s at a 2 GHz CHA clock (4e9 ticks). Node 0: socket 0's local reads
	 * 200 cycles (100 ns) on two CHAs, 1M each; socket 1's remote reads to it
	 * 400 cycles (200 ns), 1M: (100 + 100 + 200) / 3 = 133.3 ns. Node 2: 600
	 * cycles (300 ns) on both of socket 0's CXL CHAs. Node 1 idle: no reads,
	 * no traffic: its HMAT read latency, 110 ns.
	 */
	tor_set("uncore_cha_0", 0, "ia_miss_drd_local_ddr", 200000000, 1000000, 4000000000);
	tor_set("uncore_cha_3", 0, "ia_miss_drd_local_ddr", 200000000, 1000000, 4000000000);
	tor_set("uncore_cha_1", 2, "ia_miss_drd_remote_ddr", 400000000, 1000000, 4000000000);
	tor_set("uncore_cha_2", 0, "ia_miss_drd_cxl_acc", 1200000000, 2000000, 4000000000);
	tor_set("uncore_cha_5", 0, "ia_miss_drd_cxl_acc", 1200000000, 2000000, 4000000000);
	cr_assert_eq(sensor_read_at(&s, 2, t, err, sizeof(err)), 0, "%s", err);
	cr_assert(s.has_latency);
	near(s.latency[0], 400.0 / 3, "node 0 latency");
	near(s.latency[1], 110, "node 1 latency (idle: HMAT)");
	near(s.latency[2], 300, "node 2 latency");
	/*
	 * Next 2 s: node 1 busy (socket 1's iMC counted 100M reads = 3.2 GB/s,
	 * over 1 % of its 100 GB/s) but no reads of it sampled: no latency for
	 * it, so none from the sensor this interval.
	 */
	find_on("uncore_imc_0", "cas_count_read", 2)->count = 100000000;
	cr_assert_eq(sensor_read_at(&s, 4, t, err, sizeof(err)), 0, "%s", err);
	near(t[1], 3.2 * G, "node 1 traffic");
	cr_assert_not(s.has_latency, "a busy node without samples has no latency");
	/*
	 * Next 2 s: socket 1's local CHAs see node 1's reads at 300 cycles at a
	 * 1.5 GHz clock (200 ns); socket 0's local counter 0 went back (reset):
	 * node 0 from the other CHA alone, 100 ns.
	 */
	tor_set("uncore_cha_0", 2, "ia_miss_drd_local_ddr", 300000000, 1000000, 3000000000);
	tor_set("uncore_cha_0", 0, "ia_miss_drd_local_ddr", 1000, 10, 8000000000);
	tor_set("uncore_cha_3", 0, "ia_miss_drd_local_ddr", 400000000, 2000000, 8000000000);
	tor_set("uncore_cha_2", 0, "ia_miss_drd_cxl_acc", 2400000000, 4000000, 8000000000);
	cr_assert_eq(sensor_read_at(&s, 6, t, err, sizeof(err)), 0, "%s", err);
	cr_assert(s.has_latency);
	near(s.latency[0], 100, "node 0 latency, the reset CHA left out");
	near(s.latency[1], 200, "node 1 latency");
	near(s.latency[2], 300, "node 2 latency");
	sensor_close(&s);
}

Test(cha, the_latency_law_decides_on_it)
{
	struct sensor s;
	struct autow_params p;
	struct autow a;
	double t[NW_MAX_NODES];
	uint32_t w[NW_MAX_NODES] = {0};
	char sys[128], err[512];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	cr_assert_eq(sensor_open_at(&s, SPEC_CXL, sys, 0, err, sizeof(err)), 0, "%s", err);
	autow_defaults(&p);
	autow_init(&a, &p, 0);
	/* home (node 0) saturated at 500 ns; node 1 idle (110 ns), node 2 at 300 ns */
	tor_set("uncore_cha_0", 0, "ia_miss_drd_local_ddr", 1000000000, 1000000, 4000000000);
	tor_set("uncore_cha_2", 0, "ia_miss_drd_cxl_acc", 600000000, 1000000, 4000000000);
	cr_assert_eq(sensor_read_at(&s, 2, t, err, sizeof(err)), 0, "%s", err);
	cr_assert(autow_decide_by(&a, &s, t, NULL, w), "%s", a.why);
	cr_assert(a.by_latency);
	near(a.l_home, 500, "home latency");
	cr_assert(w[1] > 0 && w[2] > 0, "spilled to both: %u %u %u", w[0], w[1], w[2]);
	sensor_close(&s);
}

Test(cha, other_cpus_and_old_formats_leave_latency_out)
{
	struct sensor s;
	double t[NW_MAX_NODES];
	char sys[128], err[512];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	/* an Ice Lake server (model 0x6a): other encodings, none of the CHA opened */
	put_sys("devices/system/cpu/modalias", "cpu:type:x86,ven0000fam0006mod006A:feature:,0000");
	cr_assert_eq(sensor_open_at(&s, SPEC_CXL, sys, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.u.unc.ncha, 0);
	cr_assert_eq(nfk, 10, "iMC and CXL PMU only");
	cr_assert(strstr(s.lat_src, "Sapphire") && strstr(s.lat_src, "another model"), "%s",
		  s.lat_src);
	cr_assert_eq(sensor_read_at(&s, 1, t, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(s.has_latency);
	sensor_close(&s);
	/* an older kernel's umask format (config:8-15,32-55): no room for the CXL class */
	put_sys("devices/system/cpu/modalias", "cpu:type:x86,ven0000fam0006mod008F:feature:,0000");
	for (int k = 0; k < 6; k++) {
		char rel[96];

		snprintf(rel, sizeof(rel), "bus/event_source/devices/uncore_cha_%d/format/umask", k);
		put_sys(rel, "config:8-15,32-55");
	}
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, SPEC_CXL, sys, 0, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.u.unc.ncha, 12, "local and remote DDR over the six CHAs, both sockets");
	for (int i = 0; i < s.u.unc.ncha; i++)
		cr_assert_neq(s.u.unc.cha[i].node, 2);
	cr_assert(strstr(s.lat_src, "local DDR, remote DDR)") &&
		  strstr(s.lat_src, "CXL reads not counted"), "%s", s.lat_src);
	sensor_close(&s);
}

Test(cha, sub_numa_clustering_refused)
{
	struct sensor s;
	char sys[128], err[512];

	snprintf(sys, sizeof(sys), "%s/sys", root);
	/* node 1's CPUs on package 0's die 0 too: the iMC counts cannot be split */
	put_sys("devices/system/cpu/cpu2/topology/physical_package_id", "0");
	put_sys("devices/system/cpu/cpu3/topology/physical_package_id", "0");
	cr_assert_eq(sensor_open_at(&s, SPEC_CXL, sys, 0, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "uncore_imc_0") && strstr(err, "sub-NUMA") &&
		  strstr(err, "nodes 0 and 1"), "%s", err);
	/* two dies of one package (each its own iMC boxes): counted apart */
	put_sys("devices/system/cpu/cpu2/topology/die_id", "1");
	put_sys("devices/system/cpu/cpu3/topology/die_id", "1");
	nfk = 0;
	cr_assert_eq(sensor_open_at(&s, SPEC_CXL, sys, 0, err, sizeof(err)), 0, "%s", err);
	sensor_close(&s);
}

/*
 * auto:file (issue 29): the file is read as a policy file is: a symlink is
 * refused (one to /etc/shadow would be read as root and its first line
 * logged), so is a file others may write; and no message echoes a line.
 */
Test(file_sensor, links_and_open_files_refused_and_nothing_echoed)
{
	char dir[] = "/tmp/nw-sensor-XXXXXX", path[128], link[128], spec[160], err[512];
	struct sensor s;
	double t[NW_MAX_NODES];
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bw", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	f = fopen(path, "w");
	fprintf(f, "0 1G 100G\n");
	fclose(f);
	chmod(path, 0644);
	snprintf(spec, sizeof(spec), "auto:file:%s", path);
	cr_assert_eq(sensor_open(&s, spec, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sensor_read(&s, t, err, sizeof(err)), 0, "%s", err);
	/* a secret-looking line: refused by line number, never echoed */
	f = fopen(path, "w");
	fprintf(f, "root:$6$secret:19000:0:99999:7:::\n");
	fclose(f);
	cr_assert_neq(sensor_read(&s, t, err, sizeof(err)), 0);
	cr_assert(strstr(err, "line 1") && !strstr(err, "secret"), "%s", err);
	f = fopen(path, "w");
	fprintf(f, "0 secretG 100G\n");
	fclose(f);
	cr_assert_neq(sensor_read(&s, t, err, sizeof(err)), 0);
	cr_assert(strstr(err, "second column") && !strstr(err, "secret"), "%s", err);
	/* the file replaced by a link */
	cr_assert_eq(symlink("/etc/hostname", link), 0);
	snprintf(spec, sizeof(spec), "auto:file:%s", link);
	cr_assert_neq(sensor_open(&s, spec, err, sizeof(err)), 0);
	cr_assert(strstr(err, "symlink"), "%s", err);
	/* writable by others */
	f = fopen(path, "w");
	fprintf(f, "0 1G 100G\n");
	fclose(f);
	chmod(path, 0666);
	snprintf(spec, sizeof(spec), "auto:file:%s", path);
	cr_assert_eq(sensor_open(&s, spec, err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, "writable by group or others"), "%s", err);
	unlink(link);
	unlink(path);
	rmdir(dir);
}
