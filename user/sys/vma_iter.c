// SPDX-License-Identifier: GPL-2.0
/*
 * vma_iter.c — read a target's VMAs through the task_vma iterator (bpf/collector.bpf.c).
 * The iterator is parameterized with the pid (one task's tree is walked); the
 * `tgid` filter in .bss keeps the output right on kernels that walk them all.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.skel.h"
#include "vec.h"
#include "vma_iter.h"

int task_vma_iter_open(struct bpf_program *prog, int pid, bool param, struct bpf_link **link)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info li = {};
	int fd;

	if (param) {
		li.task.pid = pid;
		opts.link_info = &li;
		opts.link_info_len = sizeof(li);
	}
	*link = bpf_program__attach_iter(prog, &opts);
	if (!*link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(*link));
	if (fd < 0) {
		fd = -errno;
		bpf_link__destroy(*link);
		*link = NULL;
	}
	return fd;
}

static int read_iter(struct vma_reader *r, int pid, struct vma_list *out, bool param)
{
	struct bpf_link *link;
	struct nw_vma buf[64];	/* the iterator's seq_file gives whole records per read */
	int fd, rc = 0;
	ssize_t got;

	r->skel->bss->iter_tgid = pid;
	fd = task_vma_iter_open(r->skel->progs.handle_vma, pid, param, &link);
	if (fd < 0)
		return fd;
	out->n = 0;
	out->sig = 1469598103934665603ull;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		size_t k = (size_t)got / sizeof(buf[0]);

		if (got % sizeof(buf[0])) {
			rc = -EIO;	/* a torn record: not this program's output */
			break;
		}
		if ((rc = vec_reserve(&out->v, &out->cap, out->n + k, sizeof(buf[0]), 64)))
			break;
		for (size_t j = 0; j < k; j++) {
			const struct nw_vma *v = &buf[j];

			out->v[out->n++] = *v;
			out->sig = (out->sig ^ v->start ^ (v->end << 1) ^ (v->pgoff << 7) ^ v->flags) *
				   1099511628211ull;
		}
	}
	if (got < 0 && !rc)
		rc = -errno;
	close(fd);
	bpf_link__destroy(link);
	return rc;
}

/*
 * A shared file mapping on tmpfs or the kernel's shmem mount (MAP_SHARED |
 * MAP_ANONYMOUS, SysV shm, memfd) is shmem: its pages are placed by inode
 * number and file index. The file as the mapping holds it: /proc/PID/map_files
 * (root with CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE). Not readable: left a
 * file mapping, which numaweave does not move (shared).
 */
static void shmem_classify(int pid, struct nw_vma *v)
{
	char path[96];
	struct statfs fs;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)v->start, (unsigned long long)v->end);
	if (statfs(path, &fs) || fs.f_type != TMPFS_MAGIC || stat(path, &st))
		return;
	v->kind = NW_VMA_SHMEM;
	v->ino = st.st_ino;
}

int vmas_read(struct vma_reader *r, int pid, struct vma_list *out)
{
	int rc = read_iter(r, pid, out, true);

	if (rc == -EINVAL || rc == -E2BIG)	/* iterator without task parameters */
		rc = read_iter(r, pid, out, false);
	for (size_t i = 0; !rc && i < out->n; i++)
		if (out->v[i].kind == NW_VMA_FILE && out->v[i].flags & NW_VM_SHARED)
			shmem_classify(pid, &out->v[i]);
	if (!rc && !out->n && kill(pid, 0) && errno == ESRCH)
		rc = -ESRCH;
	return rc;
}

void vma_list_free(struct vma_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
