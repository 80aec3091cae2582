// SPDX-License-Identifier: GPL-2.0
/*
 * bench_tpfloor -- CMD [ARG...]: what kernel.bpf_stats_enabled reports for
 * an empty program on the fault tracepoint while CMD runs:
 *     floor NS ns per run over RUNS runs
 * The kernel's per-program run time includes its own two clock reads; this
 * is that part, to subtract from the fault program's figure (faults.sh).
 * Needs root and kernel.bpf_stats_enabled=1 (it says so otherwise).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "tp_floor.skel.h"

static int stats_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int on = 0;

	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	return on;
}

int main(int argc, char **argv)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	struct tp_floor_bpf *s;
	int st, i = 1;
	pid_t p;

	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		fprintf(stderr, "usage: bench_tpfloor -- CMD [ARG...]\n");
		return 2;
	}
	if (!stats_on()) {
		fprintf(stderr, "bench_tpfloor: kernel.bpf_stats_enabled is 0: no run times to read\n");
		return 1;
	}
	s = tp_floor_bpf__open_and_load();
	if (!s || tp_floor_bpf__attach(s)) {
		fprintf(stderr, "bench_tpfloor: loading the empty program: %s\n", strerror(errno));
		tp_floor_bpf__destroy(s);
		return 1;
	}
	p = fork();
	if (p == 0) {
		execvp(argv[i], argv + i);
		fprintf(stderr, "bench_tpfloor: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) < 0) {
		tp_floor_bpf__destroy(s);
		return 1;
	}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(s->progs.floor_fault), &info, &len)) {
		fprintf(stderr, "bench_tpfloor: reading the program's info: %s\n", strerror(errno));
		tp_floor_bpf__destroy(s);
		return 1;
	}
	tp_floor_bpf__destroy(s);
	if (!info.run_cnt) {
		fprintf(stderr, "bench_tpfloor: the program never ran\n");
		return 1;
	}
	printf("floor %.1f ns per run over %llu runs\n", (double)info.run_time_ns / info.run_cnt,
	       (unsigned long long)info.run_cnt);
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : 1;
}
