// SPDX-License-Identifier: GPL-2.0
/*
 * sources.c — pids from the command line, pid files and cgroups, checked the
 * same way wherever they come from.
 */
#include <errno.h>
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

int source_read(const struct nw_source *s, int *pids, int max, int *n, char *err, int errlen)
{
	bool cgroup = s->kind == NW_SRC_CGROUP;
	char path[NW_SOURCE_PATH + 16], *buf, *save = NULL;
	struct stat st;
	size_t len;
	int rc;

	*n = 0;
	if (cgroup) {
		char dir[NW_SOURCE_PATH + 1];
		struct statfs fs;

		/* not a link, as a pid file is not (issue 29: anyone could own one) */
		snprintf(dir, sizeof(dir), "%s", s->path);
		path_trim(dir);
		if (!lstat(dir, &st) && S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "%s is a symlink (refused: give the cgroup directory "
				 "itself)", s->path);
			return -ELOOP;
		}
		if (statfs(s->path, &fs)) {
			int e = errno;

			snprintf(err, errlen, "%s: %s", s->path, strerror(e));
			return -e;
		}
		if (fs.f_type != CGROUP2_SUPER_MAGIC) {
			snprintf(err, errlen, "%s is not a cgroup v2 directory", s->path);
			return -EINVAL;
		}
	}
	snprintf(path, sizeof(path), cgroup ? "%s/cgroup.procs" : "%s", s->path);
	/* a pid file is at most 4 KiB and never a symlink; cgroup.procs is the kernel's */
	rc = safe_read_file(path, cgroup ? 0 : SAFE_NOFOLLOW, cgroup ? 1 << 20 : 4096, &buf, &len,
			    &st, err, errlen);
	if (rc)
		return rc;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char perr[NW_ERRLEN];
		int pid;

		if (!*l)
			continue;
		if (parse_pid(l, &pid, perr)) {
			snprintf(err, errlen, "%s: %s", path, perr);
			rc = -EINVAL;
			break;
		}
		if (*n == max) {
			snprintf(err, errlen, "%s: more than %d pids", path, max);
			rc = -E2BIG;
			break;
		}
		if (!cgroup && (rc = pidfile_owner_ok(path, &st, pid, err, errlen)))
			break;
		pids[(*n)++] = pid;
		if (!cgroup)
			break;
	}
	free(buf);
	if (!rc && !*n && !cgroup) {
		snprintf(err, errlen, "%s holds no pid", path);
		rc = -EINVAL;
	}
	return rc;
}
