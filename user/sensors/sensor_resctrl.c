// SPDX-License-Identifier: GPL-2.0
/*
 * sensor_resctrl.c — auto:resctrl[:GROUP], resctrl's memory bandwidth
 * monitoring of a group, per L3 domain, into per-node traffic.
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
	for (int i = 0; i < s->u.rdt.ndom; i++) {
		struct rdt_dom *d = &s->u.rdt.dom[i];
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
	if (!good && s->u.rdt.ndom && dt > 0) {
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
	while ((de = readdir(d)) && s->u.rdt.ndom < NW_MAX_NODES) {
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
		s->u.rdt.dom[s->u.rdt.ndom++] = (struct rdt_dom){ .id = (int)id, .node = node };
	}
	closedir(d);
	if (!s->u.rdt.ndom) {
		snprintf(err, errlen, "%s: no mon_L3_* domain (no memory bandwidth monitoring)", path);
		return -ENODEV;
	}
	if ((rc = mem_nodes_read(s, err, errlen)) || (rc = hmat_capacities(s, "resctrl", err, errlen)))
		return rc;
	s->t_last = now;
	rdt_read(s, now, t, err, errlen);	/* the first readings: rates from the next */
	return 0;
}

const struct sensor_backend sensor_resctrl_backend = {
	.prefix = "auto:resctrl", .open = rdt_open, .read = rdt_read,
};
