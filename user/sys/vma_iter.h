/* SPDX-License-Identifier: GPL-2.0 */
/* vma_iter — a process's VMAs as the kernel has them (vm_pgoff included). */
#ifndef NW_VMAS_H
#define NW_VMAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "numaweave/abi.h"

struct collector_bpf;
struct bpf_program;
struct bpf_link;

struct vma_reader {
	struct collector_bpf *skel;	/* the loaded heat object: its handle_vma iterator */
};

struct vma_list {
	struct nw_vma *v;
	size_t n, cap;
	uint64_t sig;		/* hash of the geometry: changes when the address space does */
};

/*
 * Start a task_vma iterator program over pid's VMAs (param: through the
 * iterator's task parameter, Linux 6.1+; else it walks every task and the
 * program filters). The fd to read its records from, with *link to destroy
 * after; -errno.
 */
int task_vma_iter_open(struct bpf_program *prog, int pid, bool param, struct bpf_link **link);
/* 0 = success (every pid), or -errno. */
int vmas_read(struct vma_reader *r, int pid, struct vma_list *out);
void vma_list_free(struct vma_list *l);

#endif
