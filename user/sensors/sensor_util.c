// SPDX-License-Identifier: GPL-2.0
/*
 * sensor_util.c — what the sensors share: sysfs lines, CPU lists, the nodes with
 * memory and their HMAT bandwidth and latency, the node of a CPU.
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

/* HMAT's attribute name of node n for its nearest initiators (access0); 0 if none. */
double hmat_attr(const char *sys, int n, const char *name)
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
double hmat_capacity(const char *sys, int n)
{
	return (hmat_attr(sys, n, "read_bandwidth") + hmat_attr(sys, n, "write_bandwidth")) * 1e6;
}

/* The first line of a small sysfs file, without its newline; 0, or -errno. */
int read_line(const char *path, char *buf, int len)
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
long list_first(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && v >= 0 ? v : -1;
}

/* The first CPU of node n (of s->sys), or -1: no CPUs, or no such node. */
long node_first_cpu(const struct sensor *s, int n)
{
	char path[256], buf[1024];

	snprintf(path, sizeof(path), "%s/devices/system/node/node%d/cpulist", s->sys, n);
	return read_line(path, buf, sizeof(buf)) ? -1 : list_first(buf);
}

/* The next range [*a, *b] of a cpulist/nodelist ("0-3,8") at *s; false at its end. */
bool list_next(const char **s, long *a, long *b)
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
uint64_t list_mask(const char *s)
{
	uint64_t m = 0;
	long a, b;

	while (list_next(&s, &a, &b))
		for (long n = a; n <= b && n < NW_MAX_NODES; n++)
			m |= 1ull << n;
	return m;
}

/* The nodes with memory (of s->sys) into s->mem_nodes. 0, or -errno with err. */
int mem_nodes_read(struct sensor *s, char *err, int errlen)
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
int hmat_capacities(struct sensor *s, const char *what, char *err, int errlen)
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

/* The node whose cpulist holds cpu, or -1. */
int node_of_cpu(const struct sensor *s, long cpu)
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

/* A topology number of cpu ("physical_package_id", "die_id"), or -1. */
long topo_of_cpu(const struct sensor *s, long cpu, const char *what)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%ld/topology/%s", s->sys, cpu,
		 what);
	return read_line(path, buf, sizeof(buf)) ? -1 : strtol(buf, NULL, 10);
}

/* A hex or decimal number in sysfs file path ("0x1080000000", "8000000" when hex). */
bool sysfs_u64(const char *path, int base, uint64_t *v)
{
	char buf[64], *end;

	if (read_line(path, buf, sizeof(buf)) || !buf[0])
		return false;
	*v = strtoull(buf, &end, base);
	return !*end;
}
