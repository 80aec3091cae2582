// SPDX-License-Identifier: GPL-2.0
/* sensors.c — the bandwidth sensors of the weights controller (sensors.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "nodes.h"
#include "parse.h"
#include "safeio.h"
#include "sensors.h"

/* HMAT's read + write bandwidth of node n for its nearest initiators, bytes/s; 0 if none. */
static double hmat_capacity(int n)
{
	static const char *const kind[] = { "read_bandwidth", "write_bandwidth" };
	double sum = 0;

	for (int k = 0; k < 2; k++) {
		char path[128];
		unsigned long mbs;
		FILE *f;

		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/access0/initiators/%s", n, kind[k]);
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

int sensor_open(struct sensor *s, const char *spec, char *err, int errlen)
{
	double t[NW_MAX_NODES];
	int rc;

	memset(s, 0, sizeof(*s));
	if (!strcmp(spec, "auto")) {
		snprintf(err, errlen, "auto: no bandwidth sensor is built for this machine's hardware "
			 "(resctrl, uncore and CXL PMU sensors are not built); give auto:file:PATH");
		return -ENODEV;
	}
	if (strncmp(spec, "auto:file:", 10) || !spec[10]) {
		snprintf(err, errlen, "'%s': the sensors are file:PATH (auto:file:PATH)", spec);
		return -EINVAL;
	}
	snprintf(s->name, sizeof(s->name), "%s", spec + 5);
	if (strlen(spec + 10) >= sizeof(s->path)) {
		snprintf(err, errlen, "%s: path too long", spec);
		return -ENAMETOOLONG;
	}
	snprintf(s->path, sizeof(s->path), "%s", spec + 10);
	s->mem_nodes = nodes_with_memory();
	for (int n = 0; n < NW_MAX_NODES; n++)
		s->hmat[n] = s->mem_nodes >> n & 1 ? hmat_capacity(n) : 0;
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

int sensor_read(struct sensor *s, double *traffic, char *err, int errlen)
{
	return parse_file(s, traffic, err, errlen);
}
