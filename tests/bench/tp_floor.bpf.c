// SPDX-License-Identifier: GPL-2.0
/*
 * tp_floor.bpf.c — an empty program on the fault tracepoint (bench_tpfloor).
 * With kernel.bpf_stats_enabled the kernel times every run of a program
 * with two clock reads around it; this program's run time is those reads
 * alone, the floor under any program's figure on the same host.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/page_fault_user")
int BPF_PROG(floor_fault, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	return 0;
}
