// SPDX-License-Identifier: GPL-2.0
/* safeio.c — read small untrusted files without blocking or swallowing a device. */
#include <errno.h>
#include <fcntl.h>
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

int safe_read_file(const char *path, int flags, size_t cap, char **buf, size_t *len,
		   struct stat *st, char *err, int errlen)
{
	/* O_NONBLOCK: opening a FIFO with no writer must not wait for one */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
			    (flags & SAFE_NOFOLLOW ? O_NOFOLLOW : 0));
	size_t n = 0;
	char *b;

	*buf = NULL;
	if (fd < 0 && errno == ELOOP)
		return fail(err, errlen, -ELOOP, path, "is a symlink (refused: give the file itself)");
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, st)) {
		close(fd);
		return fail(err, errlen, -errno, path, NULL);
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return fail(err, errlen, -EINVAL, path, S_ISDIR(st->st_mode) ? "is a directory" :
			    "is not a regular file (a FIFO, socket or device is refused)");
	}
	b = malloc(cap + 1);
	if (!b) {
		close(fd);
		return fail(err, errlen, -ENOMEM, path, NULL);
	}
	/* sysfs and cgroupfs files say size 0: read to the end, up to cap + 1 */
	for (;;) {
		ssize_t r = read(fd, b + n, cap + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = -errno;

			free(b);
			close(fd);
			return fail(err, errlen, rc, path, NULL);
		}
		if (!r)
			break;
		n += r;
		if (n > cap) {
			char why[64];

			snprintf(why, sizeof(why), "larger than %zu bytes (refused)", cap);
			free(b);
			close(fd);
			return fail(err, errlen, -EFBIG, path, why);
		}
	}
	close(fd);
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}
