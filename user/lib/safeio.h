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
/*
 * The same in two steps, so a caller can check the inode it opened (owner,
 * mode) before it reads, and read exactly that file: open (path relative to
 * dfd, or AT_FDCWD) a regular file without blocking, its inode in *st: fd, or
 * -errno with err; then read it whole, at most cap bytes.
 */
int safe_open_file(int dfd, const char *path, int flags, struct stat *st, char *err,
		   int errlen);
int safe_read_fd(int fd, const char *path, size_t cap, char **buf, size_t *len, char *err,
		 int errlen);

/*
 * Open a directory that must not be a symlink (its last component). A
 * trailing "/" or "/." makes the kernel follow a link in spite of
 * O_NOFOLLOW, so they are cut first and a last ".." is refused; the fd is
 * then checked against lstat of the same path (the same inode, not a link).
 * fd, or -errno: -ELOOP for a link, -EINVAL for a last "..".
 */
int safe_open_dir(const char *path);
/* Cut trailing "/" and "/." from path in place ("/" stays "/"). */
void path_trim(char *path);

#endif
