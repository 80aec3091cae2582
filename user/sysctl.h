/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysctl — the kernel.numa_balancing guard: remember the value (in /run, so a
 * run that was killed is restored by the next one), change it, restore it.
 */
#ifndef NW_SYSCTL_H
#define NW_SYSCTL_H

#define NB_SYSCTL "/proc/sys/kernel/numa_balancing"
#define NB_SAVED "/run/numaweave/numa_balancing.saved"

struct sysctl_guard {
	int orig;		/* value to restore, -1 when nothing was changed */
};

int sysctl_read_int(const char *path, int *v);
/* Turn kernel.numa_balancing off; 0 (also when the kernel has none) or -errno. */
int nb_guard_off(struct sysctl_guard *g);
void nb_guard_restore(struct sysctl_guard *g);

#endif
