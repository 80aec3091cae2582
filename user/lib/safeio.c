// SPDX-License-Identifier: GPL-2.0
/* safeio.c — read small untrusted files without blocking or swallowing a device. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "safeio.h"

static int fail(char *err, int errlen, int rc, const char *path, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why ? why : strerror(-rc));
	return rc;
}

void path_trim(char *path)
{
	size_t n = strlen(path);

	for (;;) {
		if (n > 1 && path[n - 1] == '/')
			path[--n] = 0;
		else if (n > 2 && path[n - 1] == '.' && path[n - 2] == '/')
			path[n -= 2] = 0;
		else
			break;
	}
}

int safe_open_dir(const char *path)
{
	char p[PATH_MAX];
	struct stat l, f;
	size_t n;
	int fd;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	path_trim(p);
	n = strlen(p);
	if (!strcmp(p, "..") || (n >= 3 && !strcmp(p + n - 3, "/..")))
		return -EINVAL;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (lstat(p, &l) || fstat(fd, &f) || S_ISLNK(l.st_mode) || l.st_dev != f.st_dev ||
	    l.st_ino != f.st_ino) {
		close(fd);
		return -ELOOP;	/* swapped for a link between the open and the check */
	}
	return fd;
}

/* The rest of an open regular file, at most cap bytes: 0 or -errno with err. */
int safe_read_fd(int fd, const char *path, size_t cap, char **buf, size_t *len, char *err,
		 int errlen)
{
	size_t n = 0;
	char *b = malloc(cap + 1);

	*buf = NULL;
	if (!b)
		return fail(err, errlen, -ENOMEM, path, NULL);
	/* sysfs and cgroupfs files say size 0: read to the end, up to cap + 1 */
	for (;;) {
		ssize_t r = read(fd, b + n, cap + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = -errno;

			free(b);
			return fail(err, errlen, rc, path, NULL);
		}
		if (!r)
			break;
		n += r;
		if (n > cap) {
			char why[64];

			snprintf(why, sizeof(why), "larger than %zu bytes (refused)", cap);
			free(b);
			return fail(err, errlen, -EFBIG, path, why);
		}
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

int safe_open_file(int dfd, const char *path, int flags, struct stat *st, char *err,
		   int errlen)
{
	/* O_NONBLOCK: opening a FIFO with no writer must not wait for one */
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
				   (flags & SAFE_NOFOLLOW ? O_NOFOLLOW : 0));

	if (fd < 0 && errno == ELOOP)
		return fail(err, errlen, -ELOOP, path, "is a symlink (refused: give the file itself)");
	if (fd < 0) {
		int rc = -errno;

		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, st)) {
		int rc = -errno;

		close(fd);
		return fail(err, errlen, rc, path, NULL);
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return fail(err, errlen, -EINVAL, path, S_ISDIR(st->st_mode) ? "is a directory" :
			    "is not a regular file (a FIFO, socket or device is refused)");
	}
	return fd;
}

int safe_read_file(const char *path, int flags, size_t cap, char **buf, size_t *len,
		   struct stat *st, char *err, int errlen)
{
	int fd = safe_open_file(AT_FDCWD, path, flags, st, err, errlen), rc;

	*buf = NULL;
	if (fd < 0)
		return fd;
	rc = safe_read_fd(fd, path, cap, buf, len, err, errlen);
	close(fd);
	return rc;
}
