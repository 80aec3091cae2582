/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by bpf/collector.bpf.c and user space: ring-buffer events, the
 * pinned maps' keys and values. Fixed-width types only; never vmlinux.h.
 */
#ifndef NUMAWEAVE_ABI_H
#define NUMAWEAVE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NW_MAX_NODES 64		/* entries of the weights map */
#define NW_MAX_TARGETS 32768	/* entries of the targets map by default (--max-targets) */
#define NW_MAX_TARGETS_LIMIT (1u << 20)	/* the most --max-targets takes */
#define NW_SEEN_BITS_LOG2 24	/* first-touch/repeat bitmap: 2^24 bits = 2 MiB */
#define NW_SEEN_WORDS ((1u << NW_SEEN_BITS_LOG2) / 64)
#define NW_HOT 8		/* hottest regions published in stats */
#define NW_TPAGES 16		/* targets whose per-node pages are published in stats */
#define NW_POL_STATS 64		/* policies published in stats (the daemon runs at most 64) */

/* The kernel's vm_flags bits numaweave reads (include/linux/mm.h; stable on
 * x86-64 since 4.x; macros, so not in BTF): the VMA iterator reports them. */
#define NW_VM_ACCESS 0x00000007ul	/* VM_READ | VM_WRITE | VM_EXEC */
#define NW_VM_SHARED 0x00000008ul
#define NW_VM_UFFD (0x00000200ul | 0x00001000ul | (1ul << 41))	/* MISSING, WP, MINOR */
#define NW_VM_PFNMAP 0x00000400ul
#define NW_VM_IO 0x00004000ul
#define NW_VM_DONTEXPAND 0x00040000ul
#define NW_VM_HUGETLB 0x00400000ul
#define NW_VM_MIXEDMAP 0x10000000ul
#define NW_VM_NOHUGEPAGE 0x40000000ul

enum nw_event_kind {
	NW_EV_FIRST_TOUCH = 1,	/* not-present fault on a page not seen before */
	NW_EV_REPEAT = 2,	/* not-present fault on a page already seen (x86: NUMA hint) */
	NW_EV_HINT = 3,		/* task_numa_fault() seen by fentry: a real NUMA hinting fault */
	NW_EV_FORK = 4,		/* a target forked a process that became a target */
	NW_EV_EXIT = 5,		/* a target's thread group died */
	NW_EV_PROT = 6,		/* fault on a present page (write to read-only, CoW) */
	NW_EV_DAMON = 7,	/* DAMON region: addr start, tid pages, node target index,
				   aux nr_accesses, err age (aggregation intervals) */
	NW_EV_ARM = 8,		/* NUMA balancing armed [addr, addr + tid pages) of tgid */
	NW_EV_FOLD = 9,		/* faults folded after a region's first record: addr and tid
				   of that record, aux faults folded, err repeats | prot << 16 */
	NW_EV_JOIN = 10,	/* a process was moved into a cgroup (cgroup_attach_task), sent
				   while a policy names one: tgid the process */
};

/*
 * Fault folding: a target's fault in the same 2 MiB region as the last one
 * recorded on this CPU, within the fold window, adds to a per-CPU count instead
 * of a record of its own. The count goes out as one NW_EV_FOLD record when the
 * CPU's next recorded fault opens another region (or the count reaches
 * NW_FOLD_MAX); a CPU that faults no more keeps its last count.
 */
#define NW_FOLD_MAX 0xffff
#define NW_FOLD_NS_DEFAULT 10000000ull	/* 10 ms */

/*
 * A ring-buffer record, 32 bytes. No timestamp: bpf_ktime_get_ns() was ~100 of
 * ~570 ns per fault on the development host, and the controller times events
 * by the interval.
 */
struct nw_event {
	__u64 addr;		/* faulting address, or 0 */
	__u32 tgid;
	__u32 tid;
	__u32 err;		/* x86 page-fault error code */
	__u32 cpu;
	__u16 kind;		/* enum nw_event_kind */
	__s16 node;		/* NW_EV_HINT: node the page is on after the fault; NW_EV_ARM:
				   the node whose pages the kernel left alone, or -1 */
	__u32 aux;		/* NW_EV_FORK: parent tgid; NW_EV_HINT: TNF_* flags;
				   NW_EV_ARM: entries armed */
};

enum nw_heat_source {
	NW_HEAT_FAULTS = 1,	/* first touches and write faults: always */
	NW_HEAT_HINTS = 2,	/* NUMA hinting faults: kernel.numa_balancing on */
	NW_HEAT_DAMON = 4,	/* DAMON accessed-bit sampling (kdamond started by numaweave) */
	NW_HEAT_ARMS = 8,	/* ranges NUMA balancing armed and whether a fault answered */
	NW_HEAT_YOUNG = 16,	/* accessed bits: cleared, then read an interval later
				   (bpf/young.bpf.c), where DAMON is not used */
};
/* Which source put a region in its heat class (status: why it is there). */
enum nw_region_src {
	NW_RSRC_NONE,		/* no read source has spoken of it yet: unknown */
	NW_RSRC_FAULTS,		/* its faults (first touches, writes, hinting faults) */
	NW_RSRC_DAMON,		/* DAMON's last aggregation */
	NW_RSRC_ARMS,		/* NUMA balancing's arming, answered or not */
	NW_RSRC_YOUNG,		/* its accessed bits over the last sample */
	NW_RSRC_MAX,
};

enum nw_region_class { NW_CLS_HOT, NW_CLS_WARM, NW_CLS_IDLE, NW_CLS_UNKNOWN, NW_CLS_MAX };

/* the sources that see reads which cause no fault: without one, heat is a guess */
#define NW_HEAT_READS (NW_HEAT_HINTS | NW_HEAT_DAMON | NW_HEAT_ARMS | NW_HEAT_YOUNG)
/* the sources that speak of regions no fault came from: until one has, a region is unknown */
#define NW_HEAT_SAMPLED (NW_HEAT_DAMON | NW_HEAT_ARMS | NW_HEAT_YOUNG)

enum nw_target_flags {
	NW_TARGET_CHILDREN = 1,	/* children forked by this target become targets */
};

/* targets map: key __u32 tgid. */
struct nw_target {
	__u32 flags;		/* enum nw_target_flags */
	__u32 parent;		/* tgid that brought it in, 0 if named by the operator */
	__u64 faults;		/* faults seen from it (approximate, not atomic) */
};

/* Counters kept by the BPF programs (atomic adds). */
struct nw_bpf_stats {
	__u64 events;		/* records submitted */
	__u64 drops;		/* failed ring-buffer reservations */
	__u64 first_touch;
	__u64 repeat;
	__u64 hint;		/* task_numa_fault() calls for targets */
	__u64 kernel_moves;	/* of which the kernel migrated the page (TNF_MIGRATED) */
	__u64 prot;
	__u64 forks;
	__u64 exits;
	__u64 wakeups;		/* forced consumer wakeups */
	__u64 arms;		/* change_prot_numa() calls on targets (ranges armed) */
	__u64 arms_void;	/* of which armed no page (all skipped: a single-threaded
				   job's own node, shared CoW pages, already armed) */
	__u64 folded;		/* faults counted in NW_EV_FOLD records, not a record each */
	__u64 joins;		/* processes moved between cgroups while a policy names one */
};

enum nw_fail_reason {
	NW_FAIL_EBUSY,		/* page busy: retried in a later pass with backoff */
	NW_FAIL_EACCES,		/* mapped by several processes: skipped */
	NW_FAIL_ENOMEM,		/* destination node full: node paused for a while */
	NW_FAIL_EFAULT,		/* gone: unmapped or zero page */
	NW_FAIL_ENOENT,		/* not present any more */
	NW_FAIL_EIO,		/* dirty page that could not be written back */
	NW_FAIL_OTHER,
	NW_FAIL_MAX,
};

/* Counters kept by the controller; it writes them in place (mmap). */
#define NW_AUTO_POL 8		/* auto policies whose decisions status shows */

struct nw_ctl_stats {
	__u64 pid;		/* controller pid, 0 when none runs */
	__u64 started_ns;	/* CLOCK_MONOTONIC */
	__u64 passes;
	__u64 pages_scanned;
	__u64 pages_misplaced;	/* found in the last pass */
	__u64 pages_moved;
	__u64 pages_failed;
	__u64 bytes_moved;
	__u64 quota_bytes;	/* bytes per second, 0 = unlimited */
	__u64 quota_deferred;	/* pages left for a later interval by the quota */
	__u64 heat_waits;	/* regions a quota left until a read source speaks of them */
	__u64 removes;		/* pages the kernel moved back after numaweave placed them */
	__u64 contested;	/* regions left to NUMA balancing (moved back too often) */
	__u64 numa_balancing;	/* kernel.numa_balancing before the run; 1 << 63 if not changed */
	__u64 targets_exited;
	__u64 targets_refused;	/* processes a source names, not followed: the targets map is
				   full (at the last reading of the sources) */
	__u64 events_consumed;
	__u64 weights_gen;	/* bumped each time a new table is put in force */
	__u64 weights_pending;	/* 1 while a change waits to be stable for an interval */
	__u64 weights_rejected;	/* 1 if the map holds a table that was refused */
	__u64 weights_bad_node;	/* node id named by the refused table */
	__u64 move_ns;		/* time spent in move_pages(2) */
	/* the controller's CPU time (its thread's), by what it was doing: reading
	 * the targets' VMAs and page maps, moving (move_pages(2) copies in the
	 * caller), taking in ring-buffer records (heat included); cpu_ns is the
	 * whole process's, start-up and everything else included */
	__u64 cpu_scan_ns;
	__u64 cpu_move_ns;
	__u64 cpu_events_ns;
	__u64 cpu_ns;
	__u64 move_calls;	/* move_pages(2) calls, queries after a partial result included */
	__u64 move_resubmitted;	/* folios sent again after the kernel stopped part-way */
	__u64 move_touched;	/* pages read so move_pages(2) could find them (NUMA hint entries) */
	__u64 bulk_calls;	/* whole targets moved by one migrate_pages(2) (the bulk path) */
	__u64 bulk_pages;	/* pages those calls moved (of pages_moved) */
	__u64 pass_errors;	/* target passes that failed (the target could not be read) */
	__u64 heat_refused;	/* events for regions the heat table could not hold */
	__u64 heat_sources;	/* enum nw_heat_source bits in use */
	__u64 damon_events;	/* DAMON region results received */
	__u64 young_samples;	/* accessed-bit reads of a target (clear, an interval, walk) */
	__u64 young_ns;		/* time spent clearing and reading them */
	__u64 damon_sample_us;	/* DAMON's sampling interval now (kernel-tuned on 6.15+), 0 off */
	__u64 damon_late;	/* times DAMON fell behind its schedule (no word for a span) */
	__u64 damon_regions;	/* the minimum region count DAMON was given, 0 off */
	__u64 damon_moved;	/* DAMON words set aside: numaweave moved pages of their range
				   while they were aggregated (docs/design.md) */
	__u64 regions_hot;	/* heat regions (2 MiB, resident) by class, last pass: */
	__u64 regions_warm;	/*   hot >= 50 % accessed (DAMON) or >= 50 events, */
	__u64 regions_idle;	/*   idle: no access seen, warm: the rest */
	__u64 regions_unknown;	/*   unknown: a read source runs and has not reached it */
	__u32 class_src[NW_CLS_MAX][NW_RSRC_MAX];	/* regions by class and deciding source */
	__u64 moved_to[NW_MAX_NODES];
	__u64 failed[NW_FAIL_MAX];
	__u32 weights[NW_MAX_NODES];	/* table in force */
	__u64 pages_on[NW_MAX_NODES];	/* targets' resident pages per node after the last pass */
	struct nw_hot {			/* the hottest regions, hottest first */
		__u32 tgid;
		__u32 events;		/* in the last interval */
		__u64 addr;		/* 2 MiB region */
		__u64 score_x100;	/* decayed events x 100 */
	} hot[NW_HOT];
	struct nw_cold {		/* the coldest resident regions, coldest first */
		__u32 tgid;
		__u32 heat_x100;	/* DAMON access percent or decayed events, x 100 */
		__u64 addr;		/* 2 MiB region */
		__u64 age_ms;		/* time its heat has stayed in its class */
		__u32 source;		/* enum nw_region_src: who says so */
		__u32 pad;
	} cold[NW_HOT];
	struct nw_auto {		/* --weights auto: the controller's last decision */
		__u32 state;		/* 0 off, 1 deciding, 2 paused by a manual edit */
		__u32 home;		/* the node pages start on */
		__u32 spill_permil;	/* share of pages kept off home */
		__u32 u_home_permil;	/* home's utilisation, our migration taken out */
		__u32 u_others_permil;	/* the other nodes' */
		__u32 law;		/* 0 bandwidth, 1 loaded latency (the sensor gives it) */
		__u32 lat_home_ns;	/* latency law: home's loaded latency */
		__u32 lat_others_ns;	/* and the others', capacity-weighted */
		__u64 decisions, changes;
		char sensor[48];
		char why[48];
	} autow;			/* the first of autow_pol: run's, or the daemon's first */
	struct nw_auto_pol {		/* every auto policy's (the daemon's first NW_AUTO_POL) */
		char policy[64];	/* its name, "" for run's */
		struct nw_auto a;
	} autow_pol[NW_AUTO_POL];
	struct nw_tpages {		/* pages per node of each target (first NW_TPAGES) */
		__u32 pid;
		__u32 gone;
		__u32 regions_hot, regions_warm, regions_idle;	/* its 2 MiB regions by heat class */
		__u32 regions_unknown;
		__u32 policy;		/* 1 + its index in pols[], 0 none */
		__u32 pad;
		__u64 pages[NW_MAX_NODES];
	} tpages[NW_TPAGES];
	__u32 npols;			/* policies running, entries of pols[] in use */
	__u32 pad2;
	struct nw_pol_stats {		/* each policy: run's one (name ""), or the daemon's */
		char name[64];
		char file[192];		/* the daemon's policy file ("" for run) */
		__u32 weights[NW_MAX_NODES];	/* table in force */
		__u64 quota_bytes;	/* bytes per second, 0 = unlimited */
		__u64 quota_time_ms;	/* move time per quota_reset_ms, 0 = none */
		__u64 quota_reset_ms;	/* ~0 never (damo's max) */
		__u32 action;		/* 0 migrate_hot, 1 migrate_cold */
		__u32 targets;		/* live targets it places */
		__u32 paused;		/* all weights 0 */
		__u32 auto_state;	/* its bandwidth controller (nw_auto.state), 0 none */
		__u64 pages_moved;
		__u64 pages_failed;
		__u64 bytes_moved;
		__u64 pages_on[NW_MAX_NODES];	/* its targets' resident pages per node */
	} pols[NW_POL_STATS];
};

/* seen map: one entry, key 0 (unpinned; user space clears it via mmap). */
struct nw_seen {
	__u64 w[NW_SEEN_WORDS];
};

/*
 * The recording hand-shake (numaweave record, docs/record.md). The recorder
 * writes want_ns through the stats map's mapping; while it lies ahead of the
 * controller's clock, every pass also writes each region it holds to the
 * `regions` map, bracketed by seq (odd while it writes).
 */
struct nw_rec_ctl {
	__u64 want_ns;		/* recorder: CLOCK_MONOTONIC until which regions are wanted */
	__u64 seq;		/* controller: odd while `regions` is being written */
	__u64 pass;		/* passes at the last publication */
	__u64 at_ns;		/* CLOCK_MONOTONIC of the last publication */
	__u64 dropped;		/* regions left out at the last one: more than the map holds */
	__u32 n;		/* entries of `regions` written at the last one */
	__u32 cap;		/* entries of `regions` */
};

/* stats map: one entry, key 0. */
struct nw_stats {
	struct nw_bpf_stats bpf;
	struct nw_ctl_stats ctl;
	struct nw_rec_ctl rec;
};

/*
 * regions map (ARRAY, mmapable, NW_REC_REGIONS entries): one 2 MiB region of a
 * target as the controller last saw it. Written only while a recorder wants
 * it (nw_rec_ctl). Pages are counted per node for nodes 0..NW_REC_NODES-1;
 * pages on higher nodes are `pages` less their sum.
 */
#define NW_REC_REGIONS 65536	/* 128 GiB of resident memory in 2 MiB regions, 3 MiB */
#define NW_REC_NODES 7
#define NW_REC_NO_NR 0xff	/* nr_accesses: no sampled source spoke of it recently */

struct nw_rec_region {
	__u64 addr;		/* region start, 2 MiB aligned */
	__u32 pid;
	__u8 cls;		/* enum nw_region_class */
	__u8 src;		/* enum nw_region_src: the source that put it there */
	__u8 nr_accesses;	/* DAMON's or the accessed bits' (0..20), NW_REC_NO_NR */
	__u8 node;		/* the node of all its pages, 0xfe several, 0xff not scanned */
	__u32 heat_x100;	/* its heat (0..100) x 100 */
	__u32 age_ms;		/* how long it has been in this heat */
	__u32 damon_age;	/* DAMON's age, aggregation intervals */
	__u16 pages;		/* resident pages at its last scan (after the moves since) */
	__u16 on[NW_REC_NODES];	/* of them, per node */
};

/* One VMA, written by the task_vma iterator (kind ANON or FILE; user space
 * tells shmem from /proc/PID/map_files for shared file mappings, and fills ino). */
enum nw_vma_kind {
	NW_VMA_ANON = 0,
	NW_VMA_SHMEM = 1,
	NW_VMA_FILE = 2,
};

struct nw_vma {
	__u64 start;
	__u64 end;
	__u64 pgoff;		/* vm_pgoff as the kernel has it */
	__u64 flags;		/* vm_flags */
	__u64 ino;		/* inode number of a shared shmem mapping (its interleave base) */
	__u32 kind;		/* enum nw_vma_kind */
	__u32 tgid;
};

/* One 2 MiB block of a target's page tables, written by bpf/young.bpf.c. */
struct nw_young {
	__u64 addr;		/* 2 MiB aligned */
	__u32 present;		/* entries resident (4 KiB pages; a huge page counts 512) */
	__u32 young;		/* of which accessed since the last clear */
};

#endif /* NUMAWEAVE_ABI_H */
