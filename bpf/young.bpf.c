// SPDX-License-Identifier: GPL-2.0
/*
 * young.bpf.c — the accessed ("young") bits of a target's page tables, per
 * 2 MiB, for kernels that give an outside process no read signal of its own
 * (Debian 6.1: no DAMON, no idle page tracking; NUMA balancing never arms a
 * single-threaded job's pages on the node it runs on).
 *
 * User space clears the bits with /proc/PID/clear_refs ("1"), waits an
 * interval, then reads them here: a task_vma iterator that walks each VMA's
 * page tables the way the MMU does (x86-64, 4 or 5 levels, `levels` set by
 * user space after a self-test) and writes one struct nw_young per 2 MiB with
 * the entries present (NUMA hinting entries included) and those accessed.
 * The iterator holds the mmap lock for reading while it walks; page tables
 * are read with bpf_probe_read_kernel, so a table freed under it reads as
 * garbage at worst, never faults. A huge page (PMD) counts as its 512 pages.
 *
 * Its own object, loaded only when this source is used: a kernel that refuses
 * it (no bpf_loop: before 5.17) costs the collector nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "numaweave/abi.h"
#include "task_vma_iter.h"

char LICENSE[] SEC("license") = "GPL";

/* the direct map's base (randomised) and AMD's memory-encryption bit */
extern const void page_offset_base __ksym __weak;
extern const void sme_me_mask __ksym __weak;

#define PTE_P 0x001ull		/* present */
#define PTE_A 0x020ull		/* accessed */
#define PTE_PSE 0x080ull	/* huge page at PMD/PUD level */
#define PTE_PROTNONE 0x100ull	/* NUMA hinting entry: not present to the MMU, resident */
#define PFN_MASK 0x000ffffffffff000ull
#define DIRECT_MAP_L4 0xffff888000000000ull	/* without page_offset_base */

#define VM_ACCESS 0x7ull
#define VM_IO 0x4000ull
#define VM_PFNMAP 0x400ull
#define VM_HUGETLB 0x400000ull

__u32 levels = 4;	/* page-table levels: 4 or 5, set before each read */
__u32 iter_tgid;	/* 0 = every task (kernels without task-iterator parameters) */
__u64 steps;		/* PMD-sized steps walked, all reads */

/*
 * The walk's state lives in a per-CPU map, not on the stack: the verifier
 * checks bpf_loop's callback until its states converge, and a stack slot it
 * can follow (the address, step by step) never would.
 */
struct walk {
	__u64 addr, end;
	__u64 pgd;		/* top table, a kernel virtual address */
	__u64 base, mask;	/* physical to virtual; an entry's table address bits */
	__u32 levels;
	__u32 lo;		/* first entry of the table in the VMA */
	__u32 present, young;	/* counted in the table */
	__u64 pt[512];		/* a page table's entries, read at once */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk);
} walks SEC(".maps");

struct walk_ctx {
	struct seq_file *seq;
};

static __always_inline __u64 entry(__u64 table, __u64 addr, int shift)
{
	__u64 e = 0;

	bpf_probe_read_kernel(&e, sizeof(e), (void *)(table + ((addr >> shift) & 511) * 8));
	return e;
}

/* the first address past the 2^shift block holding a */
static __always_inline __u64 block_end(__u64 a, int shift)
{
	return (a | ((1ull << shift) - 1)) + 1;
}

/* one entry of the table read: present (or a hinting entry), and accessed */
static long count(__u64 i, void *unused)
{
	struct walk *w;
	__u32 zero = 0;
	__u64 k, p;

	w = bpf_map_lookup_elem(&walks, &zero);
	if (!w)
		return 1;
	k = w->lo + i;
	if (k >= 512)
		return 1;
	p = w->pt[k];
	if (p & (PTE_P | PTE_PROTNONE)) {
		w->present++;
		if (p & PTE_A)
			w->young++;
	}
	return 0;
}

static long step(__u64 i, struct walk_ctx *c)
{
	struct nw_young rec = {};
	__u64 a, t, e, next;
	struct walk *w;
	__u32 zero = 0;

	w = bpf_map_lookup_elem(&walks, &zero);
	if (!w)
		return 1;
	a = w->addr;
	t = w->pgd;
	if (a >= w->end)
		return 1;
	__sync_fetch_and_add(&steps, 1);
	if (w->levels == 5) {
		e = entry(t, a, 48);
		if (!(e & PTE_P)) {
			w->addr = block_end(a, 48);
			return 0;
		}
		t = w->base + (e & w->mask);
	}
	e = entry(t, a, 39);
	if (!(e & PTE_P)) {
		w->addr = block_end(a, 39);
		return 0;
	}
	t = w->base + (e & w->mask);
	e = entry(t, a, 30);
	if (!(e & PTE_P) || (e & PTE_PSE)) {	/* none, or a 1 GiB page (hugetlb: not ours) */
		w->addr = block_end(a, 30);
		return 0;
	}
	t = w->base + (e & w->mask);
	e = entry(t, a, 21);
	next = block_end(a, 21);
	if (next > w->end)
		next = w->end;
	w->addr = next;
	rec.addr = a & ~((1ull << 21) - 1);
	if (e & PTE_PSE) {
		if (e & (PTE_P | PTE_PROTNONE)) {
			rec.present = (next - a) >> 12;
			rec.young = e & PTE_A ? rec.present : 0;
		}
	} else if (e & PTE_P) {
		__u32 lo = (a >> 12) & 511, hi = lo + ((next - a) >> 12);

		if (bpf_probe_read_kernel(w->pt, sizeof(w->pt), (void *)(w->base + (e & w->mask))))
			return 0;
		w->lo = lo;
		w->present = w->young = 0;
		bpf_loop(hi - lo, count, NULL, 0);
		rec.present = w->present;
		rec.young = w->young;
	}
	if (rec.present)
		bpf_seq_write(c->seq, &rec, sizeof(rec));
	return 0;
}

SEC("iter/task_vma")
int young_vma(struct nw_iter_task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	struct task_struct *task = ctx->task;
	struct walk_ctx c;
	__u64 flags, sme = 0;
	struct walk *w;
	__u32 zero = 0;

	if (!task || !vma)
		return 0;
	if (iter_tgid && task->tgid != iter_tgid)
		return 0;
	flags = vma->vm_flags;
	if (!(flags & VM_ACCESS) || (flags & (VM_IO | VM_PFNMAP | VM_HUGETLB)))
		return 0;	/* a reservation, device memory or hugetlb: never placed */
	w = bpf_map_lookup_elem(&walks, &zero);
	if (!w)
		return 0;
	c.seq = ctx->meta->seq;
	w->addr = vma->vm_start;
	w->end = vma->vm_end;
	w->pgd = (__u64)vma->vm_mm->pgd;
	w->levels = levels;
	w->base = DIRECT_MAP_L4;
	if (&page_offset_base)
		bpf_probe_read_kernel(&w->base, sizeof(w->base), &page_offset_base);
	if (&sme_me_mask)
		bpf_probe_read_kernel(&sme, sizeof(sme), &sme_me_mask);
	w->mask = PFN_MASK & ~sme;
	/* a PMD-sized step at most per call: 2^23 steps is 16 TiB of VMA */
	bpf_loop(1 << 23, step, &c, 0);
	return 0;
}
