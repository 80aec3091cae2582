// SPDX-License-Identifier: GPL-2.0
/*
 * sensor_uncore.c — auto:uncore, the memory controllers' CAS counters (Intel
 * iMC, AMD UMC) and CXL memory devices' PMUs, each counting for its node.
 */
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
#include "sensor_impl.h"

static void uncore_close(struct sensor *s);

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

	for (int i = 0; i < s->u.unc.ncxl; i++)
		if (!strcmp(s->u.unc.cxl[i].pmu, name)) {
			s->u.unc.cxl[i].used = true;
			return s->u.unc.cxl[i].node;
		}
	/* not named: its node from its memory device's decoders, where sysfs tells */
	if ((node = cxl_sysfs_node(s, name)) >= 0) {
		l = strlen(s->cxl_src);
		snprintf(s->cxl_src + l, sizeof(s->cxl_src) - l, "%s%s=%d", l ? "," : "", name, node);
		return node;
	}
	l = strlen(s->u.unc.cxl_unnamed);
	if (l + strlen(name) + 2 < sizeof(s->u.unc.cxl_unnamed))
		snprintf(s->u.unc.cxl_unnamed + l, sizeof(s->u.unc.cxl_unnamed) - l, "%s%s", l ? " " : "", name);
	return -1;
}

/* "PMU=NODE,PMU=NODE" of auto:uncore:... into s->u.unc.cxl. 0, or -EINVAL with err. */
static int cxl_map_parse(struct sensor *s, const char *map, char *err, int errlen)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", map);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '='), *end;
		long nd;

		if (!eq || eq == t || eq - t >= (long)sizeof(s->u.unc.cxl[0].pmu) || strchr(t, '/') ||
		    s->u.unc.ncxl >= NW_CXL_MAX) {
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
		snprintf(s->u.unc.cxl[s->u.unc.ncxl].pmu, sizeof(s->u.unc.cxl[0].pmu), "%s", t);
		s->u.unc.cxl[s->u.unc.ncxl++].node = (int)nd;
	}
	return 0;
}

/* A CAS PMU's read and write counters on cpu, counting for node. 0, or -errno with err. */
static int uncore_open_cpu(struct sensor *s, const char *dir, const char *name,
			   const struct cas_events *ce, long type, long cpu, int node, char *err,
			   int errlen)
{
	for (int k = 0; k < 2; k++) {
		struct uncore_ctr *c = &s->u.unc.ctr[s->u.unc.nctr];
		int fd;

		if (s->u.unc.nctr >= NW_UNCORE_MAX) {
			snprintf(err, errlen, "more than %d uncore counters", NW_UNCORE_MAX);
			return -E2BIG;
		}
		fd = perf_counter(dir, name, ce->name[k], ce->spec[k], type, cpu, err, errlen);
		if (fd < 0)
			return fd;
		c->fd = fd;
		c->bytes = ce->bytes[k];
		c->node = node;
		s->u.unc.nctr++;
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

/* Counts since the last reading, as bytes/s per node. */
static int uncore_read(struct sensor *s, double now, double *traffic, char *err, int errlen)
{
	double dt = now - s->t_last;
	int good = 0;

	for (int n = 0; n < NW_MAX_NODES; n++)
		traffic[n] = 0;
	for (int i = 0; i < s->u.unc.nctr; i++) {
		struct uncore_ctr *c = &s->u.unc.ctr[i];
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
	if (!good && s->u.unc.nctr && dt > 0) {
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
		uncore_close(s);
		return rc;
	}
	for (int i = 0; i < s->u.unc.ncxl; i++) {
		if (!s->u.unc.cxl[i].used) {
			bool found = s->u.unc.cxl_unnamed[0] || s->cxl_src[0];

			snprintf(err, errlen, "%s: no CXL PMU %s with the events m2s_req_memrd and "
				 "m2s_rwd_memwr%s%s%s%s%s", devs, s->u.unc.cxl[i].pmu,
				 found ? " (found: " : "", s->u.unc.cxl_unnamed,
				 s->u.unc.cxl_unnamed[0] && s->cxl_src[0] ? " " : "", s->cxl_src,
				 found ? ")" : "");
			uncore_close(s);
			return -ENODEV;
		}
		if (!(s->mem_nodes >> s->u.unc.cxl[i].node & 1)) {
			snprintf(err, errlen, "auto:uncore: %s=%d: node %d has no memory",
				 s->u.unc.cxl[i].pmu, s->u.unc.cxl[i].node, s->u.unc.cxl[i].node);
			uncore_close(s);
			return -EINVAL;
		}
	}
	if (!s->u.unc.nctr) {
		snprintf(err, errlen, "%s: no PMU with the events cas_count_read and "
			 "cas_count_write (Intel iMC uncore) and no amd_umc_N PMU (AMD UMC, "
			 "PerfMonV2)", devs);
		return -ENODEV;
	}
	for (int i = 0; i < s->u.unc.nctr; i++)
		seen |= 1ull << s->u.unc.ctr[i].node;
	for (int nd = 0; nd < NW_MAX_NODES; nd++)
		if (s->mem_nodes >> nd & 1 && !(seen >> nd & 1)) {
			if (s->u.unc.cxl_unnamed[0])
				snprintf(err, errlen, "node %d has memory but no counter: if it is a "
					 "CXL expander's, name its PMU's node (found: %s), e.g. "
					 "auto:uncore:%.48s=%d", nd, s->u.unc.cxl_unnamed, s->u.unc.cxl_unnamed, nd);
			else
				snprintf(err, errlen, "node %d has memory but no memory-controller "
					 "counter (a CPU-less node, e.g. a CXL expander, is not seen by "
					 "uncore CAS counters, and no CXL PMU was found): use "
					 "auto:file:PATH", nd);
			uncore_close(s);
			return -ENODEV;
		}
	if ((rc = hmat_capacities(s, "uncore", err, errlen))) {
		uncore_close(s);
		return rc;
	}
	cha_open(s, devs);
	s->t_last = now;
	uncore_read(s, now, t, err, errlen);	/* the first counts: rates from the next */
	return 0;
}

/* auto:uncore[:PMU=NODE,...]: the CXL PMUs named first, then every counter opened. */
static int uncore_start(struct sensor *s, const char *map, double now, char *err, int errlen)
{
	int rc;

	snprintf(s->name, sizeof(s->name), "uncore");
	if (map && (rc = cxl_map_parse(s, map, err, errlen)))
		return rc;
	return uncore_open(s, now, err, errlen);
}

static void uncore_close(struct sensor *s)
{
	for (int i = 0; i < s->u.unc.nctr; i++)
		if (s->u.unc.ctr[i].fd >= 0)
			close(s->u.unc.ctr[i].fd);
	s->u.unc.nctr = 0;
	cha_close(s);
}

const struct sensor_backend sensor_uncore_backend = {
	.prefix = "auto:uncore", .open = uncore_start, .read = uncore_read, .close = uncore_close,
};
