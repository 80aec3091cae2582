/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysctl — the kernel.numa_balancing guard, shared by every controller on the
 * machine: the first to turn balancing off saves the value (in /run, so a run
 * that was killed is restored by a later one); each controller that wants it
 * off holds a record /run/numaweave/nb-holders/PID-START; the last holder to
 * leave (records of dead controllers do not count) puts the value back. All
 * of it under a lock file, so two controllers never race.
 */
#ifndef NW_SYSCTL_H
#define NW_SYSCTL_H

#define NB_SYSCTL "/proc/sys/kernel/numa_balancing"
#define NB_RUN_DIR "/run/numaweave"
#define NB_SAVED NB_RUN_DIR "/numa_balancing.saved"
#define NB_HOLDERS NB_RUN_DIR "/nb-holders"

struct sysctl_guard {
	int orig;		/* value saved before any controller changed it, -1: none held */
	char holder[64];	/* our record's name in NB_HOLDERS */
};

int sysctl_read_int(const char *path, int *v);
/* Turn kernel.numa_balancing off; 0 (also when the kernel has none) or -errno. */
int nb_guard_off(struct sysctl_guard *g);
/* Leave; the last live holder restores the saved value. */
void nb_guard_restore(struct sysctl_guard *g);

#endif
