/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The task_vma iterator's context as the kernel lays it out (struct
 * bpf_iter__task_vma and struct bpf_iter_meta, unchanged since 5.12 and 5.8),
 * declared without preserve_access_index: the kernel checks these accesses
 * against its own types, and leaving them out of the CO-RE relocations spares
 * libbpf two scans of the kernel BTF at every start. Both iterators
 * (collector.bpf.c, young.bpf.c) take it.
 */
#ifndef NW_TASK_VMA_ITER_H
#define NW_TASK_VMA_ITER_H

struct nw_iter_meta {
	struct seq_file *seq;
};

struct nw_iter_task_vma {
	struct nw_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
};

#endif
