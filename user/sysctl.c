// SPDX-License-Identifier: GPL-2.0
/* sysctl.c — change kernel.numa_balancing for the run and put it back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
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

int nb_guard_off(struct sysctl_guard *g)
{
	int cur, orig, rc;

	g->orig = -1;
	if (sysctl_read_int(NB_SYSCTL, &cur))
		return 0;	/* no NUMA balancing in this kernel */
	if (!sysctl_read_int(NB_SAVED, &orig))
		nw_info("kernel.numa_balancing was %d before a run that did not restore it", orig);
	else
		orig = cur;
	if (!orig)
		return 0;
	mkdir("/run/numaweave", 0700);
	if ((rc = write_int(NB_SAVED, orig))) {
		nw_err("cannot save kernel.numa_balancing in %s: %s", NB_SAVED, strerror(-rc));
		return rc;
	}
	if (cur && (rc = write_int(NB_SYSCTL, 0))) {
		nw_err("cannot turn kernel.numa_balancing off: %s", strerror(-rc));
		unlink(NB_SAVED);
		return rc;
	}
	g->orig = orig;
	nw_info("kernel.numa_balancing %d -> 0 while numaweave runs", orig);
	return 0;
}

void nb_guard_restore(struct sysctl_guard *g)
{
	int rc;

	if (g->orig < 0)
		return;
	if ((rc = write_int(NB_SYSCTL, g->orig))) {
		nw_err("cannot restore kernel.numa_balancing to %d: %s (saved in %s)", g->orig,
		       strerror(-rc), NB_SAVED);
		return;
	}
	unlink(NB_SAVED);
	nw_info("kernel.numa_balancing restored to %d", g->orig);
	g->orig = -1;
}
