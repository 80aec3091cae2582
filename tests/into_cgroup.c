// SPDX-License-Identifier: GPL-2.0
/*
 * into_cgroup CGROUP_DIR CMD [ARG...]: start CMD straight inside the cgroup
 * v2 directory CGROUP_DIR with clone3(CLONE_INTO_CGROUP), as systemd spawns
 * services: the child is never attached by a write to cgroup.procs. Prints
 * the child's pid and exits; the child runs on (reparented).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct clone_args ca;
	long pid;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: into_cgroup CGROUP_DIR CMD [ARG...]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "into_cgroup: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (__u64)fd;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		fprintf(stderr, "into_cgroup: clone3: %s\n", strerror(errno));
		return 1;
	}
	if (!pid) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "into_cgroup: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	printf("%ld\n", pid);
	return 0;
}
