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

#define NW_PIN_DIR "/sys/fs/bpf/numaweave"

struct collector_bpf;

struct loader_opts {
	const char *pin_dir;
	uint64_t ringbuf_bytes;	/* power of two, >= page size */
	bool no_fentry;		/* never try fentry on task_numa_fault */
	bool classic_tp;	/* force the classic page-fault tracepoint */
};

struct loader {
	struct collector_bpf *skel;
	char pin_dir[PATH_MAX];
	int lock_fd;
	struct nw_stats *stats;	/* the stats map, mmap-ed */
	struct nw_seen *seen;	/* the first-touch bitmap, mmap-ed */
	bool fentry;		/* task_numa_fault fentry attached */
	bool fault_btf;		/* tp_btf (else classic tracepoint) */
	bool fork_btf;
	bool weights_reused;	/* weights came from an earlier run's pin */
	int weights_fd, targets_fd, events_fd;
	/* start-up, ns: reading the kernel BTF, open+load+verify (all variants
	 * tried), attach */
	uint64_t ns_btf, ns_load, ns_attach;
};

int loader_open(struct loader *l, const struct loader_opts *o);
void loader_close(struct loader *l);
/* Clear the first-touch bitmap (when it fills up). */
void loader_clear_seen(struct loader *l);

/* Pin-dir helpers shared with `weights` and `status`. */
int pin_ensure_bpffs(const char *dir);
int pin_open_map(const char *dir, const char *name, uint32_t type, uint32_t key, uint32_t value,
		 uint32_t min_entries, char *err, int errlen);

/* The pinned weights, layout checked; < 0 with the reason said. */
int pin_open_weights(const char *dir);
/* A controller holds the pin dir's lock (it is running). */
bool pin_dir_busy(const char *dir);

/* Read or write the weights map (NW_MAX_NODES entries). */
int weights_read(int fd, uint32_t *w);
int weights_write(int fd, const uint32_t *w);

/* The capabilities `run` needs; 0 or -EPERM with the missing one named in *missing. */
int caps_check(const char **missing);

#endif
