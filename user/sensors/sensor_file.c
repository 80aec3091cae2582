// SPDX-License-Identifier: GPL-2.0
/*
 * sensor_file.c — auto:file:PATH, per-node traffic, capacity and latency that
 * another program writes (sensors.h gives the format).
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

/*
 * One line "NODE TRAFFIC [CAPACITY] [LATENCY]" (comments cut) into the
 * per-node arrays. 0, or -EINVAL with err naming the line, never its text.
 */
static int parse_line(const struct sensor *s, char *l, int line, double *traffic, double *cap,
		      double *lat, uint64_t *with_lat, char *err, int errlen)
{
	char *hash = strchr(l, '#'), node[32], t[64], c[64], x[64], e[NW_ERRLEN];
	uint64_t tv, cv;
	int got, nid;
	bool has_cap;
	double lv;

	if (hash)
		*hash = 0;
	got = sscanf(l, "%31s %63s %63s %63s", node, t, c, x);
	if (got <= 0)
		return 0;
	nid = parse_node(node);
	/* a latency is the last column, with its unit: "0 12G 100G 180ns", "0 12G 180ns" */
	lv = got >= 3 ? parse_latency(got == 4 ? x : c) : -1;
	if (got < 2 || nid < 0 || (got == 4 && lv < 0)) {
		snprintf(err, errlen, "%s line %d: expected NODE TRAFFIC [CAPACITY] [LATENCY] "
			 "(a node id, bytes/s, bytes/s, a time such as 180ns)", s->path, line);
		return -EINVAL;
	}
	/* the third column is a capacity unless it was the latency */
	has_cap = got == 4 || (got == 3 && lv < 0);
	if (parse_size(t, &tv, e) || (has_cap && parse_size(c, &cv, e))) {
		snprintf(err, errlen, "%s line %d: the %s column is not a size in bytes/s "
			 "(such as 12G)", s->path, line, parse_size(t, &tv, e) ? "second" : "third");
		return -EINVAL;
	}
	traffic[nid] = (double)tv;
	if (has_cap)
		cap[nid] = (double)cv;
	if (lv > 0) {
		lat[nid] = lv;
		*with_lat |= 1ull << nid;
	}
	return 0;
}

static int parse_file(struct sensor *s, double *traffic, char *err, int errlen)
{
	char *buf, *save = NULL;
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
		if ((rc = parse_line(s, l, ++line, traffic, cap, lat, &with_lat, err, errlen))) {
			free(buf);
			return rc;
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

/* auto:file:PATH: the file read once now (it must parse, and give every memory node a capacity). */
static int file_open(struct sensor *s, const char *path, double now, char *err, int errlen)
{
	double t[NW_MAX_NODES];
	int rc;

	(void)now;
	snprintf(s->path, sizeof(s->path), "%s", path);
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

static int file_read(struct sensor *s, double now, double *traffic, char *err, int errlen)
{
	(void)now;
	return parse_file(s, traffic, err, errlen);
}

const struct sensor_backend sensor_file_backend = {
	.prefix = "auto:file", .needs_arg = true, .open = file_open, .read = file_read,
};
