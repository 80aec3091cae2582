/* SPDX-License-Identifier: GPL-2.0 */
/*
 * targets — the processes a controller follows (mirrored in the BPF
 * `targets` map, which decides whose faults are reported), and the `-- CMD`
 * child it may have started.
 */
#ifndef NW_TARGETS_H
#define NW_TARGETS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "numaweave/abi.h"
#include "vma_iter.h"

struct pol;

struct target {
	int pid;
	struct pol *pol;		/* whose weights and settings place it */
	bool from_src;			/* found in a pid file or cgroup: followed while named there */
	uint32_t parent;		/* the target whose fork brought it in, 0 if none */
	unsigned long long start;	/* start time (clock ticks after boot): pid + start
					   names one process, whatever reuses the pid */
	bool gone;
	bool need_full;			/* scan all of it next pass */
	int last_err;			/* -errno of its last pass, 0 when it went well */
	uint64_t sig;			/* VMA geometry at the last pass */
	uint32_t young_at;		/* heat interval + 1 of its last accessed-bit clear, 0 none */
	uint32_t young_every;		/* intervals between its samples (what one costs) */
	uint64_t per_node[NW_MAX_NODES];	/* resident pages per node, last full pass */
	uint16_t full_at;		/* pass stamp of its last full scan (heat.h), 0 none */
	uint64_t last_full_ns;		/* CLOCK_MONOTONIC of its last full scan */
	uint64_t full_every_ns;		/* its periodic full scan's spacing (plan.c), 0 not set */
	uint64_t plan_said;		/* dry run: a digest of the plan printed last */
	struct vma_list vmas;
};

#define NW_HELD_SAID 64	/* "held by another controller" said once for the last this many */

struct target_set {
	struct target **t;	/* targets never move in memory: events add them mid-pass */
	size_t n, cap;
	int map_fd;		/* the BPF targets map */
	uint32_t max;		/* its entries (--max-targets) */
	uint64_t refused;	/* processes a source names that the full map could not take,
				   at the last reading of the sources */
	uint64_t refused_now;	/* counted during a reading of the sources */
	struct {		/* processes said to be held by another controller */
		int pid;
		unsigned long long start;
	} held_said[NW_HELD_SAID];
	int held_next;
	bool full_said;		/* "full" said since the last process it took */
	bool no_claims;		/* a dry run: it moves nothing, so it claims no process */
	/*
	 * By pid: an open-addressed table of the entries of t (gone ones too,
	 * until targets_reap rebuilds it), so finding a target costs O(1), not
	 * a walk of thousands (issue 31: a cgroup's refresh was quadratic).
	 */
	struct target **idx;
	size_t icap, iused;
};

/* Remove the claims of controllers or processes that are gone (crashed, killed). */
void claims_sweep(void);
/* The live target with this pid (gone ones are never found). */
struct target *targets_find(struct target_set *s, int pid);
/*
 * Follow pid (0 if it already is); on failure nothing is kept. A live entry
 * whose start time differs is an exited process whose pid was reused (its
 * exit event lost): *reused is set and the entry starts over.
 */
int targets_add(struct target_set *s, int pid, uint32_t parent, bool children, bool *reused);
/* It exited: out of the map, VMAs freed. False if it was already gone. */
bool targets_remove(struct target_set *s, struct target *t);
/* The process this target was is gone, even if its pid is in use again. */
bool target_exited(const struct target *t);
/* Free the entries of exited targets (between passes only); returns how many. */
size_t targets_reap(struct target_set *s);
/* At least one live target (stops at the first). */
bool targets_any_alive(const struct target_set *s);
int targets_alive(const struct target_set *s);
void targets_free(struct target_set *s);

struct child {
	pid_t pid;		/* 0: none */
	int status;		/* exit status, 128 + signal if killed */
	bool done;
	bool out_to_err;	/* its stdout goes to stderr (ours carries JSON) */
};

/* Start cmd, held until it has been made a target (following its children if asked). */
int child_start(struct child *c, char **cmd, struct target_set *s, bool children);
/* True when the child has just been found finished (status set). */
bool child_reap(struct child *c);
/* Send sig (if not 0) and wait for it; returns its status. */
int child_finish(struct child *c, int sig);

#endif
