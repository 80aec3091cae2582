// SPDX-License-Identifier: GPL-2.0
/*
 * sources.c — pids from the command line, pid files and cgroups, checked the
 * same way wherever they come from.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include "parse.h"
#include "procfs.h"
#include "safeio.h"
#include "sources.h"

int target_pid_check(int pid, char *err, int errlen)
{
	struct proc_stat st;
	int tgid, rc;

	if (pid == getpid()) {
		snprintf(err, errlen, "pid %d is numaweave itself: refusing to follow it", pid);
		return 2;
	}
	rc = procfs_stat(pid, &st);
	if (rc == -ENOENT) {
		snprintf(err, errlen, "pid %d does not exist", pid);
		return 2;
	}
	if (rc) {
		snprintf(err, errlen, "cannot read /proc/%d/stat: %s", pid, strerror(-rc));
		return 1;
	}
	if (st.state == 'Z' || st.state == 'X') {
		snprintf(err, errlen, "pid %d has exited (a zombie)", pid);
		return 2;
	}
	if (st.flags & PF_KTHREAD_FLAG) {
		snprintf(err, errlen, "pid %d is a kernel thread: it has no user memory to place",
			 pid);
		return 2;
	}
	tgid = proc_tgid(pid);
	if (tgid >= 0 && tgid != pid) {
		snprintf(err, errlen, "pid %d is a thread of process %d: name the process", pid,
			 tgid);
		return 2;
	}
	return 0;
}

/*
 * A pid file not owned by root may only name a process of its owner, so a
 * service user who writes its own pid file cannot aim root's controller at
 * someone else's process.
 */
static int pidfile_owner_ok(const char *path, const struct stat *st, int pid, char *err,
			    int errlen)
{
	int uid;

	if (!st->st_uid)
		return 0;
	uid = proc_uid(pid);
	if (uid == -1 || (uid >= 0 && (unsigned int)uid == st->st_uid))
		return 0;	/* gone: the pid check says so */
	if (uid == -2) {	/* checked by every uid it holds (issue 29: by the real one only) */
		snprintf(err, errlen, "%s is owned by uid %u but names pid %d, which runs with "
			 "several uids (setuid): refused (a pid file not owned by root may only "
			 "name its owner's processes)", path, st->st_uid, pid);
		return -EPERM;
	}
	snprintf(err, errlen, "%s is owned by uid %u but names pid %d of uid %d: refused (a pid "
		 "file not owned by root may only name its owner's processes)", path, st->st_uid,
		 pid, uid);
	return -EPERM;
}

/* Parse a list of pids, one a line, into pids[*n..max). 0 or -errno with err. */
static int pids_parse(char *buf, const char *path, bool one, const struct stat *owner,
		      int *pids, int max, int *n, char *err, int errlen)
{
	char *save = NULL;
	int rc = 0;

	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char perr[NW_ERRLEN];
		int pid;

		if (!*l)
			continue;
		if (parse_pid(l, &pid, perr)) {
			snprintf(err, errlen, "%s: %s", path, perr);
			return -EINVAL;
		}
		if (*n == max) {
			snprintf(err, errlen, "%s: more than %d pids", path, max);
			return -E2BIG;
		}
		if (owner && (rc = pidfile_owner_ok(path, owner, pid, err, errlen)))
			return rc;
		pids[(*n)++] = pid;
		if (one)
			break;
	}
	return 0;
}

/*
 * Every pid in the cgroup open at dfd and in every cgroup below it, at any
 * depth (issue 28: a systemd .slice or a Kubernetes pod holds no process
 * itself). A sub-cgroup removed during the walk is skipped; one deeper than
 * CGROUP_MAX_DEPTH levels is not read, and said.
 */
static int cgroup_walk(int dfd, char *path, size_t plen, int depth, int *pids, int max, int *n,
		       char *err, int errlen)
{
	struct dirent *de;
	struct stat st;
	size_t len;
	char *buf;
	int fd, rc;
	DIR *d;

	fd = safe_open_file(dfd, "cgroup.procs", 0, &st, err, errlen);
	if (fd < 0)
		return depth && fd == -ENOENT ? 0 : fd;
	snprintf(path + plen, NW_SOURCE_PATH * 2 - plen, "/cgroup.procs");
	rc = safe_read_fd(fd, path, 1 << 20, &buf, &len, err, errlen);
	close(fd);
	/* a threaded cgroup's processes are its domain's, read above (EOPNOTSUPP here) */
	if (rc)
		return depth && (rc == -ENOENT || rc == -EOPNOTSUPP) ? 0 : rc;
	rc = pids_parse(buf, path, false, NULL, pids, max, n, err, errlen);
	free(buf);
	path[plen] = 0;
	if (rc)
		return rc;
	fd = dup(dfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while (!rc && (de = readdir(d))) {
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (depth + 1 > CGROUP_MAX_DEPTH) {
			snprintf(err, errlen, "%s/%s: cgroups more than %d levels below the one "
				 "named are not followed", path, de->d_name, CGROUP_MAX_DEPTH);
			rc = -ELOOP;
			break;
		}
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;	/* removed meanwhile */
		/* path only names it in messages: one too long names its ancestor instead */
		if (plen + 1 + strlen(de->d_name) + 16 < NW_SOURCE_PATH * 2)
			snprintf(path + plen, NW_SOURCE_PATH * 2 - plen, "/%s", de->d_name);
		rc = cgroup_walk(sub, path, strlen(path), depth + 1, pids, max, n, err, errlen);
		path[plen] = 0;
		close(sub);
	}
	closedir(d);
	return rc;
}

int source_read(const struct nw_source *s, int *pids, int max, int *n, char *err, int errlen)
{
	char path[NW_SOURCE_PATH * 2];
	struct statfs fs;
	struct stat st;
	size_t len;
	char *buf;
	int rc, fd;

	*n = 0;
	if (s->kind != NW_SRC_CGROUP) {
		/* a pid file is at most 4 KiB and never a symlink */
		rc = safe_read_file(s->path, SAFE_NOFOLLOW, 4096, &buf, &len, &st, err, errlen);
		if (rc)
			return rc;
		rc = pids_parse(buf, s->path, true, &st, pids, max, n, err, errlen);
		free(buf);
		if (!rc && !*n) {
			snprintf(err, errlen, "%s holds no pid", s->path);
			rc = -EINVAL;
		}
		return rc;
	}
	/* not a link, as a pid file is not (issue 29: anyone could own one) */
	fd = safe_open_dir(s->path);
	if (fd == -ENOTDIR) {	/* O_DIRECTORY with O_NOFOLLOW: a link says ENOTDIR */
		char p[NW_SOURCE_PATH + 1];
		struct stat ls;

		snprintf(p, sizeof(p), "%s", s->path);
		path_trim(p);
		if (!lstat(p, &ls) && S_ISLNK(ls.st_mode))
			fd = -ELOOP;
	}
	if (fd == -ELOOP) {
		snprintf(err, errlen, "%s is a symlink (refused: give the cgroup directory itself)",
			 s->path);
		return fd;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(-fd));
		return fd;
	}
	if (fstatfs(fd, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, errlen, "%s is not a cgroup v2 directory (on a host with v1 "
			 "hierarchies, name the directory under the cgroup2 mount: findmnt -t "
			 "cgroup2)", s->path);
		close(fd);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s", s->path);
	path_trim(path);
	rc = cgroup_walk(fd, path, strlen(path), 0, pids, max, n, err, errlen);
	close(fd);
	return rc;
}
