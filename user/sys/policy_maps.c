// SPDX-License-Identifier: GPL-2.0
/*
 * policy_maps.c — the daemon's weights map of each policy,
 * policies/NAME/weights: made with the `weights` map's BTF (bpftool prints the
 * same field names), pinned, pinned again when unpinned by hand, unpinned
 * with its policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "collector.skel.h"
#include "loader.h"
#include "log.h"

/* Pin fd at name (policies/POLICY/weights), its directories made as needed: 0 or -errno. */
static int policy_pin(struct loader *l, const char *policy, const char *name, int fd)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/policies", l->dir.at);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/policies/%s", l->dir.at, policy);
	mkdir(path, 0700);
	pin_path(&l->dir, name, path, sizeof(path));
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

int loader_policy_map(struct loader *l, const char *policy, bool *created)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo);
	char name[NW_POLICY_NAME_MAX + 32], err[PATH_MAX + 256];
	struct bpf_map *w = l->skel->maps.weights;
	int fd, rc;

	*created = false;
	policy_weights_name(policy, name, sizeof(name));
	fd = pin_open_map(&l->dir, name, BPF_MAP_TYPE_ARRAY, 4, 4, NW_MAX_NODES, err, sizeof(err));
	if (fd >= 0 || fd != -ENOENT) {
		if (fd < 0)
			nw_err("%s; remove it (rm %s/%s) to start the policy afresh", err,
			       l->dir.name, name);
		return fd;
	}
	/* the same BTF as `weights`, so bpftool prints the same field names */
	mo.btf_fd = bpf_object__btf_fd(l->skel->obj);
	mo.btf_key_type_id = bpf_map__btf_key_type_id(w);
	mo.btf_value_type_id = bpf_map__btf_value_type_id(w);
	mo.map_flags = BPF_F_MMAPABLE;	/* polled through its mapping, as `weights` */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nw_policy", 4, 4, NW_MAX_NODES, &mo);
	if (fd < 0) {
		rc = -errno;
		nw_err("policy %s: cannot create its weights map: %s", policy, strerror(errno));
		return rc;
	}
	if ((rc = policy_pin(l, policy, name, fd))) {
		nw_err("policy %s: cannot pin %s/%s: %s", policy, l->dir.name, name,
		       strerror(-rc));
		close(fd);
		return rc;
	}
	*created = true;
	return fd;
}

int loader_policy_repin(struct loader *l, const char *policy, int fd)
{
	char name[NW_POLICY_NAME_MAX + 32];
	int rc;

	policy_weights_name(policy, name, sizeof(name));
	if (!faccessat(l->dir.fd, name, F_OK, AT_SYMLINK_NOFOLLOW) || errno != ENOENT)
		return 0;
	if ((rc = policy_pin(l, policy, name, fd))) {
		nw_err("policy %s: its pinned weights were removed and cannot be pinned again: %s",
		       policy, strerror(-rc));
		return rc;
	}
	nw_warn("policy %s: its pinned weights were removed while it ran: pinned again at %s/%s",
		policy, l->dir.name, name);
	return 0;
}

void loader_policy_unpin(struct loader *l, const char *policy)
{
	char name[NW_POLICY_NAME_MAX + 32];

	policy_weights_name(policy, name, sizeof(name));
	unlinkat(l->dir.fd, name, 0);
	snprintf(name, sizeof(name), "policies/%s", policy);
	unlinkat(l->dir.fd, name, AT_REMOVEDIR);
	unlinkat(l->dir.fd, "policies", AT_REMOVEDIR);	/* when it was the last */
}
