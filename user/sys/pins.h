/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pins — the pin dir on bpffs, treated as untrusted until checked: it must be
 * a real directory (not a symlink), not the root of a bpffs mount, owned by
 * root (or the running uid), writable by nobody else. It is opened once
 * (O_DIRECTORY|O_NOFOLLOW) and everything after goes through that descriptor
 * (as /proc/self/fd/N/NAME), so a directory renamed or swapped afterwards
 * changes nothing. Every pinned map is checked (a regular bpffs entry owned
 * by root, type, key and value size, entries, BTF) before any lookup.
 */
#ifndef NW_PINS_H
#define NW_PINS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define NW_PIN_DIR "/sys/fs/bpf/numaweave"

struct pin_dir {
	int fd;			/* O_DIRECTORY|O_NOFOLLOW, -1 when closed */
	char at[32];		/* "/proc/self/fd/N": paths through fd */
	char name[PATH_MAX];	/* as the user gave it, for messages */
	bool created;		/* made by this process (removed again on a failed start) */
};

/*
 * Open and check the pin dir; with create, make it (0700) and mount bpffs on
 * /sys/fs/bpf where nothing is. 0, -ENOENT when it does not exist (not said),
 * or -errno with the reason said.
 */
int pin_dir_open(struct pin_dir *d, const char *dir, bool create);
void pin_dir_close(struct pin_dir *d);
/* PATH of NAME inside the pin dir, through the descriptor. */
void pin_path(const struct pin_dir *d, const char *name, char *buf, int len);
/* A controller holds the pin dir's lock (it is running). */
bool pin_dir_busy(const struct pin_dir *d);
/* Removed (rm -r) while we hold it: our pins are no longer reachable by name. */
bool pin_dir_removed(const struct pin_dir *d);

/*
 * A pinned map with this exact layout: fd, or -ENOENT, -EBADF (another
 * layout or not a map), -EPERM (a symlink or a foreign owner), with err set.
 */
int pin_open_map(const struct pin_dir *d, const char *name, uint32_t type, uint32_t key,
		 uint32_t value, uint32_t min_entries, char *err, int errlen);
struct nw_stats;
/*
 * The running (or last) controller's counters, layout checked: 0, or -ENOENT
 * (none pinned), or -errno with err.
 */
int pin_read_stats(const struct pin_dir *d, struct nw_stats *st, char *err, int errlen);
/* The pinned weights (policy NULL: the default table), layout checked; < 0 with the reason said. */
int pin_open_weights(const struct pin_dir *d, const char *policy);

#define NW_POLICY_NAME_MAX 64
/* A daemon policy's name: [A-Za-z0-9_.-], not starting with '.'. 0 or -EINVAL with err. */
int policy_name_check(const char *name, char *err, int errlen);
/* "weights", or "policies/NAME/weights": the pin of a policy's table. */
void policy_weights_name(const char *policy, char *buf, int len);

/* Read or write the weights map (NW_MAX_NODES entries). */
int weights_read(int fd, uint32_t *w);
int weights_write(int fd, const uint32_t *w);
/*
 * A weights map's values through a read-only mapping (BPF_F_MMAPABLE maps:
 * this build's; one pinned by an older build is not), polled with no system
 * call; NULL when the map cannot be mapped.
 */
const volatile uint32_t *weights_view(int fd);
void weights_view_read(const volatile uint32_t *v, uint32_t *w);
void weights_view_close(const volatile uint32_t *v);

#endif
