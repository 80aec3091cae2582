// SPDX-License-Identifier: GPL-2.0
/* pins.c — the pin dir and pinned maps, checked before they are trusted. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "numaweave/abi.h"
#include "pins.h"
#include "safeio.h"

/* /sys/fs/bpf itself, when nothing is mounted there and the pin dir is under it. */
static int mount_bpffs(const char *dir)
{
	struct statfs sf;

	if (!statfs("/sys/fs/bpf", &sf) && sf.f_type == BPF_FS_MAGIC)
		return 0;
	if (strncmp(dir, "/sys/fs/bpf/", 12))
		return 0;	/* a pin dir elsewhere must be on a bpffs the operator mounted */
	mkdir("/sys/fs/bpf", 0755);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		nw_err("cannot mount bpffs on /sys/fs/bpf: %s", strerror(errno));
		return -errno;
	}
	nw_info("mounted bpffs on /sys/fs/bpf (left mounted: the pinned weights live there)");
	return 0;
}

static int refuse(struct pin_dir *d, int rc, const char *fmt, const char *why)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, why);
	nw_err("pin dir %s %s", d->name, msg);
	pin_dir_close(d);
	return rc;
}

/* The checks on an open directory: owner, mode, file system, not a mount root. */
static int dir_checks(struct pin_dir *d)
{
	struct stat st, up;
	struct statfs sf;
	char uid[32];

	if (fstat(d->fd, &st) || fstatfs(d->fd, &sf))
		return refuse(d, -errno, "cannot be read: %s", strerror(errno));
	if (sf.f_type != BPF_FS_MAGIC)
		return refuse(d, -ENOTSUP, "is not on a bpffs%s", " (mount -t bpf bpf DIR)");
	if (fstatat(d->fd, "..", &up, 0) || up.st_dev != st.st_dev || up.st_ino == st.st_ino)
		return refuse(d, -EINVAL, "is the root of a bpffs mount%s: give a directory "
			      "inside it (default " NW_PIN_DIR ")", "");
	if (st.st_uid && st.st_uid != geteuid()) {
		snprintf(uid, sizeof(uid), "%u", st.st_uid);
		return refuse(d, -EPERM, "is owned by uid %s, not root: refused (whoever made it "
			      "could replace the maps in it; remove it)", uid);
	}
	if (st.st_mode & 022)
		return refuse(d, -EPERM, "is writable by group or others (mode %s): refused "
			      "(chmod 0700 it after checking what is in it, or remove it)",
			      (snprintf(uid, sizeof(uid), "%04o", st.st_mode & 07777), uid));
	if ((st.st_mode & 07777) != 0700 && fchmod(d->fd, 0700))
		return refuse(d, -errno, "cannot be made 0700: %s", strerror(errno));
	return 0;
}

int pin_dir_open(struct pin_dir *d, const char *dir, bool create)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	snprintf(d->name, sizeof(d->name), "%s", dir && *dir ? dir : NW_PIN_DIR);
	path_trim(d->name);	/* "link/" would be followed */
	if (create) {
		if ((rc = mount_bpffs(d->name)))
			return rc;
		if (!mkdir(d->name, 0700))
			d->created = true;
		else if (errno != EEXIST)
			return refuse(d, -errno, "cannot be created: %s", strerror(errno));
	}
	d->fd = safe_open_dir(d->name);
	if (d->fd < 0) {
		rc = d->fd;
		d->fd = -1;
		if (rc == -ENOENT && !create)
			return rc;
		return refuse(d, rc, "%s", rc == -ELOOP || rc == -ENOTDIR ?
			      "is a symlink or not a directory: refused" : rc == -EINVAL ?
			      "ends in '..': name the directory itself" : strerror(-rc));
	}
	snprintf(d->at, sizeof(d->at), "/proc/self/fd/%d", d->fd);
	return dir_checks(d);
}

void pin_dir_close(struct pin_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

void pin_path(const struct pin_dir *d, const char *name, char *buf, int len)
{
	snprintf(buf, len, "%s/%s", d->at, name);
}

bool pin_dir_busy(const struct pin_dir *d)
{
	char self[32];
	int fd;
	bool busy;

	/* a new open file description: flock on our own d->fd would always succeed */
	snprintf(self, sizeof(self), "%s/.", d->at);
	fd = open(self, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

bool pin_dir_removed(const struct pin_dir *d)
{
	struct stat st;

	return d->fd >= 0 && !fstat(d->fd, &st) && st.st_nlink == 0;
}

static const char *map_type_name(uint32_t t)
{
	const char *s = libbpf_bpf_map_type_str(t);

	return s ? s : "unknown";
}

int pin_open_map(const struct pin_dir *d, const char *name, uint32_t type, uint32_t key,
		 uint32_t value, uint32_t min_entries, char *err, int errlen)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		snprintf(err, errlen, "cannot open pinned map %s/%s: %s", d->name, name,
			 strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid && st.st_uid != geteuid())) {
		snprintf(err, errlen, "%s/%s is %s: refused", d->name, name,
			 S_ISLNK(st.st_mode) ? "a symlink" : !S_ISREG(st.st_mode) ?
			 "not a pinned map" : "owned by another user");
		return -EPERM;
	}
	pin_path(d, name, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open pinned map %s/%s: %s", d->name, name,
			 strerror(errno));
		return -errno;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(err, errlen, "%s/%s is not a map: %s", d->name, name, strerror(errno));
		close(fd);
		return -EBADF;
	}
	if (info.type != type || info.key_size != key || info.value_size != value ||
	    info.max_entries < min_entries || !info.btf_id) {
		snprintf(err, errlen,
			 "pinned map %s/%s has another layout (%s, key %u, value %u, %u entries%s; "
			 "expected %s, key %u, value %u, >= %u entries with BTF)",
			 d->name, name, map_type_name(info.type), info.key_size, info.value_size,
			 info.max_entries, info.btf_id ? "" : ", no BTF", map_type_name(type), key,
			 value, min_entries);
		close(fd);
		return -EBADF;
	}
	return fd;
}

int pin_read_stats(const struct pin_dir *d, struct nw_stats *st, char *err, int errlen)
{
	uint32_t zero = 0;
	int fd = pin_open_map(d, "stats", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
			      sizeof(struct nw_stats), 1, err, errlen);
	int rc = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, st)) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s/stats: %s", d->name, strerror(-rc));
	}
	close(fd);
	return rc;
}

int policy_name_check(const char *name, char *err, int errlen)
{
	size_t n = strlen(name);

	if (!n || n > NW_POLICY_NAME_MAX) {
		snprintf(err, errlen, "policy name '%s': 1 to %d characters", name,
			 NW_POLICY_NAME_MAX);
		return -EINVAL;
	}
	/* no '.': bpffs refuses it in a name, so such a policy could never pin (issue 29) */
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_-", name[i])) {
			snprintf(err, errlen, "policy name '%s': letters, digits, '_' and '-' only "
				 "(bpffs, where its weights are pinned, refuses '.')", name);
			return -EINVAL;
		}
	return 0;
}

void policy_weights_name(const char *policy, char *buf, int len)
{
	if (policy)
		snprintf(buf, len, "policies/%s/weights", policy);
	else
		snprintf(buf, len, "weights");
}

int pin_open_weights(const struct pin_dir *d, const char *policy)
{
	char err[PATH_MAX + 256], name[NW_POLICY_NAME_MAX + 32];
	int fd;

	if (policy && policy_name_check(policy, err, sizeof(err))) {
		nw_err("%s", err);
		return -EINVAL;
	}
	policy_weights_name(policy, name, sizeof(name));
	fd = pin_open_map(d, name, BPF_MAP_TYPE_ARRAY, 4, 4, NW_MAX_NODES, err, sizeof(err));
	if (fd == -ENOENT && policy)
		nw_err("no policy '%s' in %s (no %s/%s: is the daemon running with it?)", policy,
		       d->name, d->name, name);
	else if (fd == -ENOENT)
		nw_err("no weights pinned in %s: start `numaweave run` with --weights first",
		       d->name);
	else if (fd == -EACCES)
		nw_err("cannot open %s/%s: %s (root only: the pin dir is mode 0700)", d->name,
		       name, strerror(-fd));
	else if (fd < 0)
		nw_err("%s", err);
	return fd;
}

/*
 * The whole table in one system call where the kernel has batch operations
 * (5.6+): cheaper to poll, and a table written in one call is never seen
 * half-written by the controller. Entry by entry otherwise.
 */
int weights_read(int fd, uint32_t *w)
{
	uint32_t keys[NW_MAX_NODES], out = 0, count = NW_MAX_NODES;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);

	if ((!bpf_map_lookup_batch(fd, NULL, &out, keys, w, &count, &bo) ||
	     errno == ENOENT) && count == NW_MAX_NODES) {
		for (uint32_t i = 0; i < NW_MAX_NODES; i++)
			if (keys[i] != i)
				goto one_by_one;
		return 0;
	}
one_by_one:
	for (uint32_t i = 0; i < NW_MAX_NODES; i++)
		if (bpf_map_lookup_elem(fd, &i, &w[i]))
			return -errno;
	return 0;
}

/* An array map's values sit 8 bytes apart (the kernel rounds value_size up to 8). */
#define WEIGHTS_VIEW_STRIDE 2
#define WEIGHTS_VIEW_BYTES 4096

const volatile uint32_t *weights_view(int fd)
{
	void *p = mmap(NULL, WEIGHTS_VIEW_BYTES, PROT_READ, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

void weights_view_read(const volatile uint32_t *v, uint32_t *w)
{
	for (int i = 0; i < NW_MAX_NODES; i++)
		w[i] = v[i * WEIGHTS_VIEW_STRIDE];
}

void weights_view_close(const volatile uint32_t *v)
{
	if (v)
		munmap((void *)v, WEIGHTS_VIEW_BYTES);
}

int weights_write(int fd, const uint32_t *w)
{
	uint32_t keys[NW_MAX_NODES], count = NW_MAX_NODES;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);

	for (uint32_t i = 0; i < NW_MAX_NODES; i++)
		keys[i] = i;
	if (!bpf_map_update_batch(fd, keys, w, &count, &bo))
		return 0;
	for (uint32_t i = 0; i < NW_MAX_NODES; i++)
		if (bpf_map_update_elem(fd, &i, &w[i], BPF_ANY))
			return -errno;
	return 0;
}

