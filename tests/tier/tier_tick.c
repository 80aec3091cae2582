// SPDX-License-Identifier: GPL-2.0
/*
 * tier_tick PERIOD_US — the emulated machine's TLB reach (docs/tier.md).
 *
 * QEMU's TCG keeps a guest translation in its software TLB until the guest
 * flushes it, and its TLB holds millions of pages: a vCPU that reads a page
 * through a cached translation never walks the page table again, so it never
 * sets the accessed bit that DAMON (or any sampler) cleared. A real core's
 * TLB holds ~1,500 pages and loses them within microseconds of streaming.
 * QEMU flushes a vCPU's whole TLB when the guest writes CR3, that is at every
 * switch to another process: one sleeper per online CPU, woken every
 * PERIOD_US, makes that switch and so bounds how long a translation lives.
 * Runs until killed; prints its wakeups per CPU on SIGTERM.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void tick(int cpu, long period_us)
{
	struct timespec next, ts = { period_us / 1000000, (period_us % 1000000) * 1000 };
	unsigned long n = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "tier_tick: CPU %d: %s\n", cpu, strerror(errno));
		exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		next.tv_nsec += ts.tv_nsec;
		next.tv_sec += ts.tv_sec + next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == 0)
			n++;
	}
	printf("tier_tick: CPU %d woke %lu times\n", cpu, n);
	exit(0);
}

int main(int argc, char **argv)
{
	char *end;
	long period_us = argc == 2 ? strtol(argv[1], &end, 10) : 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct sigaction sa = { .sa_handler = on_term };
	pid_t kids[256];
	int nk = 0;

	if (argc != 2 || *end || period_us < 100 || period_us > 10000000) {
		fprintf(stderr, "usage: tier_tick PERIOD_US (100 to 10000000)\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int cpu = 0; cpu < ncpu && nk < 256; cpu++) {
		pid_t p = fork();

		if (p < 0) {
			perror("tier_tick: fork");
			return 1;
		}
		if (p == 0)
			tick(cpu, period_us);
		kids[nk++] = p;
	}
	while (!stop)
		pause();
	for (int i = 0; i < nk; i++)
		kill(kids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}
