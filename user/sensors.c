// SPDX-License-Identifier: GPL-2.0
/* sensors.c — the bandwidth sensors of the weights controller (sensors.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "nodes.h"
#include "parse.h"
#include "safeio.h"
#include "sensors.h"

/* HMAT's read + write bandwidth of node n for its nearest initiators, bytes/s; 0 if none. */
static double hmat_capacity(const char *sys, int n)
{
	static const char *const kind[] = { "read_bandwidth", "write_bandwidth" };
	double sum = 0;

	for (int k = 0; k < 2; k++) {
		char path[256];
		unsigned long mbs;
		FILE *f;

		snprintf(path, sizeof(path),
			 "%s/devices/system/node/node%d/access0/initiators/%s", sys, n, kind[k]);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%lu", &mbs) == 1)
			sum += mbs * 1e6;
		fclose(f);
	}
	return sum;
}

/* A node id 0..63, or -1. */
static int parse_node(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s >= '0' && *s <= '9' && !*end && v < NW_MAX_NODES ? (int)v : -1;
}

static int parse_file(struct sensor *s, double *traffic, char *err, int errlen)
{
	char *buf, *save = NULL, e[NW_ERRLEN];
	double cap[NW_MAX_NODES] = {0};
	struct stat st;
	size_t len;
	int rc, line = 0;

	rc = safe_read_file(s->path, 0, 64 << 10, &buf, &len, &st, err, errlen);
	if (rc)
		return rc;
	for (int n = 0; n < NW_MAX_NODES; n++)
		traffic[n] = 0;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(l, '#'), node[32], t[64], c[64];
		uint64_t tv, cv;
		int got, nid;

		line++;
		if (hash)
			*hash = 0;
		got = sscanf(l, "%31s %63s %63s", node, t, c);
		if (got <= 0)
			continue;
		nid = parse_node(node);
		if (got < 2 || nid < 0) {
			snprintf(err, errlen, "%s line %d: expected NODE TRAFFIC [CAPACITY] (bytes/s), "
				 "got '%s'", s->path, line, l);
			free(buf);
			return -EINVAL;
		}
		if (parse_size(t, &tv, e) || (got == 3 && parse_size(c, &cv, e))) {
			snprintf(err, errlen, "%s line %d: %s", s->path, line, e);
			free(buf);
			return -EINVAL;
		}
		traffic[nid] = (double)tv;
		if (got == 3)
			cap[nid] = (double)cv;
	}
	free(buf);
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!cap[n])
			cap[n] = s->hmat[n];
		s->capacity[n] = s->mem_nodes >> n & 1 ? cap[n] : 0;
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

/* A nodelist ("0-2,4") as a mask of the nodes below NW_MAX_NODES. */
static uint64_t list_mask(const char *s)
{
	uint64_t m = 0;

	while (*s >= '0' && *s <= '9') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long n = a; n <= b && n < NW_MAX_NODES; n++)
			m |= 1ull << n;
		s = *end == ',' ? end + 1 : end;
	}
	return m;
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
		long cpu;

		snprintf(path, sizeof(path), "%s/devices/system/node/node%d/cpulist", s->sys, n);
		if (read_line(path, buf, sizeof(buf)) || (cpu = list_first(buf)) < 0)
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
	char path[384], buf[256];
	struct dirent *de;
	double t[NW_MAX_NODES];
	DIR *d;

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
	snprintf(path, sizeof(path), "%s/devices/system/node/has_memory", s->sys);
	if (read_line(path, buf, sizeof(buf)) || !(s->mem_nodes = list_mask(buf))) {
		snprintf(err, errlen, "%s: unreadable", path);
		return -ENODEV;
	}
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!(s->mem_nodes >> n & 1))
			continue;
		s->capacity[n] = s->hmat[n] = hmat_capacity(s->sys, n);
		if (!s->capacity[n]) {
			snprintf(err, errlen, "resctrl gives traffic, not capacity, and node %d has no "
				 "HMAT bandwidth: use auto:file:PATH with capacities", n);
			return -EINVAL;
		}
	}
	s->t_last = now;
	rdt_read(s, now, t, err, errlen);	/* the first readings: rates from the next */
	return 0;
}

static double mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int sensor_open_at(struct sensor *s, const char *spec, const char *sys, double now, char *err,
		   int errlen)
{
	double t[NW_MAX_NODES];
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(s->sys, sizeof(s->sys), "%s", sys);
	if (!strcmp(spec, "auto")) {
		snprintf(err, errlen, "auto: name a sensor: auto:resctrl[:GROUP] (memory bandwidth "
			 "monitoring) or auto:file:PATH (uncore and CXL PMU sensors are not built)");
		return -ENODEV;
	}
	if (strlen(spec) >= sizeof(s->path)) {
		snprintf(err, errlen, "%s: path too long", spec);
		return -ENAMETOOLONG;
	}
	if (!strcmp(spec, "auto:resctrl") || !strncmp(spec, "auto:resctrl:", 13)) {
		s->kind = SENSOR_RESCTRL;
		snprintf(s->name, sizeof(s->name), "%s", spec + 5);
		return rdt_open(s, spec[12] ? spec + 13 : NULL, now, err, errlen);
	}
	if (strncmp(spec, "auto:file:", 10) || !spec[10]) {
		snprintf(err, errlen, "'%s': the sensors are resctrl[:GROUP] and file:PATH", spec);
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

int sensor_read_at(struct sensor *s, double now, double *traffic, char *err, int errlen)
{
	if (s->kind == SENSOR_RESCTRL)
		return rdt_read(s, now, traffic, err, errlen);
	return parse_file(s, traffic, err, errlen);
}

int sensor_read(struct sensor *s, double *traffic, char *err, int errlen)
{
	return sensor_read_at(s, mono_seconds(), traffic, err, errlen);
}
