/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sources — where targets come from: a pid checked before it is followed, a
 * pid file read as systemd's PIDFile= is, a cgroup v2 directory's
 * cgroup.procs and those of every cgroup below it. Shared by `run` (once, at start) and the controller loop
 * (every quarter interval, so a restarted job or a process joining a cgroup is
 * found, and placed at once).
 */
#ifndef NW_SOURCES_H
#define NW_SOURCES_H

#include "config.h"

/*
 * A pid that may be followed: a live process (not a thread, not a kernel
 * thread, not numaweave itself). 0; 2 with err when it may not; 1 when
 * /proc cannot be read.
 */
int target_pid_check(int pid, char *err, int errlen);

/*
 * The pids a source names now, at most max (a pid file names one; a cgroup
 * every process in it or in a cgroup below it). 0;
 * -ENOENT when the file or cgroup does not exist (yet, or any more);
 * -EINVAL / -EPERM / -E2BIG / -errno otherwise, with err.
 */
int source_read(const struct nw_source *s, int *pids, int max, int *n, char *err, int errlen);
/* Levels below a named cgroup that are followed (systemd nests 3-4, Kubernetes 4-5). */
#define CGROUP_MAX_DEPTH 32
/* Processes a source may name (a cgroup may hold many). */
#define SOURCE_MAX_PIDS 65536

#endif
