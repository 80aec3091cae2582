// SPDX-License-Identifier: GPL-2.0
/* sysctl.c — change kernel.numa_balancing for the run and put it back (shared safely). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "procfs.h"
#include "sysctl.h"

int sysctl_read_int(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return -errno;
	rc = fscanf(f, "%d", v) == 1 ? 0 : -EINVAL;
	fclose(f);
	return rc;
}

static int write_int(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fprintf(f, "%d\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		rc = -errno;
	return rc;
}

/* The machine-wide lock over the saved value and the holders; fd or -errno. */
static int nb_lock(void)
{
	int fd;

	if (mkdir(NB_RUN_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(NB_HOLDERS, 0700) && errno != EEXIST)
		return -errno;
	fd = open(NB_RUN_DIR "/nb.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Live holders other than ours; records of controllers that died are removed. */
static int nb_other_holders(const struct sysctl_guard *g)
{
	DIR *d = opendir(NB_HOLDERS);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		unsigned long long start;
		char path[PATH_MAX];
		int pid;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, g->holder))
			continue;
		if (sscanf(de->d_name, "%d-%llu", &pid, &start) == 2 && start &&
		    !proc_gone(pid, start)) {
			n++;
			continue;
		}
		snprintf(path, sizeof(path), NB_HOLDERS "/%s", de->d_name);
		unlink(path);
	}
	closedir(d);
	return n;
}

int nb_guard_off(struct sysctl_guard *g)
{
	struct proc_stat self;
	char path[PATH_MAX];
	int cur, orig, rc, lk, fd;

	g->orig = -1;
	if (sysctl_read_int(NB_SYSCTL, &cur))
		return 0;	/* no NUMA balancing in this kernel */
	if ((lk = nb_lock()) < 0) {
		nw_err("cannot lock %s/nb.lock: %s", NB_RUN_DIR, strerror(-lk));
		return lk;
	}
	if (procfs_stat(0, &self))
		self.starttime = 0;
	rc = 0;
	snprintf(g->holder, sizeof(g->holder), "%d-%llu", (int)getpid(), self.starttime);
	if (!sysctl_read_int(NB_SAVED, &orig)) {
		if (!nb_other_holders(g))
			nw_info("kernel.numa_balancing was %d before a run that did not restore it",
				orig);
	} else {
		orig = cur;
	}
	if (!orig)
		goto out;	/* off already, and nobody changed it */
	if ((rc = write_int(NB_SAVED, orig))) {
		nw_err("cannot save kernel.numa_balancing in %s: %s", NB_SAVED, strerror(-rc));
		goto out;
	}
	snprintf(path, sizeof(path), NB_HOLDERS "/%s", g->holder);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		nw_err("cannot record %s: %s", path, strerror(-rc));
		goto out;
	}
	close(fd);
	if (cur && (rc = write_int(NB_SYSCTL, 0))) {
		nw_err("cannot turn kernel.numa_balancing off: %s", strerror(-rc));
		unlink(path);
		if (!nb_other_holders(g))
			unlink(NB_SAVED);
		goto out;
	}
	g->orig = orig;
	nw_info("kernel.numa_balancing %d -> 0 while numaweave runs", cur ? cur : orig);
out:
	close(lk);
	return rc;
}

void nb_guard_restore(struct sysctl_guard *g)
{
	char path[PATH_MAX];
	int rc, lk, others;

	if (g->orig < 0)
		return;
	if ((lk = nb_lock()) < 0) {
		nw_err("cannot lock %s/nb.lock: %s; kernel.numa_balancing left 0 (saved %d in %s)",
		       NB_RUN_DIR, strerror(-lk), g->orig, NB_SAVED);
		return;
	}
	snprintf(path, sizeof(path), NB_HOLDERS "/%s", g->holder);
	unlink(path);
	others = nb_other_holders(g);
	if (others) {
		nw_info("kernel.numa_balancing left 0: %d other controller(s) still need it off",
			others);
	} else if ((rc = write_int(NB_SYSCTL, g->orig))) {
		nw_err("cannot restore kernel.numa_balancing to %d: %s (saved in %s)", g->orig,
		       strerror(-rc), NB_SAVED);
	} else {
		unlink(NB_SAVED);
		nw_info("kernel.numa_balancing restored to %d", g->orig);
	}
	close(lk);
	g->orig = -1;
}
