// SPDX-License-Identifier: GPL-2.0
/*
 * vmas.bpf.c — the true geometry of a target's address space.
 *
 * Hook: iter/task_vma, attached per pass to one process (the loader sets the
 * iterator's pid; `tgid` filters too, for kernels that walk every task).
 * Why: /proc/PID/maps prints vm_pgoff as 0 for anonymous memory, but the
 * kernel's weighted interleave index starts from vm_pgoff, which mremap can
 * re-base. Reading it from the kernel is the only exact source.
 * Output: one struct nw_vma per VMA, written with bpf_seq_write.
 * Cost: one walk of the target's VMA tree under its mmap lock per read; the
 * controller reads it once per pass, not per event.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "numaweave/heat.h"

char LICENSE[] SEC("license") = "GPL";

#define TMPFS_MAGIC 0x01021994

/* Set by the loader before each read; 0 = every task. */
__u32 tgid;

SEC("iter/task_vma")
int handle_vma(struct bpf_iter__task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	struct task_struct *task = ctx->task;
	struct nw_vma v = {};
	struct file *file;

	if (!task || !vma)
		return 0;
	if (tgid && task->tgid != tgid)
		return 0;
	v.tgid = task->tgid;
	v.start = vma->vm_start;
	v.end = vma->vm_end;
	v.pgoff = vma->vm_pgoff;
	v.flags = BPF_CORE_READ(vma, vm_flags);
	file = vma->vm_file;
	if (file) {
		struct inode *inode = BPF_CORE_READ(file, f_inode);

		v.ino = BPF_CORE_READ(inode, i_ino);
		v.kind = BPF_CORE_READ(inode, i_sb, s_magic) == TMPFS_MAGIC ? NW_VMA_SHMEM
									    : NW_VMA_FILE;
	} else {
		v.kind = NW_VMA_ANON;
	}
	bpf_seq_write(ctx->meta->seq, &v, sizeof(v));
	return 0;
}
