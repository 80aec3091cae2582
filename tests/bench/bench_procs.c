// SPDX-License-Identifier: GPL-2.0
/*
 * bench_procs N CGROUP: N idle processes in the cgroup v2 directory CGROUP
 * (this one joins it, then forks N - 1 children that only wait), for the
 * cost of following many targets. Prints "pid=N", then "ready N" once all
 * are there, and waits; SIGTERM ends them all.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[1]) : 0;
	char path[4096], buf[32];
	int fd, len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (n < 1) {
		fprintf(stderr, "usage: bench_procs N CGROUP\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", argv[2]);
	len = snprintf(buf, sizeof(buf), "%d\n", getpid());
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, buf, len) != len) {
		perror("bench_procs: joining the cgroup");
		return 1;
	}
	close(fd);
	printf("pid=%d\n", getpid());
	signal(SIGTERM, SIG_DFL);
	for (long i = 1; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("bench_procs: fork");
			kill(0, SIGTERM);
			return 1;
		}
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			for (;;)
				pause();
		}
	}
	printf("ready %ld\n", n);
	for (;;)
		pause();
}
