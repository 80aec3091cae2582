// SPDX-License-Identifier: GPL-2.0
/*
 * heat.bpf.c — the access side of numaweave.
 *
 * Hooks:
 *   page_fault_user   tp_btf (raw tracepoint, BTF-typed args); the classic
 *                     tracepoint exceptions/page_fault_user is the fallback the
 *                     loader picks when tp_btf cannot load.
 *   task_numa_fault   fentry, where the kernel allows it: a real NUMA hinting
 *                     fault, with the node the page sits on afterwards and
 *                     whether the kernel migrated it. Refused on some hosts
 *                     (EPERM); then a repeat not-present fault on a page seen
 *                     before is the hint (on x86 a hinting fault is not-present).
 *   sched_process_fork / sched_process_exit: follow children of targets that
 *                     asked for it; drop targets whose thread group died.
 *   cgroup_attach_task tp_btf: a process moved into a cgroup wakes the
 *                     controller at once (while a policy names a cgroup), so
 *                     it reads its cgroups' cgroup.procs now, not at its next
 *                     poll.
 *   iter/task_vma     the true geometry of a target's address space, read once
 *                     per pass: /proc/PID/maps prints vm_pgoff as 0 for anonymous
 *                     memory, but the interleave index starts from it, and mremap
 *                     can re-base it. One struct nw_vma per VMA (bpf_seq_write).
 *                     In this object so the kernel's BTF is parsed once.
 *
 * Filtering is done here: a fault of a process not in `targets` costs one hash
 * lookup and nothing else. A target's fault in the region its CPU recorded
 * last, within the fold window, costs a per-CPU count and a bitmap
 * test-and-set (the "seen" state: 2^24 bits, 2 MiB; a hash of (tgid, 2 MiB
 * region) picks a 512-bit line, the page's offset in the region the bit;
 * cleared by user space when it fills): no map lookup by key, no record, no
 * write shared with another CPU. Any other target fault costs the lookup, the
 * test-and-set, one ring-buffer record of 32 bytes, and the previous region's
 * fold record if it counted any. Measured on the development host with
 * kernel.bpf_stats_enabled (docs/benchmarks.md): ~90 ns per target fault
 * folded this way against ~170 ns with a record per fault; an empty program
 * on the same tracepoint measures ~66 ns.
 *
 * Cost: the ring buffer is submitted with BPF_RB_NO_WAKEUP, and the consumer is
 * woken only when the unread data crosses `wakeup_bytes`; default wakeups cost
 * 15-20 us per fault on the development host, NO_WAKEUP about 0.3 us. Failed
 * reservations are counted in stats.bpf.drops (the kernel does not count them).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "numaweave/abi.h"
#include "task_vma_iter.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_PROT 0x1		/* x86 error code: the page was present */
#define TNF_MIGRATED 0x01

const volatile __u64 wakeup_bytes = 1 << 20;

/*
 * The seen bitmap: a map of its own, not .bss, so that the kernel zeroes it
 * at creation (libbpf would copy a 2 MiB image of .bss into it at every
 * start). User space clears it through the mmap.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nw_seen);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);	/* resized by the loader */
} events SEC(".maps");

/* Not preallocated: creating 4096 preallocated entries is a visible part of
 * start-up under emulation, and entries are added only per target or fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NW_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct nw_target);
} targets SEC(".maps");

/* mmapable: the controller polls it through its mapping, no system call (design.md) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NW_MAX_NODES);
	__type(key, __u32);
	__type(value, __u32);
} weights SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nw_stats);
} stats SEC(".maps");

/* What `numaweave record` reads (abi.h nw_rec_ctl); no program touches it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NW_REC_REGIONS);
	__type(key, __u32);
	__type(value, struct nw_rec_region);
} regions SEC(".maps");

/* The last fault of a target on this CPU, for the fentry on task_numa_fault. */
struct last_fault {
	__u64 addr;
	__u32 tid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_fault);
} lastf SEC(".maps");

static __always_inline struct nw_bpf_stats *bstats(void)
{
	__u32 zero = 0;
	struct nw_stats *s = bpf_map_lookup_elem(&stats, &zero);

	return s ? &s->bpf : NULL;
}

#define COUNT(st, field) do { if (st) __sync_fetch_and_add(&(st)->field, 1); } while (0)

static __always_inline void emit_as(struct nw_bpf_stats *st, __u32 tgid, __u32 tid, __u64 addr,
				    __u32 err, __u16 kind, __s16 node, __u32 aux, bool wake)
{
	__u64 avail, flags = wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	struct nw_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		COUNT(st, drops);
		return;
	}
	e->addr = addr;
	e->tgid = tgid;
	e->tid = tid;
	e->err = err;
	e->cpu = bpf_get_smp_processor_id();
	e->kind = kind;
	e->node = node;
	e->aux = aux;
	/* Wake the consumer only when the unread data crosses the threshold. */
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (wake || (avail < wakeup_bytes && avail + sizeof(*e) + 8 >= wakeup_bytes)) {
		flags = BPF_RB_FORCE_WAKEUP;
		COUNT(st, wakeups);
	}
	bpf_ringbuf_submit(e, flags);
	COUNT(st, events);
}

/* A record the consumer reads when the unread data crosses the threshold. */
static __always_inline void emit(struct nw_bpf_stats *st, __u32 tgid, __u32 tid, __u64 addr,
				 __u32 err, __u16 kind, __s16 node, __u32 aux)
{
	emit_as(st, tgid, tid, addr, err, kind, node, aux, false);
}

/* Test and set the page's bit; returns true if it was already set. */
static __always_inline bool seen_test_and_set(__u32 tgid, __u64 addr)
{
	/*
	 * The hash picks a 512-bit slot (one cache line) per (tgid, 2 MiB region)
	 * and the page's offset in the region picks the bit: faults that walk a
	 * region touch one line instead of a random line (and TLB entry) of the
	 * 2 MiB map each, which measured ~190 of ~570 ns per fault.
	 */
	__u64 h = ((addr >> 21) ^ ((__u64)tgid << 40)) * 0x9E3779B97F4A7C15ull;
	__u64 bit = (h >> (64 - (NW_SEEN_BITS_LOG2 - 9))) << 9 | ((addr >> 12) & 511);
	__u64 word = bit / 64;
	__u64 mask = 1ull << (bit % 64), old;
	__u32 zero = 0;
	struct nw_seen *s = bpf_map_lookup_elem(&seen, &zero);

	/*
	 * clang can prove word < NW_SEEN_WORDS and drop the test; the 6.1
	 * verifier cannot, and refuses the access (EACCES). Keep the test.
	 */
	barrier_var(word);
	if (!s || word >= NW_SEEN_WORDS)
		return false;
	old = __sync_fetch_and_or(&s->w[word], mask);
	return old & mask;
}

/*
 * The fold slot of a CPU: the last region a target's fault was recorded in.
 * Per CPU, so the fault path takes no lock and shares no cache line; the
 * recursion guard of tracing programs keeps two runs on one CPU apart.
 */
struct fold {
	__u64 addr;		/* the recorded fault's address */
	__u64 until;		/* end of the fold window, jiffies */
	__u32 tgid;
	__u32 tid;
	__u32 n;		/* faults folded since the record */
	__u32 repeat;
	__u32 prot;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fold);
} folds SEC(".maps");

/*
 * Fold window in jiffies (0 = a record per fault), and one second in jiffies;
 * set by the loader. Jiffies, because tracing programs may not read the
 * coarse clock and the precise one costs more than the rest of the fold.
 */
const volatile __u64 fold_jiffies = 0;
const volatile __u64 hz = 100;
/* the fentry on task_numa_fault is loaded: it needs the last fault's address */
const volatile bool hint_fentry = false;

/*
 * Send what a slot folded, as one record, and add it to the counters. A count
 * left a second past its window (its CPU took no target fault since) is
 * counted but not sent: heat that old would read as a recent access.
 */
static __always_inline void fold_flush(struct nw_bpf_stats *st, struct fold *f, __u64 now)
{
	struct nw_target *t;

	if (!f->n)
		return;
	t = bpf_map_lookup_elem(&targets, &f->tgid);
	if (t) {	/* not when the target exited or was dropped since */
		t->faults += f->n;
		if (st) {
			__sync_fetch_and_add(&st->folded, f->n);
			__sync_fetch_and_add(&st->repeat, f->repeat);
			__sync_fetch_and_add(&st->prot, f->prot);
			__sync_fetch_and_add(&st->first_touch, f->n - f->repeat - f->prot);
		}
		if (now < f->until + hz)
			emit(st, f->tgid, f->tid, f->addr, f->repeat | f->prot << 16, NW_EV_FOLD,
			     -1, f->n);
	}
	f->n = f->repeat = f->prot = 0;
}

static __always_inline int on_fault(__u64 addr, __u64 err)
{
	__u64 id = bpf_get_current_pid_tgid(), now = 0;
	__u32 tgid = id >> 32, tid = (__u32)id, zero = 0;
	struct nw_bpf_stats *st;
	struct nw_target *t;
	struct last_fault *lf;
	struct fold *f;
	bool repeat;
	__u16 kind;

	if (hint_fentry) {
		lf = bpf_map_lookup_elem(&lastf, &zero);
		if (lf) {
			lf->addr = addr;
			lf->tid = tid;
		}
	}
	f = bpf_map_lookup_elem(&folds, &zero);
	if (f && fold_jiffies) {
		now = bpf_jiffies64();
		if (f->tgid == tgid && (f->addr ^ addr) >> 21 == 0 && now < f->until &&
		    f->n < NW_FOLD_MAX) {
			/* the common case: no map lookup, no shared write */
			f->n++;
			if (err & PF_PROT)
				f->prot++;
			else if (seen_test_and_set(tgid, addr))
				f->repeat++;
			return 0;
		}
	}
	t = bpf_map_lookup_elem(&targets, &tgid);
	if (!t)
		return 0;
	t->faults++;
	st = bstats();
	if (err & PF_PROT) {
		kind = NW_EV_PROT;
		COUNT(st, prot);
	} else {
		repeat = seen_test_and_set(tgid, addr);
		kind = repeat ? NW_EV_REPEAT : NW_EV_FIRST_TOUCH;
		if (repeat)
			COUNT(st, repeat);
		else
			COUNT(st, first_touch);
	}
	if (f && fold_jiffies) {
		fold_flush(st, f, now);
		f->tgid = tgid;
		f->tid = tid;
		f->addr = addr;
		f->until = now + fold_jiffies;
	}
	emit(st, tgid, tid, addr, err, kind, -1, 0);
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(handle_fault, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	return on_fault(address, error_code);
}

/* The classic tracepoint's record; x86 has no BTF type for it. */
struct pf_user_args {
	__u64 common;
	unsigned long address;
	unsigned long ip;
	unsigned long error_code;
};

SEC("tracepoint/exceptions/page_fault_user")
int handle_fault_tp(struct pf_user_args *ctx)
{
	return on_fault(ctx->address, ctx->error_code);
}

SEC("fentry/task_numa_fault")
int BPF_PROG(handle_numa_fault, int last_cpupid, int mem_node, int pages, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id, zero = 0;
	struct nw_bpf_stats *st;
	struct last_fault *lf;
	__u64 addr = 0;

	if (!bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	st = bstats();
	COUNT(st, hint);
	if (flags & TNF_MIGRATED)
		COUNT(st, kernel_moves);
	lf = bpf_map_lookup_elem(&lastf, &zero);
	if (lf && lf->tid == tid)
		addr = lf->addr;
	emit(st, tgid, tid, addr, 0, NW_EV_HINT, (__s16)mem_node, (__u32)flags);
	return 0;
}

/*
 * NUMA balancing armed [addr, end) of a target (task_numa_work, in the
 * target's own context): its pages fault on their next access. A range armed
 * and never answered by a fault is idle evidence; the answer's delay is heat.
 * fexit, for what the call did: it returns how many entries it changed, and
 * 0 means it armed nothing (every page skipped: already armed, shared CoW,
 * or all on the node a single-threaded process runs on), which is no evidence
 * at all. The kernel leaves a single-threaded process's pages on its own node
 * alone (mm_users == 1, a private VMA), so that node goes in the record and
 * user space does not wait for answers from regions all on it. Counted in
 * bpf.arms (bpf.arms_void: armed nothing); one event per call (the kernel
 * arms up to 256 MB each). The record comes after the arming: a fault that
 * answers it may come first (user space allows for that).
 */
SEC("fexit/change_prot_numa")
int BPF_PROG(handle_arm, struct vm_area_struct *vma, unsigned long addr, unsigned long end,
	     long armed)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct nw_bpf_stats *st;
	__s16 skip = -1;
	__u64 pages;

	if (!bpf_map_lookup_elem(&targets, &tgid) || end <= addr)
		return 0;
	st = bstats();
	COUNT(st, arms);
	if (armed <= 0) {
		COUNT(st, arms_void);
		return 0;
	}
	if (!(BPF_CORE_READ(vma, vm_flags) & NW_VM_SHARED) &&
	    BPF_CORE_READ(vma, vm_mm, mm_users.counter) == 1)
		skip = (__s16)bpf_get_numa_node_id();
	pages = (end - addr) >> 12;
	if (pages > 0xffffffffull)
		pages = 0xffffffffull;
	emit(st, tgid, (__u32)pages, addr, 0, NW_EV_ARM, skip,
	     armed > 0xffffffffl ? 0xffffffffu : (__u32)armed);
	return 0;
}

static __always_inline void on_fork(__u32 ptgid, __u32 cpid, __u32 ctgid, bool known)
{
	struct nw_target *pt, nt = {};
	struct nw_bpf_stats *st;

	pt = bpf_map_lookup_elem(&targets, &ptgid);
	if (!pt || !(pt->flags & NW_TARGET_CHILDREN))
		return;
	if (known && ctgid != cpid)
		return;		/* a new thread, not a new process */
	st = bstats();
	if (known) {
		nt.flags = pt->flags;
		nt.parent = ptgid;
		bpf_map_update_elem(&targets, &cpid, &nt, BPF_NOEXIST);
	}
	COUNT(st, forks);
	/* aux = parent; err = 1 when the BPF side could not tell thread from process. */
	emit(st, cpid, cpid, 0, known ? 0 : 1, NW_EV_FORK, -1, ptgid);
}

__u32 watch_cgroups;

/*
 * A process started straight inside another cgroup (clone3 CLONE_INTO_CGROUP,
 * as systemd spawns services) is not attached by a write to cgroup.procs: no
 * cgroup_attach_task. Its css_set differs from its parent's (a plain fork
 * shares the parent's): said as a join, which makes user space read its
 * policies' cgroups at once. Pointers are compared, no type behind them read
 * (no CO-RE cost; see handle_join).
 */
static __always_inline void fork_into_cgroup(struct task_struct *parent, struct task_struct *child,
					     __u32 cpid, __u32 ctgid)
{
	struct nw_bpf_stats *st;

	if (!watch_cgroups || cpid != ctgid ||
	    BPF_CORE_READ(child, cgroups) == BPF_CORE_READ(parent, cgroups))
		return;
	st = bstats();
	COUNT(st, joins);
	emit_as(st, ctgid, cpid, 0, 0, NW_EV_JOIN, -1, 0, true);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 cpid = BPF_CORE_READ(child, pid), ctgid = BPF_CORE_READ(child, tgid);

	on_fork(BPF_CORE_READ(parent, tgid), cpid, ctgid, true);
	fork_into_cgroup(parent, child, cpid, ctgid);
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int handle_fork_tp(struct trace_event_raw_sched_process_fork *ctx)
{
	on_fork(bpf_get_current_pid_tgid() >> 32, ctx->child_pid, 0, false);
	return 0;
}

/*
 * DAMON's per-region result at the end of each aggregation interval, from the
 * kdamond numaweave started (damon_kdamond_pid, set by user space once it
 * runs; any other kdamond is ignored). DAMON samples accessed bits: the
 * read-access signal faults cannot give. target_id is the index of the
 * target in numaweave's DAMON context.
 */
__u32 damon_kdamond_pid;

SEC("tp_btf/damon_aggregated")
int BPF_PROG(handle_damon, unsigned int target_id, struct damon_region *r,
	     unsigned int nr_regions)
{
	__u64 start, end, pages;

	if (!damon_kdamond_pid || (__u32)bpf_get_current_pid_tgid() != damon_kdamond_pid)
		return 0;
	start = BPF_CORE_READ(r, ar.start);
	end = BPF_CORE_READ(r, ar.end);
	pages = end > start ? (end - start) >> 12 : 0;
	if (pages > 0xffffffffull)
		pages = 0xffffffffull;
	/* tgid 0: user space maps node (the target index) to a process */
	emit(bstats(), 0, (__u32)pages, start, BPF_CORE_READ(r, age), NW_EV_DAMON,
	     (__s16)target_id, BPF_CORE_READ(r, nr_accesses));
	return 0;
}

/*
 * DAMON's sampling interval after each auto-tuning step of numaweave's
 * kdamond (Linux 6.15+, intervals_goal): the aggregation interval keeps its
 * ratio to it, and the ages damon_aggregated reports count aggregations.
 * User space reads it each interval; 0 until the first tuning.
 */
__u64 damon_sample_us;

SEC("tp_btf/damon_monitor_intervals_tune")
int BPF_PROG(handle_damon_tune, unsigned long sample_us)
{
	if (damon_kdamond_pid && (__u32)bpf_get_current_pid_tgid() == damon_kdamond_pid)
		damon_sample_us = sample_us;
	return 0;
}

/*
 * A write to cgroup.procs: fires once per migration, with the leader when a
 * whole process moves. Processes forked inside a cgroup do not come here (a
 * target's children come by fork), nor does a clone3(CLONE_INTO_CGROUP) from
 * outside it (checked on 6.18: no attach event; fork_into_cgroup sees it).
 * watch_cgroups is set by user space while a policy names a cgroup. The
 * destination is not compared here: reading cgroup->kn->id would add two
 * types to the CO-RE relocations, and each costs libbpf a scan of the whole
 * kernel BTF at every start (~12 M instructions, ~40 ms in the test guest);
 * moves between cgroups are rare, and user space reads only the cgroups its
 * policies name.
 */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(handle_join, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	struct nw_bpf_stats *st;

	if (!watch_cgroups)
		return 0;
	st = bstats();
	COUNT(st, joins);
	emit_as(st, BPF_CORE_READ(task, tgid), BPF_CORE_READ(task, pid), 0, 0, NW_EV_JOIN, -1, 0,
		true);
	return 0;
}

/* Runs in the context of the exiting task. */
SEC("tracepoint/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct nw_bpf_stats *st;

	if (!bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	/* signal->live drops to 0 when the last thread of the group exits. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&targets, &tgid);
	st = bstats();
	COUNT(st, exits);
	emit(st, tgid, (__u32)bpf_get_current_pid_tgid(), 0, 0, NW_EV_EXIT, -1,
	     BPF_CORE_READ(task, exit_code));
	return 0;
}

/* Set before each read; 0 = every task (kernels without task-iterator parameters). */
__u32 iter_tgid;

SEC("iter/task_vma")
int handle_vma(struct nw_iter_task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	struct task_struct *task = ctx->task;
	struct nw_vma v = {};

	if (!task || !vma)
		return 0;
	if (iter_tgid && task->tgid != iter_tgid)
		return 0;
	v.tgid = task->tgid;
	v.start = vma->vm_start;
	v.end = vma->vm_end;
	v.pgoff = vma->vm_pgoff;
	v.flags = BPF_CORE_READ(vma, vm_flags);
	/*
	 * Which file, and whether it is shmem, user space asks /proc for, and
	 * only of shared file mappings: reading file->f_inode->i_sb here would
	 * add three types to the CO-RE relocations that every start pays for.
	 */
	v.kind = vma->vm_file ? NW_VMA_FILE : NW_VMA_ANON;
	bpf_seq_write(ctx->meta->seq, &v, sizeof(v));
	return 0;
}
