/* SPDX-License-Identifier: GPL-2.0 */
/* nodes — the machine's NUMA nodes, from libnuma. */
#ifndef NW_NODES_H
#define NW_NODES_H

#include <stdbool.h>
#include <stdint.h>

bool node_exists(int n);
/* The node exists and has memory (a CPU-only or CXL node being onlined has none). */
bool node_has_memory(int n);
/* Ids of the nodes that exist, ascending, at most max; returns how many. */
int nodes_list(int *nodes, int max);
/*
 * Check a weight table against the machine: every node with a share must exist
 * and have memory. 0, or -EINVAL with the reason in err and the node in *bad_node.
 */
int weights_validate(const uint32_t *w, char *err, int errlen, int *bad_node);

/* Nodes that exist and have memory, as a mask: what "all" means in a SPEC. */
uint64_t nodes_with_memory(void);
/*
 * A weights SPEC as operators give it: NODES:W[,...] (numactl's node lists,
 * "all" = the nodes with memory) or "kernel" (the kernel's weighted_interleave
 * table). 0, or -errno with the reason in err.
 */
int weights_from_spec(const char *spec, uint32_t *w, char *err, int errlen);

/* The first node with memory and CPUs (where a job's pages start); else the first with memory. */
int nodes_home(void);
/* The kernel's table is in auto mode (weights from HMAT bandwidth, 6.16+). */
bool kernel_weights_auto(void);
/*
 * Write w to the kernel's weighted_interleave table, nodes with weight 0 left
 * out (the kernel refuses 0). How many were written, or -errno with err.
 */
int kernel_weights_write(const uint32_t *w, char *err, int errlen);

#endif
