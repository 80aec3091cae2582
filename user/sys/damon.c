// SPDX-License-Identifier: GPL-2.0
/* damon.c — one kdamond through DAMON's sysfs interface; see damon.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "damon.h"
#include "log.h"
#include "procfs.h"

#define ADMIN "/sys/kernel/mm/damon/admin/kdamonds"
#define CTX ADMIN "/0/contexts/0"
#define DAMON_OWNER "/run/numaweave/damon.owner"

static int put(const char *val, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The file's contents (up to len - 1 bytes, NUL-ended): 0 or -errno. */
static int get_all(char *buf, int len, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

/* Its first line. */
static int get(char *buf, int len, const char *path)
{
	int rc = get_all(buf, len, path);

	if (!rc)
		buf[strcspn(buf, "\n")] = 0;
	return rc;
}

/* The kernel lists its DAMON operations, one a line, and vaddr is not among them. */
static bool lacks_vaddr(void)
{
	char buf[256], *l, *save = NULL;

	if (get_all(buf, sizeof(buf), CTX "/avail_operations") || !buf[0])
		return false;	/* an older kernel: "on" says */
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strcmp(l, "vaddr"))
			return false;
	return true;
}

/*
 * The kdamond of a numaweave that was killed (SIGKILL: no cleanup) stays
 * until its targets exit. Its owner is recorded; a dead owner's is taken back.
 */
static bool owner_dead(void)
{
	unsigned long long start = 0;
	char buf[64];
	int pid = 0;

	if (get(buf, sizeof(buf), DAMON_OWNER) || sscanf(buf, "%d %llu", &pid, &start) != 2)
		return false;
	return !start || proc_gone(pid, start);
}

static void owner_record(void)
{
	struct proc_stat st;
	char buf[64];
	FILE *f;

	if (procfs_stat(0, &st))
		return;
	mkdir("/run/numaweave", 0700);
	f = fopen(DAMON_OWNER, "we");
	if (!f)
		return;
	snprintf(buf, sizeof(buf), "%d %llu\n", (int)getpid(), st.starttime);
	fputs(buf, f);
	fclose(f);
}

const char *damon_unusable(void)
{
	char buf[256];

	if (access(ADMIN "/nr_kdamonds", W_OK))
		return "no DAMON sysfs interface (CONFIG_DAMON_SYSFS)";
	if (get(buf, sizeof(buf), ADMIN "/nr_kdamonds"))
		return "cannot read DAMON's sysfs interface";
	if (strcmp(buf, "0") && owner_dead()) {
		put("off", ADMIN "/0/state");
		put("0", ADMIN "/nr_kdamonds");
		unlink(DAMON_OWNER);
		nw_info("took back the kdamond of a numaweave that was killed");
		if (get(buf, sizeof(buf), ADMIN "/nr_kdamonds"))
			return "cannot read DAMON's sysfs interface";
	}
	if (strcmp(buf, "0"))
		return "DAMON's sysfs interface is in use (kdamonds configured by someone else)";
	return NULL;
}

static int fail(char *err, int errlen, int rc, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(-rc));
	return rc;
}

/*
 * The kernel's intervals auto-tuning (6.15+): 0, or -errno where it has none.
 * access_bp goes last: until it is set the goal is off, so a kernel that
 * refuses a bound leaves the fixed intervals.
 */
static int goal_put(void)
{
	const int v[] = { NW_DAMON_SAMPLE_US, NW_DAMON_MAX_SAMPLE_US, NW_DAMON_GOAL_AGGRS,
			  NW_DAMON_GOAL_BP };
	const char *f[] = { "min_sample_us", "max_sample_us", "aggrs", "access_bp" };
	char buf[32];
	int rc = 0;

	if (access(CTX "/monitoring_attrs/intervals/intervals_goal", F_OK))
		return -ENOENT;
	for (int i = 0; i < 4 && !rc; i++) {
		snprintf(buf, sizeof(buf), "%d", v[i]);
		rc = put(buf, CTX "/monitoring_attrs/intervals/intervals_goal/%s", f[i]);
	}
	return rc;
}

/* The region counts: at least one per NW_DAMON_REGION_BYTES of the targets' spans. */
static int regions_put(struct damon_src *d, const int *pids, int n)
{
	char buf[32];
	int rc;

	for (int i = 0; i < n; i++) {
		uint64_t b = 0;

		if (!proc_vaddr_span(pids[i], &b))	/* one gone now: DAMON will drop it */
			d->span += b;
	}
	d->min_regions = heat_damon_min_regions(d->span);
	snprintf(buf, sizeof(buf), "%u", d->min_regions);
	if ((rc = put(buf, CTX "/monitoring_attrs/nr_regions/min")))
		return rc;
	snprintf(buf, sizeof(buf), "%d", NW_DAMON_MAX_REGIONS);
	return put(buf, CTX "/monitoring_attrs/nr_regions/max");
}

int damon_start(struct damon_src *d, const int *pids, int n, bool tune, char *err, int errlen)
{
	char buf[64];
	int rc;

	memset(d, 0, sizeof(*d));
	if (n > NW_DAMON_MAX_TARGETS)
		n = NW_DAMON_MAX_TARGETS;
	if ((rc = put("1", ADMIN "/nr_kdamonds")))
		return fail(err, errlen, rc, "nr_kdamonds");
	d->on = true;	/* from here damon_stop() cleans up */
	owner_record();
	if ((rc = put("1", ADMIN "/0/contexts/nr_contexts")))
		goto out;
	/* a kernel without them takes the name and refuses "on" (EINVAL) */
	rc = lacks_vaddr() ? -EOPNOTSUPP : put("vaddr", CTX "/operations");
	if (rc) {
		snprintf(err, errlen, "DAMON has no vaddr operations (CONFIG_DAMON_VADDR)");
		goto quiet;
	}
	snprintf(buf, sizeof(buf), "%d", NW_DAMON_SAMPLE_US);
	if ((rc = put(buf, CTX "/monitoring_attrs/intervals/sample_us")))
		goto out;
	snprintf(buf, sizeof(buf), "%d", NW_DAMON_AGGR_US);
	if ((rc = put(buf, CTX "/monitoring_attrs/intervals/aggr_us")) ||
	    (rc = put("1000000", CTX "/monitoring_attrs/intervals/update_us")) ||
	    (rc = regions_put(d, pids, n)))
		goto out;
	d->tuned = tune && !goal_put();
	snprintf(buf, sizeof(buf), "%d", n);
	if ((rc = put(buf, CTX "/targets/nr_targets")))
		goto out;
	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%d", pids[i]);
		if ((rc = put(buf, CTX "/targets/%d/pid_target", i)))
			goto out;
		d->pids[i] = pids[i];
	}
	d->n = n;
	if ((rc = put("on", ADMIN "/0/state")))
		goto out;
	if ((rc = get(buf, sizeof(buf), ADMIN "/0/pid")) || (d->kdamond_pid = atoi(buf)) <= 0) {
		rc = rc ? rc : -ESRCH;
		goto out;
	}
	return 0;
out:
	fail(err, errlen, rc, "cannot start a kdamond");
quiet:
	damon_stop(d);
	return rc;
}

void damon_stop(struct damon_src *d)
{
	if (!d->on)
		return;
	put("off", ADMIN "/0/state");
	put("0", ADMIN "/nr_kdamonds");
	unlink(DAMON_OWNER);
	d->on = false;
	d->kdamond_pid = 0;
	d->late_since = 0;
}
