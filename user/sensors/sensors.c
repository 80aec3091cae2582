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
#include "sensor_impl.h"

/* The backends, by kind: each opens from its spec's argument, reads, closes. */
static const struct sensor_backend *const backends[] = {
	[SENSOR_FILE] = &sensor_file_backend,
	[SENSOR_RESCTRL] = &sensor_resctrl_backend,
	[SENSOR_UNCORE] = &sensor_uncore_backend,
};
#define NR_BACKENDS (sizeof(backends) / sizeof(backends[0]))

void sensor_close(struct sensor *s)
{
	if ((size_t)s->kind < NR_BACKENDS && backends[s->kind]->close)
		backends[s->kind]->close(s);
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
	if (!strcmp(spec, "auto"))
		return sensor_choose(s, sys, now, err, errlen);
	memset(s, 0, sizeof(*s));
	snprintf(s->sys, sizeof(s->sys), "%s", sys);
	if (strlen(spec) >= sizeof(s->path)) {
		snprintf(err, errlen, "%s: path too long", spec);
		return -ENAMETOOLONG;
	}
	for (size_t k = 0; k < NR_BACKENDS; k++) {
		const struct sensor_backend *b = backends[k];
		size_t n = strlen(b->prefix);	/* "auto:file", "auto:resctrl", "auto:uncore" */

		if (strncmp(spec, b->prefix, n) || (spec[n] && spec[n] != ':'))
			continue;
		if (b->needs_arg && (!spec[n] || !spec[n + 1]))
			break;
		s->kind = (enum sensor_kind)k;
		snprintf(s->name, sizeof(s->name), "%s", spec + 5);
		return b->open(s, spec[n] ? spec + n + 1 : NULL, now, err, errlen);
	}
	snprintf(err, errlen, "'%s': the sensors are resctrl[:GROUP], uncore and file:PATH", spec);
	return -EINVAL;
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
	return backends[s->kind]->read(s, now, traffic, err, errlen);
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
		return autow_decide_latency(a, s->latency, traffic, s->capacity, own, weights);
	return autow_decide(a, traffic, s->capacity, own, weights);
}
