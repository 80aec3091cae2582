// SPDX-License-Identifier: GPL-2.0
/*
 * sensor_perf.c — perf counters of uncore PMUs: opened and read (through
 * sensor_perf, which the tests replace), events encoded by the PMU's format/
 * files, their bytes by .scale and .unit, as perf does.
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
int event_config(const char *dir, const char *spec, uint64_t cfg[3], char *err,
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
double event_bytes(const char *dir, const char *ev)
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

/* One counter of perf PMU name (type) on cpu: its fd, or -errno with err. */
int perf_counter(const char *dir, const char *name, const char *ev, const char *spec,
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
