// SPDX-License-Identifier: GPL-2.0
/*
 * vma_iter.c — read a target's VMAs through the task_vma iterator (bpf/collector.bpf.c).
 * The iterator is parameterized with the pid (one task's tree is walked); the
 * `tgid` filter in .bss keeps the output right on kernels that walk them all.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.skel.h"
#include "vec.h"
#include "vma_iter.h"

static int read_iter(struct vma_reader *r, int pid, struct vma_list *out, bool param)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info li = {};
	struct bpf_link *link;
	struct nw_vma buf[64];	/* the iterator's seq_file gives whole records per read */
	int fd, rc = 0;
	ssize_t got;

	if (param) {
		li.task.pid = pid;
		opts.link_info = &li;
		opts.link_info_len = sizeof(li);
	}
	r->skel->bss->iter_tgid = pid;
	link = bpf_program__attach_iter(r->skel->progs.handle_vma, &opts);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
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
out:
	bpf_link__destroy(link);
	return rc;
}

int vmas_read(struct vma_reader *r, int pid, struct vma_list *out)
{
	int rc = read_iter(r, pid, out, true);

	if (rc == -EINVAL || rc == -E2BIG)	/* iterator without task parameters */
		rc = read_iter(r, pid, out, false);
	if (!rc && !out->n && kill(pid, 0) && errno == ESRCH)
		rc = -ESRCH;
	return rc;
}

void vma_list_free(struct vma_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
