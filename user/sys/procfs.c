// SPDX-License-Identifier: GPL-2.0
/* procfs.c — /proc/PID/stat, /proc/PID/status and /proc/PID/maps, read robustly. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "procfs.h"

int procfs_stat_parse(const char *buf, struct proc_stat *st)
{
	const char *s = strrchr(buf, ')');

	/* after comm: state ppid pgrp session tty_nr tpgid flags ... starttime (22nd) */
	if (!s || sscanf(s + 1, " %c %d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			 "%*d %*d %*d %llu", &st->state, &st->ppid, &st->flags,
			 &st->starttime) != 4)
		return -EINVAL;
	return 0;
}

int procfs_stat(int pid, struct proc_stat *st)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ENOENT : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 && errno != ESRCH ? -errno : -ENOENT;
	buf[n] = 0;
	return procfs_stat_parse(buf, st);
}

/* The line of /proc/PID/status that starts with key, in line; false if gone or none. */
static bool status_line(int pid, const char *key, char *line, int len)
{
	size_t klen = strlen(key);
	bool found = false;
	char p[64];
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	f = fopen(p, "r");
	if (!f)
		return false;
	while (!found && fgets(line, len, f))
		found = !strncmp(line, key, klen);
	fclose(f);
	return found;
}

/* One numeric field of /proc/PID/status ("Tgid:"); -1 if gone. */
static int status_field(int pid, const char *key)
{
	char line[256];
	int v = -1;

	if (status_line(pid, key, line, sizeof(line)))
		sscanf(line + strlen(key), " %d", &v);
	return v;
}

int proc_tgid(int pid)
{
	return status_field(pid, "Tgid:");
}

int proc_uid(int pid)
{
	char line[256];
	int u[4];

	if (!status_line(pid, "Uid:", line, sizeof(line)))
		return -1;
	/* real, effective, saved set, filesystem: one uid, or a setuid process */
	if (sscanf(line + 4, " %d %d %d %d", &u[0], &u[1], &u[2], &u[3]) != 4)
		return -1;
	return u[0] == u[1] && u[0] == u[2] && u[0] == u[3] ? u[0] : -2;
}

bool proc_gone(int pid, unsigned long long start)
{
	struct proc_stat st;
	int rc;

	if (pid <= 0)
		return true;
	rc = procfs_stat(pid, &st);
	if (rc == -ENOENT)
		return true;
	if (rc)
		return false;	/* unreadable is not gone */
	return st.state == 'Z' || st.state == 'X' || (start && st.starttime != start);
}

double proc_ms_since_exec(void)
{
	struct proc_stat st;
	struct timespec ts;

	if (procfs_stat(0, &st))
		return 0;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - st.starttime * 1e3 / sysconf(_SC_CLK_TCK);
}

bool proc_in_init_pidns(void)
{
	struct stat st;

	/* PROC_PID_INIT_INO (include/linux/proc_ns.h): the initial pid namespace */
	return stat("/proc/self/ns/pid", &st) || st.st_ino == 0xEFFFFFFCu;
}

void vaddr_span_add(struct vaddr_span *s, uint64_t start, uint64_t end)
{
	uint64_t gap;

	if (end <= start || (s->end && start < s->end))
		return;	/* empty, or out of order: not a mapping of this walk */
	if (!s->end) {
		s->first = start;
		s->end = end;
		return;
	}
	gap = start - s->end;
	if (gap > s->gap[0]) {
		s->gap[1] = s->gap[0];
		s->gap[0] = gap;
	} else if (gap > s->gap[1]) {
		s->gap[1] = gap;
	}
	s->end = end;
}

uint64_t vaddr_span_bytes(const struct vaddr_span *s)
{
	return s->end ? s->end - s->first - s->gap[0] - s->gap[1] : 0;
}

uint64_t vaddr_span_read(FILE *f)
{
	struct vaddr_span s = { 0 };
	uint64_t a, b;
	char line[512];

	while (fgets(line, sizeof(line), f)) {
		/* user space only: [vsyscall] sits in the kernel's half */
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &a, &b) == 2 && !(a >> 63))
			vaddr_span_add(&s, a, b);
		/* a line longer than the buffer (a long path): skip its rest */
		while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
			;
	}
	return vaddr_span_bytes(&s);
}

int proc_vaddr_span(int pid, uint64_t *bytes)
{
	char p[64];
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/maps", pid);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	*bytes = vaddr_span_read(f);
	fclose(f);
	return 0;
}
