/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procfs — what numaweave reads of a process in /proc. One parser of
 * /proc/PID/stat: the whole file in one read, fields after the last ')', so a
 * comm holding spaces, ')' or newlines cannot shift them.
 */
#ifndef NW_PROCFS_H
#define NW_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PF_KTHREAD_FLAG 0x00200000ul	/* include/linux/sched.h PF_KTHREAD */

struct proc_stat {
	char state;			/* R, S, D, Z, X, ... */
	int ppid;
	unsigned long flags;		/* PF_* */
	unsigned long long starttime;	/* clock ticks after boot */
};

/* 0, -ENOENT when the process is gone, -EINVAL when the file does not parse. */
int procfs_stat(int pid, struct proc_stat *st);
/* Parse the text of a stat file (exposed for the unit tests). */
int procfs_stat_parse(const char *buf, struct proc_stat *st);
/* The thread-group id of a task (/proc/PID/status), -1 if it is gone. */
int proc_tgid(int pid);
/*
 * The uid a process runs as: -1 if it is gone, -2 if its real, effective,
 * saved and filesystem uids differ (a setuid program).
 */
int proc_uid(int pid);
/*
 * The process is gone: no such pid, a zombie, or (start not 0) the pid now
 * names a process started at another time. Unreadable is not gone. pid + start
 * time is how every record of a process (targets, numa_balancing holders, the
 * kdamond owner) names it.
 */
bool proc_gone(int pid, unsigned long long start);
/* In the host's pid namespace (true also when it cannot be told). */
bool proc_in_init_pidns(void);
/* Milliseconds from this process's exec to now (10 ms grain), 0 if unknown. */
double proc_ms_since_exec(void);

/*
 * What DAMON's vaddr operations monitor of a process: from its first mapping's
 * start to its last one's end, less the two largest gaps between mappings
 * (mm/damon/vaddr.c, "three regions"). Fed the mappings in address order.
 */
struct vaddr_span {
	uint64_t first, end;	/* the first start, the last end (0: none yet) */
	uint64_t gap[2];	/* the two largest gaps, gap[0] >= gap[1] */
};
void vaddr_span_add(struct vaddr_span *s, uint64_t start, uint64_t end);
uint64_t vaddr_span_bytes(const struct vaddr_span *s);
/* The span of the mappings a maps file lists (user space only). */
uint64_t vaddr_span_read(FILE *f);
/* pid's span so (/proc/PID/maps, user mappings) in *bytes; -errno if unreadable. */
int proc_vaddr_span(int pid, uint64_t *bytes);

#endif
