// SPDX-License-Identifier: GPL-2.0
/* sensors.c — the bandwidth sensors of the weights controller (sensors.h). */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "safeio.h"
#include "autow.h"
#include "sensors.h"

/* HMAT's attribute name of node n for its nearest initiators (access0); 0 if none. */
static double hmat_attr(const char *sys, int n, const char *name)
{
	char path[256];
	double v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices/system/node/node%d/access0/initiators/%s", sys,
		 n, name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%lf", &v) != 1 || !(v > 0))
		v = 0;
	fclose(f);
	return v;
}

/* HMAT's read + write bandwidth of node n (MB/s there), bytes/s; 0 if none. */
static double hmat_capacity(const char *sys, int n)
{
	return (hmat_attr(sys, n, "read_bandwidth") + hmat_attr(sys, n, "write_bandwidth")) * 1e6;
}

/* A node id 0..63, or -1. */
static int parse_node(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s >= '0' && *s <= '9' && !*end && v < NW_MAX_NODES ? (int)v : -1;
}

/* "180ns", "0.18us", "1ms" -> ns; -1 when it is not a latency. */
static double parse_latency(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !(v > 0) || v > 1e9)
		return -1;
	if (!strcmp(end, "ns"))
		return v;
	if (!strcmp(end, "us"))
		return v * 1e3;
	if (!strcmp(end, "ms"))
		return v * 1e6;
	return -1;
}

static int parse_file(struct sensor *s, double *traffic, char *err, int errlen)
{
	char *buf, *save = NULL, e[NW_ERRLEN];
	double cap[NW_MAX_NODES] = {0}, lat[NW_MAX_NODES] = {0};
	uint64_t with_lat = 0;
	struct stat st;
	size_t len;
	int rc, line = 0;

	/*
	 * Checked as a policy file is (issue 29): not a symlink (a link to
	 * /etc/shadow would be read as root), owned by root or by us, writable
	 * by nobody else; and no message echoes what it holds.
	 */
	rc = safe_read_file(s->path, SAFE_NOFOLLOW, 64 << 10, &buf, &len, &st, err, errlen);
	if (rc)
		return rc;
	if ((st.st_uid && st.st_uid != geteuid()) || (st.st_mode & 022)) {
		snprintf(err, errlen, "%s is %s: refused (the sensor file must be root's, writable "
			 "by its owner only)", s->path, st.st_mode & 022 ?
			 "writable by group or others" : "owned by another user");
		free(buf);
		return -EPERM;
	}
	for (int n = 0; n < NW_MAX_NODES; n++)
		traffic[n] = 0;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(l, '#'), node[32], t[64], c[64], x[64];
		uint64_t tv, cv;
		int got, nid;
		bool has_cap;
		double lv;

		line++;
		if (hash)
			*hash = 0;
		got = sscanf(l, "%31s %63s %63s %63s", node, t, c, x);
		if (got <= 0)
			continue;
		nid = parse_node(node);
		/* a latency is the last column, with its unit: "0 12G 100G 180ns", "0 12G 180ns" */
		lv = got >= 3 ? parse_latency(got == 4 ? x : c) : -1;
		if (got < 2 || nid < 0 || (got == 4 && lv < 0)) {
			snprintf(err, errlen, "%s line %d: expected NODE TRAFFIC [CAPACITY] [LATENCY] "
				 "(a node id, bytes/s, bytes/s, a time such as 180ns)", s->path,
				 line);
			free(buf);
			return -EINVAL;
		}
		/* the third column is a capacity unless it was the latency */
		has_cap = got == 4 || (got == 3 && lv < 0);
		if (parse_size(t, &tv, e) || (has_cap && parse_size(c, &cv, e))) {
			snprintf(err, errlen, "%s line %d: the %s column is not a size in bytes/s "
				 "(such as 12G)", s->path, line,
				 parse_size(t, &tv, e) ? "second" : "third");
			free(buf);
			return -EINVAL;
		}
		traffic[nid] = (double)tv;
		if (has_cap)
			cap[nid] = (double)cv;
		if (lv > 0) {
			lat[nid] = lv;
			with_lat |= 1ull << nid;
		}
	}
	free(buf);
	/* latency for every memory node or for none: the law compares them all */
	if (with_lat && (with_lat & s->mem_nodes) != s->mem_nodes) {
		for (int n = 0; n < NW_MAX_NODES; n++)
			if (s->mem_nodes >> n & 1 && !(with_lat >> n & 1)) {
				snprintf(err, errlen, "%s: a latency for some nodes but not for node %d "
					 "(give one for every node with memory, or none)", s->path, n);
				return -EINVAL;
			}
	}
	s->has_latency = with_lat != 0;
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!cap[n])
			cap[n] = s->hmat[n];
		s->capacity[n] = s->mem_nodes >> n & 1 ? cap[n] : 0;
		s->latency[n] = s->mem_nodes >> n & 1 ? lat[n] : 0;
	}
	return 0;
}

/* The first line of a small sysfs file, without its newline; 0, or -errno. */
static int read_line(const char *path, char *buf, int len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	return 0;
}

/* A cpulist/nodelist ("0-3,8"): its first number, or -1 when empty. */
static long list_first(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && v >= 0 ? v : -1;
}

/* The first CPU of node n (of s->sys), or -1: no CPUs, or no such node. */
static long node_first_cpu(const struct sensor *s, int n)
{
	char path[256], buf[1024];

	snprintf(path, sizeof(path), "%s/devices/system/node/node%d/cpulist", s->sys, n);
	return read_line(path, buf, sizeof(buf)) ? -1 : list_first(buf);
}

/* The next range [*a, *b] of a cpulist/nodelist ("0-3,8") at *s; false at its end. */
static bool list_next(const char **s, long *a, long *b)
{
	char *end;

	if (**s < '0' || **s > '9')
		return false;
	*a = *b = strtol(*s, &end, 10);
	if (*end == '-')
		*b = strtol(end + 1, &end, 10);
	*s = *end == ',' ? end + 1 : end;
	return true;
}

/* A nodelist ("0-2,4") as a mask of the nodes below NW_MAX_NODES. */
static uint64_t list_mask(const char *s)
{
	uint64_t m = 0;
	long a, b;

	while (list_next(&s, &a, &b))
		for (long n = a; n <= b && n < NW_MAX_NODES; n++)
			m |= 1ull << n;
	return m;
}

/* The nodes with memory (of s->sys) into s->mem_nodes. 0, or -errno with err. */
static int mem_nodes_read(struct sensor *s, char *err, int errlen)
{
	char path[256], buf[256];

	snprintf(path, sizeof(path), "%s/devices/system/node/has_memory", s->sys);
	if (read_line(path, buf, sizeof(buf)) || !(s->mem_nodes = list_mask(buf))) {
		snprintf(err, errlen, "%s: unreadable", path);
		return -ENODEV;
	}
	return 0;
}

/*
 * Each memory node's HMAT capacity, which sensor `what` requires: it gives
 * traffic only. 0, or -errno with err.
 */
static int hmat_capacities(struct sensor *s, const char *what, char *err, int errlen)
{
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!(s->mem_nodes >> n & 1))
			continue;
		s->capacity[n] = s->hmat[n] = hmat_capacity(s->sys, n);
		if (!s->capacity[n]) {
			snprintf(err, errlen, "%s gives traffic, not capacity, and node %d has no "
				 "HMAT bandwidth: use auto:file:PATH with capacities", what, n);
			return -EINVAL;
		}
	}
	return 0;
}

/* A counter file of resctrl: bytes, or -1 when it says "Unavailable"/"Error". */
static int64_t rdt_counter(const char *dir, const char *name)
{
	char path[512], buf[64];
	char *end;
	unsigned long long v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	v = strtoull(buf, &end, 10);
	return end != buf && !*end ? (int64_t)(v & INT64_MAX) : -1;
}

/* The node whose CPUs share L3 cache id, or -1. */
static int rdt_node_of(const struct sensor *s, int id)
{
	for (int n = 0; n < NW_MAX_NODES; n++) {
		char path[256], buf[256];
		long cpu = node_first_cpu(s, n);

		if (cpu < 0)
			continue;
		snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%ld/cache/index3/id", s->sys,
			 cpu);
		if (!read_line(path, buf, sizeof(buf)) && list_first(buf) == id)
			return n;
	}
	return -1;
}

/* Reads every domain's counters; their rates since the last reading into traffic. */
static int rdt_read(struct sensor *s, double now, double *traffic, char *err, int errlen)
{
	double dt = now - s->t_last, remote[NW_MAX_NODES] = {0};
	int good = 0;

	for (int n = 0; n < NW_MAX_NODES; n++)
		traffic[n] = 0;
	for (int i = 0; i < s->ndom; i++) {
		struct rdt_dom *d = &s->dom[i];
		char dir[512];
		int64_t tot, loc;

		snprintf(dir, sizeof(dir), "%s/mon_data/mon_L3_%02d", s->path, d->id);
		tot = rdt_counter(dir, "mbm_total_bytes");
		loc = rdt_counter(dir, "mbm_local_bytes");
		if (tot < 0) {
			d->ok = false;	/* no number this time: no rate now or next time */
			continue;
		}
		if (loc < 0)
			loc = tot;	/* no local counter: all of it counted at home */
		/* a rate needs two readings; a counter that went back (reset) gives none */
		if (d->ok && dt > 0 && (uint64_t)tot >= d->total && (uint64_t)loc >= d->local) {
			double t = (tot - (int64_t)d->total) / dt, l = (loc - (int64_t)d->local) / dt;

			traffic[d->node] += l < t ? l : t;
			remote[d->node] += t > l ? t - l : 0;
			good++;
		}
		d->total = (uint64_t)tot;
		d->local = (uint64_t)loc;
		d->ok = true;
	}
	s->t_last = now;
	/* what left each node's CPUs went to the other memory nodes: split by capacity */
	for (int from = 0; from < NW_MAX_NODES; from++) {
		double cap = 0;

		if (remote[from] <= 0)
			continue;
		for (int n = 0; n < NW_MAX_NODES; n++)
			if (n != from && s->capacity[n] > 0)
				cap += s->capacity[n];
		for (int n = 0; n < NW_MAX_NODES && cap > 0; n++)
			if (n != from && s->capacity[n] > 0)
				traffic[n] += remote[from] * s->capacity[n] / cap;
	}
	if (!good && s->ndom && dt > 0) {
		snprintf(err, errlen, "%s: no domain gave two readings in a row", s->path);
		return -EAGAIN;
	}
	return 0;
}

static int rdt_open(struct sensor *s, const char *group, double now, char *err, int errlen)
{
	char path[384];
	struct dirent *de;
	double t[NW_MAX_NODES];
	DIR *d;
	int rc;

	if (group)
		snprintf(s->path, sizeof(s->path), "%s", group);
	else
		snprintf(s->path, sizeof(s->path), "%s/fs/resctrl", s->sys);
	snprintf(path, sizeof(path), "%s/mon_data", s->path);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s (resctrl mounted, with memory bandwidth monitoring? "
			 "mount -t resctrl resctrl /sys/fs/resctrl)", path, strerror(errno));
		return -ENODEV;
	}
	while ((de = readdir(d)) && s->ndom < NW_MAX_NODES) {
		char *end;
		long id;
		int node;

		if (strncmp(de->d_name, "mon_L3_", 7))
			continue;
		id = strtol(de->d_name + 7, &end, 10);
		if (*end || end == de->d_name + 7)
			continue;
		node = rdt_node_of(s, (int)id);
		if (node < 0) {
			snprintf(err, errlen, "%s/%s: no node has the CPUs of L3 cache %ld", path,
				 de->d_name, id);
			closedir(d);
			return -EINVAL;
		}
		s->dom[s->ndom++] = (struct rdt_dom){ .id = (int)id, .node = node };
	}
	closedir(d);
	if (!s->ndom) {
		snprintf(err, errlen, "%s: no mon_L3_* domain (no memory bandwidth monitoring)", path);
		return -ENODEV;
	}
	if ((rc = mem_nodes_read(s, err, errlen)) || (rc = hmat_capacities(s, "resctrl", err, errlen)))
		return rc;
	s->t_last = now;
	rdt_read(s, now, t, err, errlen);	/* the first readings: rates from the next */
	return 0;
}

/* ---- uncore: memory-controller CAS counters through perf ---- */

static int perf_open(const char *pmu, const char *event, int type, uint64_t config,
		     uint64_t config1, int cpu)
{
	struct perf_event_attr a = {
		.size = sizeof(a), .type = (uint32_t)type, .config = config, .config1 = config1,
	};
	long fd = syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	(void)pmu;
	(void)event;
	return fd < 0 ? -errno : (int)fd;
}

static int perf_read(int fd, uint64_t *count)
{
	ssize_t n = read(fd, count, sizeof(*count));

	return n == sizeof(*count) ? 0 : n < 0 ? -errno : -EIO;
}

static const struct sensor_perf_ops perf_ops = { perf_open, perf_read };
const struct sensor_perf_ops *sensor_perf = &perf_ops;

/*
 * Puts value v into the bits a format file names ("config:0-7", "config1:8",
 * "config:0-7,32-35"): its low bits into the first range, the next into the
 * next. 0, or -EINVAL for a format this does not know.
 */
static int format_put(const char *fmt, uint64_t v, uint64_t cfg[3])
{
	const char *p = fmt;
	int which;

	if (!strncmp(p, "config1:", 8))
		which = 1, p += 8;
	else if (!strncmp(p, "config2:", 8))
		which = 2, p += 8;
	else if (!strncmp(p, "config:", 7))
		which = 0, p += 7;
	else
		return -EINVAL;
	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p || lo < 0 || lo > 63)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p || hi < lo || hi > 63)
				return -EINVAL;
		}
		for (long b = lo; b <= hi; b++, v >>= 1)
			cfg[which] |= (v & 1) << b;
		if (*end == ',')
			end++;
		else if (*end)
			return -EINVAL;
		p = end;
	}
	return v ? -ERANGE : 0;	/* bits left over: the value does not fit */
}

/* "event=0x04,umask=0x03" of PMU dir into its config words, by the PMU's format/ files. */
static int event_config(const char *dir, const char *spec, uint64_t cfg[3], char *err,
			int errlen)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", spec);
	cfg[0] = cfg[1] = cfg[2] = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '='), path[512], fmt[128], *end;
		uint64_t v = 1;		/* a bare term ("edge") is a 1-bit flag */
		int rc;

		if (eq) {
			*eq = 0;
			v = strtoull(eq + 1, &end, 0);
			if (end == eq + 1 || *end) {
				snprintf(err, errlen, "%s: event '%s': bad value for %s", dir, spec, t);
				return -EINVAL;
			}
		}
		/* config=, config1=, config2=: the raw words (cxl_pmu's events say config=) */
		if (!strcmp(t, "config") || !strcmp(t, "config1") || !strcmp(t, "config2")) {
			cfg[t[6] ? t[6] - '0' : 0] |= v;
			continue;
		}
		snprintf(path, sizeof(path), "%s/format/%s", dir, t);
		if (read_line(path, fmt, sizeof(fmt)) || (rc = format_put(fmt, v, cfg))) {
			snprintf(err, errlen, "%s: event '%s': term %s has no usable format (%s)",
				 dir, spec, t, path);
			return -EINVAL;
		}
	}
	return 0;
}

/* Bytes per count of event ev of PMU dir: .scale x .unit (MiB, KiB, B or none). */
static double event_bytes(const char *dir, const char *ev)
{
	char path[512], buf[64];
	double scale = 1, unit = 1;

	snprintf(path, sizeof(path), "%s/events/%s.scale", dir, ev);
	if (!read_line(path, buf, sizeof(buf)))
		scale = strtod(buf, NULL);
	snprintf(path, sizeof(path), "%s/events/%s.unit", dir, ev);
	if (!read_line(path, buf, sizeof(buf))) {
		if (!strcmp(buf, "MiB"))
			unit = 1048576;
		else if (!strcmp(buf, "KiB"))
			unit = 1024;
		else if (strcmp(buf, "B") && strcmp(buf, "Bytes") && buf[0])
			return -1;	/* a unit that is not bytes */
	}
	return scale > 0 && isfinite(scale) ? scale * unit : -1;
}

/* The node whose cpulist holds cpu, or -1. */
static int node_of_cpu(const struct sensor *s, long cpu)
{
	for (int n = 0; n < NW_MAX_NODES; n++) {
		char path[256], buf[1024];
		const char *p = buf;
		long a, b;

		snprintf(path, sizeof(path), "%s/devices/system/node/node%d/cpulist", s->sys, n);
		if (read_line(path, buf, sizeof(buf)))
			continue;
		while (list_next(&p, &a, &b))
			if (cpu >= a && cpu <= b)
				return n;
	}
	return -1;
}

/* The CHA groups' counters, closed (latency without them: none). */
static void cha_close(struct sensor *s)
{
	for (int i = 0; i < s->ncha; i++)
		for (int k = 0; k < 3; k++)
			if (s->cha[i].fd[k] >= 0)
				close(s->cha[i].fd[k]);
	s->ncha = 0;
}

void sensor_close(struct sensor *s)
{
	for (int i = 0; i < s->nctr; i++)
		if (s->ctr[i].fd >= 0)
			close(s->ctr[i].fd);
	s->nctr = 0;
	cha_close(s);
}

/* A topology number of cpu ("physical_package_id", "die_id"), or -1. */
static long topo_of_cpu(const struct sensor *s, long cpu, const char *what)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%ld/topology/%s", s->sys, cpu,
		 what);
	return read_line(path, buf, sizeof(buf)) ? -1 : strtol(buf, NULL, 10);
}

/*
 * A memory-controller PMU opened on cpu counts for cpu's whole package (AMD
 * UMC) or die (Intel iMC): right only while that is one memory node. 0, or
 * -EINVAL with the reason when another memory node's CPUs are in it too
 * (AMD NPS2/NPS4, Intel sub-NUMA clustering).
 */
static int cas_one_node(const struct sensor *s, const char *name, long cpu, int node, bool die,
			char *err, int errlen)
{
	long pkg = topo_of_cpu(s, cpu, "physical_package_id");
	long d = die ? topo_of_cpu(s, cpu, "die_id") : -1;

	if (pkg < 0)
		return 0;	/* no topology to tell: taken as one node a socket */
	for (int n = 0; n < NW_MAX_NODES; n++) {
		long c;

		if (n == node || !(s->mem_nodes >> n & 1) || (c = node_first_cpu(s, n)) < 0 ||
		    topo_of_cpu(s, c, "physical_package_id") != pkg ||
		    (die && topo_of_cpu(s, c, "die_id") != d))
			continue;
		snprintf(err, errlen, "%s counts for package %ld, which holds memory nodes %d and %d "
			 "(AMD NPS2/NPS4, or Intel sub-NUMA clustering): its CAS counts cannot be "
			 "split by node; use one node a socket (NPS1, SNC off) or auto:file:PATH",
			 name, pkg, node, n);
		return -EINVAL;
	}
	return 0;
}

/*
 * What a PMU offers for CAS reads and writes: Intel's iMC names the events
 * cas_count_read and cas_count_write in sysfs, with their encoding and
 * .scale/.unit; AMD's UMC PMUs (amd_umc_N, PerfMonV2) name none there, so the
 * encoding of perf's own tables is used: umc_cas_cmd.rd and .wr, event 0x0a
 * with rdwrmask 1 and 2, a 64-byte line a command. 0, or 1: neither.
 */
struct cas_events {
	const char *name[2];
	char spec[2][256];
	double bytes[2];
	bool umc, cxl;
};

static int cas_events_of(const char *dir, const char *name, struct cas_events *ce, char *err,
			 int errlen)
{
	static const char *const intel[] = { "cas_count_read", "cas_count_write" };
	static const char *const cxl[] = { "m2s_req_memrd", "m2s_rwd_memwr" };
	const char *const *ev = intel;
	char path[512];

	memset(ce, 0, sizeof(*ce));
	if (!strncmp(name, "amd_umc_", 8)) {
		snprintf(path, sizeof(path), "%s/format/rdwrmask", dir);
		if (access(path, R_OK))
			return 1;
		ce->umc = true;
		ce->name[0] = "umc_cas_cmd.rd";
		ce->name[1] = "umc_cas_cmd.wr";
		for (int k = 0; k < 2; k++) {
			snprintf(ce->spec[k], sizeof(ce->spec[k]), "event=0x0a,rdwrmask=%d", k + 1);
			ce->bytes[k] = 64;
		}
		return 0;
	}
	/* a CXL memory device's PMU: host reads (MemRd) and writes (MemWr) of its memory */
	snprintf(path, sizeof(path), "%s/events/%s", dir, cxl[0]);
	if (!access(path, R_OK)) {
		ev = cxl;
		ce->cxl = true;
	}
	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/events/%s", dir, ev[k]);
		if (access(path, R_OK))
			return 1;
	}
	for (int k = 0; k < 2; k++) {
		ce->name[k] = ev[k];
		snprintf(path, sizeof(path), "%s/events/%s", dir, ev[k]);
		if (read_line(path, ce->spec[k], sizeof(ce->spec[k]))) {
			snprintf(err, errlen, "%s: unreadable", path);
			return -EINVAL;
		}
		ce->bytes[k] = ce->cxl ? 64 : event_bytes(dir, ev[k]);	/* a line a request */
		if (ce->bytes[k] <= 0) {
			snprintf(err, errlen, "%s/events/%s: its .scale/.unit are not bytes", dir,
				 ev[k]);
			return -EINVAL;
		}
	}
	return 0;
}

/* A hex or decimal number in sysfs file path ("0x1080000000", "8000000" when hex). */
static bool sysfs_u64(const char *path, int base, uint64_t *v)
{
	char buf[64], *end;

	if (read_line(path, buf, sizeof(buf)) || !buf[0])
		return false;
	*v = strtoull(buf, &end, base);
	return !*end;
}

/*
 * The node whose memory blocks hold [start, start + size): -1 when none or
 * more than one does (the memory is not online, or spans nodes).
 */
static int node_of_range(const struct sensor *s, uint64_t start, uint64_t size)
{
	char path[256];
	uint64_t bs;
	int node = -1;

	snprintf(path, sizeof(path), "%s/devices/system/memory/block_size_bytes", s->sys);
	if (!sysfs_u64(path, 16, &bs) || !bs)
		return -1;
	for (int n = 0; n < NW_MAX_NODES; n++) {
		struct dirent *de;
		DIR *d;

		if (!(s->mem_nodes >> n & 1))
			continue;
		snprintf(path, sizeof(path), "%s/devices/system/node/node%d", s->sys, n);
		if (!(d = opendir(path)))
			continue;
		while ((de = readdir(d))) {
			char *end;
			unsigned long long m;

			if (strncmp(de->d_name, "memory", 6))
				continue;
			m = strtoull(de->d_name + 6, &end, 10);
			if (end == de->d_name + 6 || *end || m * bs < start || m * bs >= start + size)
				continue;
			if (node >= 0 && node != n) {
				closedir(d);
				return -1;
			}
			node = n;
		}
		closedir(d);
	}
	return node;
}

/*
 * The NUMA node of CXL PMU name's memory, from sysfs: cxl_pmu_memX.Y belongs
 * to memory device memX; the endpoint port whose uport is memX decodes its
 * host physical ranges in its decoders (decoderK.N start/size); the node is
 * the one whose memory blocks hold them. -1 when that does not say one node.
 */
static int cxl_sysfs_node(const struct sensor *s, const char *name)
{
	char dir[256], path[512], link[512], mem[32];
	struct dirent *de;
	int id, node = -1;
	long k = -1;
	DIR *d;

	if (sscanf(name, "cxl_pmu_mem%d.", &id) != 1)
		return -1;
	snprintf(mem, sizeof(mem), "mem%d", id);
	snprintf(dir, sizeof(dir), "%s/bus/cxl/devices", s->sys);
	if (!(d = opendir(dir)))
		return -1;
	while (k < 0 && (de = readdir(d))) {
		ssize_t n;
		const char *base;

		if (strncmp(de->d_name, "endpoint", 8))
			continue;
		snprintf(path, sizeof(path), "%s/%s/uport", dir, de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
			continue;
		link[n] = 0;
		base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
		if (!strcmp(base, mem))
			k = strtol(de->d_name + 8, NULL, 10);
	}
	rewinddir(d);
	while (k >= 0 && (de = readdir(d))) {
		char pre[32];
		uint64_t start, size;
		int n;

		snprintf(pre, sizeof(pre), "decoder%ld.", k);
		if (strncmp(de->d_name, pre, strlen(pre)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/size", dir, de->d_name);
		if (!sysfs_u64(path, 0, &size) || !size)
			continue;	/* not decoding */
		snprintf(path, sizeof(path), "%s/%s/start", dir, de->d_name);
		if (!sysfs_u64(path, 0, &start) || (n = node_of_range(s, start, size)) < 0 ||
		    (node >= 0 && n != node)) {
			node = -1;
			break;
		}
		node = n;
	}
	closedir(d);
	return node;
}

/*
 * The node the spec names for CXL PMU name (marked used), else the one sysfs
 * says, or -1: then the name is kept for the message that asks for it.
 */
static int cxl_node(struct sensor *s, const char *name)
{
	size_t l;
	int node;

	for (int i = 0; i < s->ncxl; i++)
		if (!strcmp(s->cxl[i].pmu, name)) {
			s->cxl[i].used = true;
			return s->cxl[i].node;
		}
	/* not named: its node from its memory device's decoders, where sysfs tells */
	if ((node = cxl_sysfs_node(s, name)) >= 0) {
		l = strlen(s->cxl_src);
		snprintf(s->cxl_src + l, sizeof(s->cxl_src) - l, "%s%s=%d", l ? "," : "", name, node);
		return node;
	}
	l = strlen(s->cxl_unnamed);
	if (l + strlen(name) + 2 < sizeof(s->cxl_unnamed))
		snprintf(s->cxl_unnamed + l, sizeof(s->cxl_unnamed) - l, "%s%s", l ? " " : "", name);
	return -1;
}

/* "PMU=NODE,PMU=NODE" of auto:uncore:... into s->cxl. 0, or -EINVAL with err. */
static int cxl_map_parse(struct sensor *s, const char *map, char *err, int errlen)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", map);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '='), *end;
		long nd;

		if (!eq || eq == t || eq - t >= (long)sizeof(s->cxl[0].pmu) || strchr(t, '/') ||
		    s->ncxl >= NW_CXL_MAX) {
			snprintf(err, errlen, "auto:uncore:%s: expected PMU=NODE[,PMU=NODE] (at most "
				 "%d, e.g. cxl_pmu_mem0.0=2), got '%s'", map, NW_CXL_MAX, t);
			return -EINVAL;
		}
		*eq = 0;
		nd = strtol(eq + 1, &end, 10);
		if (end == eq + 1 || *end || nd < 0 || nd >= NW_MAX_NODES) {
			snprintf(err, errlen, "auto:uncore:%s: '%s' is not a node id", map, eq + 1);
			return -EINVAL;
		}
		snprintf(s->cxl[s->ncxl].pmu, sizeof(s->cxl[0].pmu), "%s", t);
		s->cxl[s->ncxl++].node = (int)nd;
	}
	return 0;
}

/* One counter of perf PMU name (type) on cpu: its fd, or -errno with err. */
static int perf_counter(const char *dir, const char *name, const char *ev, const char *spec,
			long type, long cpu, char *err, int errlen)
{
	uint64_t cfg[3];
	int rc;

	if (event_config(dir, spec, cfg, err, errlen))
		return -EINVAL;
	rc = sensor_perf->open(name, ev, (int)type, cfg[0], cfg[1], (int)cpu);
	if (rc < 0)
		snprintf(err, errlen, "perf_event_open %s/%s on CPU %ld: %s%s", name, ev, cpu,
			 strerror(-rc), rc == -EACCES || rc == -EPERM ?
			 " (needs CAP_PERFMON, or kernel.perf_event_paranoid <= 0)" : "");
	return rc;
}

/* A CAS PMU's read and write counters on cpu, counting for node. 0, or -errno with err. */
static int uncore_open_cpu(struct sensor *s, const char *dir, const char *name,
			   const struct cas_events *ce, long type, long cpu, int node, char *err,
			   int errlen)
{
	for (int k = 0; k < 2; k++) {
		struct uncore_ctr *c = &s->ctr[s->nctr];
		int fd;

		if (s->nctr >= NW_UNCORE_MAX) {
			snprintf(err, errlen, "more than %d uncore counters", NW_UNCORE_MAX);
			return -E2BIG;
		}
		fd = perf_counter(dir, name, ce->name[k], ce->spec[k], type, cpu, err, errlen);
		if (fd < 0)
			return fd;
		c->fd = fd;
		c->bytes = ce->bytes[k];
		c->node = node;
		s->nctr++;
	}
	return 0;
}

/* One PMU that counts CAS reads and writes: its counters. 0, 1 (not such a PMU), -errno. */
static int uncore_pmu(struct sensor *s, const char *devs, const char *name, char *err,
		      int errlen)
{
	char dir[384], path[512], buf[256];
	struct cas_events ce;
	long type, cpu, last;
	int node = -1, rc;

	snprintf(dir, sizeof(dir), "%s/%s", devs, name);
	if ((rc = cas_events_of(dir, name, &ce, err, errlen)))
		return rc;
	snprintf(path, sizeof(path), "%s/type", dir);
	if (read_line(path, buf, sizeof(buf)) || (type = strtol(buf, NULL, 10)) <= 0) {
		snprintf(err, errlen, "%s: unreadable", path);
		return -EINVAL;
	}
	if (ce.cxl && (node = cxl_node(s, name)) < 0)
		return 1;	/* not named: said if its node then has no counter */
	/*
	 * Intel's uncore PMUs list one CPU of each socket (die) in cpumask, and
	 * count that socket's box when opened there; AMD's UMC and the CXL PMUs
	 * list one CPU.
	 */
	snprintf(path, sizeof(path), "%s/cpumask", dir);
	if (read_line(path, buf, sizeof(buf)) || list_first(buf) < 0) {
		snprintf(err, errlen, "%s: no CPU in its cpumask", path);
		return -EINVAL;
	}
	for (const char *p = buf; list_next(&p, &cpu, &last);) {
		for (; cpu <= last; cpu++) {
			if (!ce.cxl && (node = node_of_cpu(s, cpu)) < 0) {
				snprintf(err, errlen, "%s: CPU %ld is in no node", path, cpu);
				return -EINVAL;
			}
			if (!ce.cxl && (rc = cas_one_node(s, name, cpu, node, !ce.umc, err, errlen)))
				return rc;
			if ((rc = uncore_open_cpu(s, dir, name, &ce, type, cpu, node, err, errlen)))
				return rc;
			if (ce.cxl)
				return 0;	/* one device: counted once */
		}
	}
	return 0;
}

/*
 * ---- loaded latency: Intel CHA TOR occupancy and inserts (SPR, EMR) ----
 *
 * Each CHA (uncore_cha_N, one box a socket in each) counts the demand reads
 * of its socket's cores that missed the LLC, by where they go: TOR inserts
 * (requests) and TOR occupancy (requests in flight, summed every cycle). By
 * Little's law occupancy/inserts is the mean time in flight, in CHA cycles;
 * the CHA's clockticks over the interval turn it into seconds. Encodings:
 * Intel's perfmon tables for Sapphire and Emerald Rapids (identical),
 * UMask|UMaskExt<<8 as perf joins them. Occupancy counts on counter 0 only,
 * one class a CHA at a time: the classes are spread over the CHAs, a few a
 * class and socket (addresses are hashed over all CHAs, so a few sample it).
 */
#define CHA_PER_CLASS 4		/* CHAs a class and socket */
#define CHA_MIN_INSERTS 64	/* fewer in an interval: no latency from them */

static const struct tor_class {
	const char *name;	/* perf's event, after unc_cha_tor_{occupancy,inserts}. */
	uint64_t umask;
} tor_class[] = {
	{ "ia_miss_drd_local_ddr", 0xc8168601 },	/* to this socket's DDR */
	{ "ia_miss_drd_remote_ddr", 0xc8170601 },	/* to the other socket's DDR */
	{ "ia_miss_drd_cxl_acc", 0x10c8178201 },	/* to CXL memory */
};
enum { TOR_LOCAL, TOR_REMOTE, TOR_CXL, TOR_NCLASS };

/* Family 6 model of this CPU from devices/system/cpu/modalias, or -1. */
static long intel_model(const struct sensor *s)
{
	char path[256], buf[512];
	const char *m;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/modalias", s->sys);
	if (read_line(path, buf, sizeof(buf)) || !strstr(buf, "ven0000fam0006") ||
	    !(m = strstr(buf, "mod")))
		return -1;
	return strtol(m + 3, NULL, 16);
}

/* The nodes with CPUs, as a mask. */
static uint64_t cpu_nodes(const struct sensor *s)
{
	uint64_t m = 0;

	for (int n = 0; n < NW_MAX_NODES; n++)
		if (node_first_cpu(s, n) >= 0)
			m |= 1ull << n;
	return m;
}

/* The node class c of reads from node `from`'s socket targets (cpus: cpu_nodes()); -1: none. */
static int tor_target(const struct sensor *s, uint64_t cpus, int c, int from)
{
	int dram = 0, cpuless = 0, other = -1, cxl = -1;

	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!(s->mem_nodes >> n & 1))
			continue;
		if (cpus >> n & 1) {
			dram++;
			if (n != from)
				other = n;
		} else {
			cpuless++;
			cxl = n;
		}
	}
	if (c == TOR_LOCAL)
		return s->mem_nodes >> from & 1 ? from : -1;
	if (c == TOR_REMOTE)	/* "remote" names no node: only two sockets tell it */
		return dram == 2 && s->mem_nodes >> from & 1 ? other : -1;
	return cpuless == 1 ? cxl : -1;	/* nor does "CXL" with two expanders */
}

/* Class c's TOR event (0x36 occupancy, 0x35 inserts) as perf writes it. */
static void tor_spec(char *buf, int len, int event, int c)
{
	snprintf(buf, len, "event=%#x,umask=%#llx", event, (unsigned long long)tor_class[c].umask);
}

/* One CHA group: class c of PMU name on cpu, for node. 0, or -errno with err. */
static int cha_group(struct sensor *s, const char *dir, const char *name, long type, long cpu,
		     int c, int node, char *err, int errlen)
{
	struct cha_grp *g = &s->cha[s->ncha];
	char spec[3][64], ev[3][64];

	tor_spec(spec[0], sizeof(spec[0]), 0x36, c);
	tor_spec(spec[1], sizeof(spec[1]), 0x35, c);
	snprintf(spec[2], sizeof(spec[2]), "event=0x01");
	snprintf(ev[0], sizeof(ev[0]), "unc_cha_tor_occupancy.%s", tor_class[c].name);
	snprintf(ev[1], sizeof(ev[1]), "unc_cha_tor_inserts.%s", tor_class[c].name);
	snprintf(ev[2], sizeof(ev[2]), "unc_cha_clockticks");
	*g = (struct cha_grp){ .fd = { -1, -1, -1 }, .node = node };
	s->ncha++;	/* counted now: sensor_close closes what opened */
	for (int k = 0; k < 3; k++)
		if ((g->fd[k] = perf_counter(dir, name, ev[k], spec[k], type, cpu, err, errlen)) < 0)
			return g->fd[k];
	return 0;
}

/*
 * The classes of reads that have a node to go to here and an encoding the
 * CHA PMU at dir takes (the CXL class needs the umask bits up to 60: the
 * kernel's format config:8-15,32-63; older ones stop at 55) into active, their
 * names into used, what was left out and why into skip. Returns how many.
 */
static int tor_classes(const struct sensor *s, uint64_t cpus, const char *dir, int *active,
		       char *used, int ulen, char *skip, int slen)
{
	static const char *const cls[] = { "local DDR", "remote DDR", "CXL" };
	int nact = 0;

	for (int c = 0; c < TOR_NCLASS; c++) {
		char spec[64], e[256];
		uint64_t cfg[3];
		bool any = false;

		for (int nd = 0; nd < NW_MAX_NODES; nd++)
			any |= (cpus >> nd & 1) && tor_target(s, cpus, c, nd) >= 0;
		if (!any)
			continue;
		tor_spec(spec, sizeof(spec), 0x36, c);
		if (event_config(dir, spec, cfg, e, sizeof(e))) {
			snprintf(skip + strlen(skip), slen - strlen(skip), "%s%s reads not counted: "
				 "their encoding (umask %#llx) does not fit this kernel's CHA umask "
				 "format", skip[0] ? "; " : "", cls[c],
				 (unsigned long long)tor_class[c].umask);
			continue;
		}
		active[nact++] = c;
		snprintf(used + strlen(used), ulen - strlen(used), "%s%s", nact > 1 ? ", " : "",
			 cls[c]);
	}
	return nact;
}

/*
 * The CHA groups, where this is a CPU whose encodings are known; else none,
 * and lat_src says why. Traffic does not depend on them: a failure here only
 * leaves latency out.
 */
static void cha_open(struct sensor *s, const char *devs)
{
	int per[NW_MAX_NODES][TOR_NCLASS] = {{0}}, active[TOR_NCLASS], nact = 0, k = 0, n;
	long model = intel_model(s);
	uint64_t cpus = cpu_nodes(s);
	struct dirent **names;
	char err[256] = "", used[64] = "", skip[160] = "";

	for (int nd = 0; nd < NW_MAX_NODES; nd++)
		s->hmat_lat[nd] = s->mem_nodes >> nd & 1 ? hmat_attr(s->sys, nd, "read_latency") : 0;
	n = scandir(devs, &names, NULL, versionsort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		char dir[384], path[512], buf[256];
		const char *p = buf;
		long type, cpu, last;

		if (strncmp(names[i]->d_name, "uncore_cha_", 11) || err[0])
			goto next;
		if (model != 0x8f && model != 0xcf) {
			snprintf(err, sizeof(err), "the CHA TOR encodings known here are Sapphire and "
				 "Emerald Rapids' (family 6, model 0x8f, 0xcf); this CPU: %s",
				 model < 0 ? "not Intel family 6" : "another model");
			goto next;
		}
		snprintf(dir, sizeof(dir), "%s/%s", devs, names[i]->d_name);
		if (!nact)
			nact = tor_classes(s, cpus, dir, active, used, sizeof(used), skip,
					   sizeof(skip));
		if (!nact) {
			snprintf(err, sizeof(err), "%s", skip);
			goto next;
		}
		snprintf(path, sizeof(path), "%s/type", dir);
		if (read_line(path, buf, sizeof(buf)) || (type = strtol(buf, NULL, 10)) <= 0)
			goto next;
		snprintf(path, sizeof(path), "%s/cpumask", dir);
		if (read_line(path, buf, sizeof(buf)))
			goto next;
		/* this CHA measures one class, the next CHA the next */
		for (int c = active[k++ % nact]; list_next(&p, &cpu, &last);)
			for (; cpu <= last && !err[0]; cpu++) {
				int from = node_of_cpu(s, cpu), to;

				if (from < 0 || (to = tor_target(s, cpus, c, from)) < 0 ||
				    per[from][c] >= CHA_PER_CLASS)
					continue;
				if (s->ncha >= NW_CHA_MAX)
					break;
				if (!cha_group(s, dir, names[i]->d_name, type, cpu, c, to, err,
					       sizeof(err)))
					per[from][c]++;
			}
next:
		free(names[i]);
	}
	free(names);
	if (err[0]) {
		cha_close(s);
		snprintf(s->lat_src, sizeof(s->lat_src), "no loaded latency: %s", err);
	} else if (!s->ncha) {
		snprintf(s->lat_src, sizeof(s->lat_src), "no loaded latency: no Intel CHA PMU "
			 "(uncore_cha_N) with a class of reads to count");
	} else {
		snprintf(s->lat_src, sizeof(s->lat_src), "loaded latency from %d CHA counter groups "
			 "(TOR occupancy/inserts of LLC-missing demand reads: %s)%s%s", s->ncha, used,
			 skip[0] ? "; " : "", skip);
	}
}

/*
 * Each memory node's loaded latency from the CHA groups' counts since the
 * last reading: their time in flight (occupancy over the CHA clock) over
 * their inserts, all sockets' reads to the node together. A node with too
 * few reads takes its HMAT read latency if it is idle (under 1 % of its
 * capacity), else it has none this interval, and neither has the sensor.
 */
static void cha_read(struct sensor *s, double dt, const double *traffic)
{
	double busy[NW_MAX_NODES] = {0}, ins[NW_MAX_NODES] = {0};
	bool all = s->ncha > 0;

	for (int i = 0; i < s->ncha; i++) {
		struct cha_grp *g = &s->cha[i];
		uint64_t v[3];
		bool back = false;

		if (sensor_perf->read(g->fd[0], &v[0]) || sensor_perf->read(g->fd[1], &v[1]) ||
		    sensor_perf->read(g->fd[2], &v[2])) {
			g->ok = false;
			continue;
		}
		for (int k = 0; k < 3; k++)
			back |= v[k] < g->last[k];	/* reset: no sample from it */
		if (g->ok && dt > 0 && !back && v[1] > g->last[1] && v[2] > g->last[2]) {
			busy[g->node] += (double)(v[0] - g->last[0]) * dt /
					 (double)(v[2] - g->last[2]);
			ins[g->node] += (double)(v[1] - g->last[1]);
		}
		memcpy(g->last, v, sizeof(v));
		g->ok = true;
	}
	for (int n = 0; n < NW_MAX_NODES; n++) {
		s->latency[n] = 0;
		if (!(s->mem_nodes >> n & 1))
			continue;
		if (ins[n] >= CHA_MIN_INSERTS)
			s->latency[n] = busy[n] / ins[n] * 1e9;
		else if (traffic[n] < 0.01 * s->capacity[n] && s->hmat_lat[n] > 0)
			s->latency[n] = s->hmat_lat[n];
		else
			all = false;
	}
	s->has_latency = all && dt > 0;
}

/* Counts since the last reading, as bytes/s per node. */
static int uncore_read(struct sensor *s, double now, double *traffic, char *err, int errlen)
{
	double dt = now - s->t_last;
	int good = 0;

	for (int n = 0; n < NW_MAX_NODES; n++)
		traffic[n] = 0;
	for (int i = 0; i < s->nctr; i++) {
		struct uncore_ctr *c = &s->ctr[i];
		uint64_t v;

		if (sensor_perf->read(c->fd, &v)) {
			c->ok = false;
			continue;
		}
		if (c->ok && dt > 0 && v >= c->last) {
			traffic[c->node] += (double)(v - c->last) * c->bytes / dt;
			good++;
		}
		c->last = v;
		c->ok = true;
	}
	s->t_last = now;
	cha_read(s, dt, traffic);
	if (!good && s->nctr && dt > 0) {
		snprintf(err, errlen, "uncore: no counter gave two readings in a row");
		return -EAGAIN;
	}
	return 0;
}

static int uncore_open(struct sensor *s, double now, char *err, int errlen)
{
	char devs[256];
	struct dirent **names;
	uint64_t seen = 0;
	double t[NW_MAX_NODES];
	int n, rc = 0;

	snprintf(devs, sizeof(devs), "%s/bus/event_source/devices", s->sys);
	snprintf(s->path, sizeof(s->path), "%s", devs);
	if ((rc = mem_nodes_read(s, err, errlen)))	/* UMC PMUs are checked against them */
		return rc;
	n = scandir(devs, &names, NULL, alphasort);	/* sorted: counters in a stable order */
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", devs, strerror(errno));
		return -ENODEV;
	}
	for (int i = 0; i < n; i++) {
		if (!rc && names[i]->d_name[0] != '.')
			rc = uncore_pmu(s, devs, names[i]->d_name, err, errlen);
		if (rc == 1)
			rc = 0;
		free(names[i]);
	}
	free(names);
	if (rc < 0) {
		sensor_close(s);
		return rc;
	}
	for (int i = 0; i < s->ncxl; i++) {
		if (!s->cxl[i].used) {
			bool found = s->cxl_unnamed[0] || s->cxl_src[0];

			snprintf(err, errlen, "%s: no CXL PMU %s with the events m2s_req_memrd and "
				 "m2s_rwd_memwr%s%s%s%s%s", devs, s->cxl[i].pmu,
				 found ? " (found: " : "", s->cxl_unnamed,
				 s->cxl_unnamed[0] && s->cxl_src[0] ? " " : "", s->cxl_src,
				 found ? ")" : "");
			sensor_close(s);
			return -ENODEV;
		}
		if (!(s->mem_nodes >> s->cxl[i].node & 1)) {
			snprintf(err, errlen, "auto:uncore: %s=%d: node %d has no memory",
				 s->cxl[i].pmu, s->cxl[i].node, s->cxl[i].node);
			sensor_close(s);
			return -EINVAL;
		}
	}
	if (!s->nctr) {
		snprintf(err, errlen, "%s: no PMU with the events cas_count_read and "
			 "cas_count_write (Intel iMC uncore) and no amd_umc_N PMU (AMD UMC, "
			 "PerfMonV2)", devs);
		return -ENODEV;
	}
	for (int i = 0; i < s->nctr; i++)
		seen |= 1ull << s->ctr[i].node;
	for (int nd = 0; nd < NW_MAX_NODES; nd++)
		if (s->mem_nodes >> nd & 1 && !(seen >> nd & 1)) {
			if (s->cxl_unnamed[0])
				snprintf(err, errlen, "node %d has memory but no counter: if it is a "
					 "CXL expander's, name its PMU's node (found: %s), e.g. "
					 "auto:uncore:%.48s=%d", nd, s->cxl_unnamed, s->cxl_unnamed, nd);
			else
				snprintf(err, errlen, "node %d has memory but no memory-controller "
					 "counter (a CPU-less node, e.g. a CXL expander, is not seen by "
					 "uncore CAS counters, and no CXL PMU was found): use "
					 "auto:file:PATH", nd);
			sensor_close(s);
			return -ENODEV;
		}
	if ((rc = hmat_capacities(s, "uncore", err, errlen))) {
		sensor_close(s);
		return rc;
	}
	cha_open(s, devs);
	s->t_last = now;
	uncore_read(s, now, t, err, errlen);	/* the first counts: rates from the next */
	return 0;
}

static double mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * `auto` alone: the first sensor this machine offers, the memory controllers'
 * counters (exact per node, with loaded latency on SPR/EMR) before resctrl
 * (the traffic that left a domain is split by capacity). s->chosen says which
 * and why the other not; err, when neither opens, both reasons.
 */
static int sensor_choose(struct sensor *s, const char *sys, double now, char *err, int errlen)
{
	static const char *const order[] = { "auto:uncore", "auto:resctrl" };
	char why[2][384];

	for (int i = 0; i < 2; i++) {
		if (!sensor_open_at(s, order[i], sys, now, why[i], sizeof(why[i]))) {
			snprintf(s->chosen, sizeof(s->chosen), "chosen by auto%s%.300s",
				 i ? ", uncore not: " : " (the first tried)", i ? why[0] : "");
			return 0;
		}
	}
	snprintf(err, errlen, "auto: no sensor here (uncore: %s; resctrl: %s); name one: "
		 "auto:file:PATH takes the traffic another program measures", why[0], why[1]);
	return -ENODEV;
}

int sensor_open_at(struct sensor *s, const char *spec, const char *sys, double now, char *err,
		   int errlen)
{
	double t[NW_MAX_NODES];
	int rc;

	if (!strcmp(spec, "auto"))
		return sensor_choose(s, sys, now, err, errlen);
	memset(s, 0, sizeof(*s));
	snprintf(s->sys, sizeof(s->sys), "%s", sys);
	if (strlen(spec) >= sizeof(s->path)) {
		snprintf(err, errlen, "%s: path too long", spec);
		return -ENAMETOOLONG;
	}
	if (!strcmp(spec, "auto:resctrl") || !strncmp(spec, "auto:resctrl:", 13)) {
		s->kind = SENSOR_RESCTRL;
		snprintf(s->name, sizeof(s->name), "%s", spec + 5);
		return rdt_open(s, spec[12] ? spec + 13 : NULL, now, err, errlen);
	}
	if (!strcmp(spec, "auto:uncore") || !strncmp(spec, "auto:uncore:", 12)) {
		s->kind = SENSOR_UNCORE;
		snprintf(s->name, sizeof(s->name), "uncore");
		if (spec[11] && (rc = cxl_map_parse(s, spec + 12, err, errlen)))
			return rc;
		return uncore_open(s, now, err, errlen);
	}
	if (strncmp(spec, "auto:file:", 10) || !spec[10]) {
		snprintf(err, errlen, "'%s': the sensors are resctrl[:GROUP], uncore and file:PATH",
			 spec);
		return -EINVAL;
	}
	s->kind = SENSOR_FILE;
	snprintf(s->name, sizeof(s->name), "%s", spec + 5);
	snprintf(s->path, sizeof(s->path), "%s", spec + 10);
	s->mem_nodes = nodes_with_memory();
	for (int n = 0; n < NW_MAX_NODES; n++)
		s->hmat[n] = s->mem_nodes >> n & 1 ? hmat_capacity(s->sys, n) : 0;
	if ((rc = parse_file(s, t, err, errlen)))
		return rc;
	for (int n = 0; n < NW_MAX_NODES; n++)
		if (s->mem_nodes >> n & 1 && !s->capacity[n]) {
			snprintf(err, errlen, "%s: no capacity for node %d (give it as the third "
				 "column: no HMAT bandwidth here)", s->path, n);
			return -EINVAL;
		}
	return 0;
}

int sensor_open(struct sensor *s, const char *spec, char *err, int errlen)
{
	return sensor_open_at(s, spec, "/sys", mono_seconds(), err, errlen);
}

int sensor_check(const char *spec, char *err, int errlen)
{
	struct sensor s;
	int rc = sensor_open(&s, spec, err, errlen);

	if (!rc)
		sensor_close(&s);
	return rc;
}

int sensor_read_at(struct sensor *s, double now, double *traffic, char *err, int errlen)
{
	if (s->kind == SENSOR_RESCTRL)
		return rdt_read(s, now, traffic, err, errlen);
	if (s->kind == SENSOR_UNCORE)
		return uncore_read(s, now, traffic, err, errlen);
	return parse_file(s, traffic, err, errlen);
}

void sensor_log(const struct sensor *s)
{
	if (s->chosen[0])
		nw_info("sensor %s: %s", s->name, s->chosen);
	if (s->cxl_src[0])
		nw_info("sensor %s: CXL PMUs counting for the node sysfs gives their memory: %s",
			s->name, s->cxl_src);
	if (s->lat_src[0])
		nw_info("sensor %s: %s", s->name, s->lat_src);
}

int sensor_read(struct sensor *s, double *traffic, char *err, int errlen)
{
	return sensor_read_at(s, mono_seconds(), traffic, err, errlen);
}

bool autow_decide_by(struct autow *a, const struct sensor *s, const double *traffic,
		     const double *own, uint32_t *weights)
{
	if (s->has_latency)
		return autow_decide_latency(a, s->latency, s->capacity, weights);
	return autow_decide(a, traffic, s->capacity, own, weights);
}
