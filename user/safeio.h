/* SPDX-License-Identifier: GPL-2.0 */
/*
 * safeio — read a small file that someone other than root may have made (a
 * pid file, a config, cgroup.procs): regular files only, never blocks (a FIFO
 * or a device is refused before any read), at most a given size, optionally
 * refusing symlinks. The same rules for every such input.
 */
#ifndef NW_SAFEIO_H
#define NW_SAFEIO_H

#include <stddef.h>
#include <sys/stat.h>

#define SAFE_NOFOLLOW 1		/* the last component must not be a symlink */

/*
 * The whole file in *buf (NUL-terminated, free() it), its length in *len and
 * its inode in *st. 0, or -errno with err naming the path and the reason.
 */
int safe_read_file(const char *path, int flags, size_t cap, char **buf, size_t *len,
		   struct stat *st, char *err, int errlen);

#endif
