/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader — open, configure, load and attach the BPF programs; pin and reuse
 * the maps under the pin dir.
 */
#ifndef NW_LOADER_H
#define NW_LOADER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "numaweave/abi.h"
#include "pins.h"

struct collector_bpf;

struct loader_opts {
	const char *pin_dir;
	uint64_t ringbuf_bytes;	/* power of two, >= page size */
	bool no_fentry;		/* never try fentry on task_numa_fault */
	bool classic_tp;	/* force the classic page-fault tracepoint */
	bool no_damon;		/* never attach to DAMON's damon_aggregated */
	uint64_t fold_ns;	/* fault folding window (abi.h); 0 = a record per fault */
	uint32_t max_targets;	/* entries of the targets map (0: NW_MAX_TARGETS) */
	bool dry_run;		/* pin nothing, unpin nothing, take no lock: the pinned
				   weights (if any) are copied, never written */
};

struct loader {
	struct collector_bpf *skel;
	struct pin_dir dir;	/* checked, flock-ed: one controller per pin dir */
	struct nw_stats *stats;	/* the stats map, mmap-ed */
	struct nw_seen *seen;	/* the first-touch bitmap, mmap-ed */
	struct nw_rec_region *regions;	/* the regions map (NW_REC_REGIONS), mmap-ed */
	uint32_t max_targets;	/* entries of the targets map, as loaded */
	bool fentry;		/* task_numa_fault fentry attached */
	bool arms;		/* change_prot_numa fexit attached: armed ranges seen */
	bool fault_btf;		/* tp_btf (else classic tracepoint) */
	bool fork_btf;
	bool joins;		/* cgroup_attach_task attached: moves between cgroups wake the loop */
	bool damon_prog;	/* damon_aggregated attached (DAMON can be a heat source) */
	bool damon_tune;	/* damon_monitor_intervals_tune attached (Linux 6.15+) */
	bool weights_reused;	/* weights came from an earlier run's pin */
	bool weights_pinned;	/* this run pinned a new weights map */
	bool dry_run;		/* nothing pinned (loader_opts) */
	int weights_fd, targets_fd, events_fd;
	/* start-up, ns: reading the kernel BTF, open+load+verify (all variants
	 * tried), attach */
	uint64_t ns_btf, ns_load, ns_attach;
};

int loader_open(struct loader *l, const struct loader_opts *o);
/* failed: the start failed, so the pin dir and weights this run made go again */
void loader_close(struct loader *l, bool failed);
/* The kdamond whose damon_aggregated results are ours (0: none). */
void loader_set_damon_pid(struct loader *l, int pid);
/* Its sampling interval as DAMON last tuned it, us; 0: not tuned (yet). */
uint64_t loader_damon_sample_us(const struct loader *l);
/* Wake the controller when a process moves between cgroups (while a policy
 * names one; a no-op without the program). */
void loader_watch_cgroups(struct loader *l, bool on);
/* Clear the first-touch bitmap (when it fills up). */
void loader_clear_seen(struct loader *l);

/*
 * A daemon policy's weights map, policies/NAME/weights: the pinned one when
 * its layout matches, else a new one with the BTF of `weights`, pinned
 * (*created). fd, or -errno with the reason said.
 */
int loader_policy_map(struct loader *l, const char *policy, bool *created);
/*
 * Pin fd as policies/NAME/weights again if that pin is gone (removed by hand
 * while the daemon runs: issue 29); said once when it is. 0 or -errno.
 */
int loader_policy_repin(struct loader *l, const char *policy, int fd);
/* Remove policies/NAME (and policies/ when it is empty). */
void loader_policy_unpin(struct loader *l, const char *policy);

/* The capabilities `run` needs; 0 or -EPERM with the missing one named in *missing. */
int caps_check(const char **missing);

#endif
