// SPDX-License-Identifier: GPL-2.0
/*
 * bench_sample — the convergence sampler of vm_damon.sh, in C so that the
 * sampling costs the guest little CPU (it shares one emulated CPU thread with
 * what it measures). Every 100 ms it reads /proc/PID/numa_maps, takes the
 * VMA that starts at ADDR, and computes the share of its pages on node 0.
 *
 *   bench_sample PID HEXADDR TARGET_PCT TIMEOUT_MS [TRACE_NAME T0_MS]
 *       until the share is within 0.5 of TARGET_PCT: prints
 *       "trace,TRACE_NAME,MS_SINCE_T0,PCT" per sample when TRACE_NAME is
 *       given, then "done SECONDS PCT" (seconds since the sampler started)
 *       or "timeout SECONDS PCT"; exit 0, or 1 on timeout or a bad target
 *   bench_sample --now
 *       CLOCK_BOOTTIME in ms (the clock of /proc/uptime)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

/* Node-0 share (percent) of the VMA at addr, or -1. */
static double share(const char *path, unsigned long long addr)
{
	static char line[65536];
	unsigned long long a, n0 = 0, n1 = 0;
	FILE *f = fopen(path, "r");
	double pct = -1;
	char *p;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx", &a) != 1 || a != addr)
			continue;
		if ((p = strstr(line, " N0=")))
			n0 = strtoull(p + 4, NULL, 10);
		if ((p = strstr(line, " N1=")))
			n1 = strtoull(p + 4, NULL, 10);
		pct = n0 + n1 ? 100.0 * n0 / (n0 + n1) : 0;
		break;
	}
	fclose(f);
	return pct;
}

int main(int argc, char **argv)
{
	long long t0, timeout, trace_t0 = 0;
	unsigned long long addr;
	const char *trace = NULL;
	char path[64];
	double target, pct;

	if (argc == 2 && !strcmp(argv[1], "--now")) {
		printf("%lld\n", now_ms());
		return 0;
	}
	if (argc != 5 && argc != 7) {
		fprintf(stderr, "usage: bench_sample PID HEXADDR TARGET_PCT TIMEOUT_MS [TRACE T0_MS]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/numa_maps", argv[1]);
	addr = strtoull(argv[2], NULL, 16);
	target = atof(argv[3]);
	timeout = atoll(argv[4]);
	if (argc == 7) {
		trace = argv[5];
		trace_t0 = atoll(argv[6]);
	}
	t0 = now_ms();
	for (;;) {
		long long t = now_ms();
		struct timespec d = { 0, 100 * 1000000 };

		pct = share(path, addr);
		if (pct < 0) {
			printf("timeout %.2f -1\n", (t - t0) / 1000.0);
			return 1;
		}
		if (trace)
			printf("trace,%s,%lld,%.2f\n", trace, t - trace_t0, pct);
		if (fabs(pct - target) <= 0.5) {
			printf("done %.2f %.2f\n", (now_ms() - t0) / 1000.0, pct);
			return 0;
		}
		if (t - t0 > timeout) {
			printf("timeout %.2f %.2f\n", (t - t0) / 1000.0, pct);
			return 1;
		}
		fflush(stdout);
		nanosleep(&d, NULL);
	}
}
