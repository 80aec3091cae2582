// SPDX-License-Identifier: GPL-2.0
/*
 * loader.c — BPF life cycle.
 *
 * Variants are chosen at load time, most capable first, and the object is
 * reopened with the next variant when the kernel refuses one:
 *   1. tp_btf page_fault_user + fentry task_numa_fault
 *   2. tp_btf page_fault_user (hints inferred from repeat faults)
 *   3. classic tracepoint page_fault_user
 * Maps are pinned under the pin dir (0700). `weights` outlives the run and is
 * reused when its layout matches; `stats` and `targets` belong to one run and
 * are replaced if a crashed run left them. The pin dir is flock-ed so that two
 * controllers never share it.
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
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "collector.skel.h"
#include "loader.h"
#include "log.h"

int caps_check(const char **missing)
{
	static const struct {
		int cap;
		const char *name;
	} need[] = {
		{ CAP_BPF, "CAP_BPF" }, { CAP_PERFMON, "CAP_PERFMON" },
		{ CAP_SYS_NICE, "CAP_SYS_NICE" }, { CAP_SYS_PTRACE, "CAP_SYS_PTRACE" },
	};
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return -errno;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int c = need[i].cap;
		bool have = d[c / 32].effective & (1u << (c % 32));
		bool admin = d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));

		/* CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON on every kernel. */
		if (!have && !(admin && (c == CAP_BPF || c == CAP_PERFMON))) {
			*missing = need[i].name;
			return -EPERM;
		}
	}
	return 0;
}

int pin_ensure_bpffs(const char *dir)
{
	struct statfs sf;

	if (!statfs("/sys/fs/bpf", &sf) && sf.f_type == BPF_FS_MAGIC)
		goto mkdir;
	if (strncmp(dir, "/sys/fs/bpf/", 12))
		goto mkdir;	/* a pin dir elsewhere must be on a bpffs the operator mounted */
	mkdir("/sys/fs/bpf", 0755);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		nw_err("cannot mount bpffs on /sys/fs/bpf: %s", strerror(errno));
		return -errno;
	}
	nw_info("mounted bpffs on /sys/fs/bpf (left mounted: the pinned weights live there)");
mkdir:
	if (mkdir(dir, 0700) && errno != EEXIST) {
		nw_err("cannot create pin dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (statfs(dir, &sf) || sf.f_type != BPF_FS_MAGIC) {
		nw_err("pin dir %s is not on a bpffs (mount -t bpf bpf DIR)", dir);
		return -ENOTSUP;
	}
	if (chmod(dir, 0700)) {
		nw_err("cannot chmod pin dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

static const char *map_type_name(uint32_t t)
{
	const char *s = libbpf_bpf_map_type_str(t);

	return s ? s : "unknown";
}

int pin_open_map(const char *dir, const char *name, uint32_t type, uint32_t key, uint32_t value,
		 uint32_t min_entries, char *err, int errlen)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open pinned map %s: %s", path, strerror(errno));
		return -errno;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(err, errlen, "cannot read pinned map %s: %s", path, strerror(errno));
		close(fd);
		return -EINVAL;
	}
	if (info.type != type || info.key_size != key || info.value_size != value ||
	    info.max_entries < min_entries || !info.btf_id) {
		snprintf(err, errlen,
			 "pinned map %s has another layout (%s, key %u, value %u, %u entries%s; "
			 "expected %s, key %u, value %u, >= %u entries with BTF)",
			 path, map_type_name(info.type), info.key_size, info.value_size,
			 info.max_entries, info.btf_id ? "" : ", no BTF", map_type_name(type), key,
			 value, min_entries);
		close(fd);
		return -EBADF;
	}
	return fd;
}

int pin_open_weights(const char *dir)
{
	char err[512];
	int fd = pin_open_map(dir, "weights", BPF_MAP_TYPE_ARRAY, 4, 4, NW_MAX_NODES, err,
			      sizeof(err));

	if (fd == -ENOENT)
		nw_err("no weights pinned in %s: start `numaweave run` with --weights first", dir);
	else if (fd == -EPERM || fd == -EACCES)
		nw_err("cannot open %s/weights: %s (root only: the pin dir is mode 0700)", dir,
		       strerror(-fd));
	else if (fd < 0)
		nw_err("%s", err);
	return fd;
}

bool pin_dir_busy(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool busy;

	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return busy;
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

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Refused variants are expected (we fall back): libbpf speaks only with -v. */
	if (level == LIBBPF_DEBUG && nw_verbose < 2)
		return 0;
	if (nw_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void unpin_stale(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!unlink(path))
		nw_info("replaced %s left by an earlier run", path);
}

/*
 * What the kernel's BTF offers, read once. libbpf parses the whole of
 * /sys/kernel/btf/vmlinux (several MiB) for each object it loads, which is
 * the largest piece of start-up under emulation; here only the string
 * section is searched for the names the variants need: a typedef
 * btf_trace_<tracepoint> or a function name appears there iff the type does
 * (a false hit only costs a refused variant). The section is mmap-ed where
 * the kernel allows it (6.16 and later), else read.
 */
enum { KB_FAULT_TP = 1, KB_FORK_TP = 2, KB_NUMA_FAULT = 4 };
static int kernel_btf_has;

static bool strs_have(const char *strs, size_t len, const char *name)
{
	char key[128];
	int n = snprintf(key, sizeof(key), "%c%s", 0, name);

	return memmem(strs, len, key, n + 1);	/* with the terminating NUL */
}

static void probe_kernel(void)
{
	struct btf_header h;
	struct stat st;
	char *map = MAP_FAILED, *strs = NULL;
	size_t off;
	int fd;

	kernel_btf_has = 0;
	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || h.magic != BTF_MAGIC ||
	    h.hdr_len < sizeof(h) || fstat(fd, &st))
		goto out;
	off = (size_t)h.hdr_len + h.str_off;
	if (off + h.str_len > (size_t)st.st_size)
		goto out;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		strs = map + off;
	} else {
		/* kernfs hands out at most a page per read on older kernels */
		size_t got = 0;
		ssize_t n = 0;

		strs = malloc(h.str_len);
		while (strs && got < h.str_len &&
		       (n = pread(fd, strs + got, h.str_len - got, off + got)) > 0)
			got += n;
		if (!strs || got < h.str_len)
			goto out;
	}
	if (strs_have(strs, h.str_len, "btf_trace_page_fault_user"))
		kernel_btf_has |= KB_FAULT_TP;
	if (strs_have(strs, h.str_len, "btf_trace_sched_process_fork"))
		kernel_btf_has |= KB_FORK_TP;
	if (strs_have(strs, h.str_len, "task_numa_fault"))
		kernel_btf_has |= KB_NUMA_FAULT;
out:
	if (map != MAP_FAILED)
		munmap(map, st.st_size);
	else
		free(strs);
	close(fd);
}

static bool kernel_has(int what)
{
	return kernel_btf_has & what;
}

enum variant { V_FENTRY, V_BTF, V_CLASSIC, V_END };

static const char *variant_name[] = {
	"tp_btf page_fault_user + fentry task_numa_fault",
	"tp_btf page_fault_user, hints from repeat faults",
	"classic tracepoint page_fault_user, hints from repeat faults",
};

static int try_variant(struct loader *l, const struct loader_opts *o, enum variant v)
{
	uint64_t t0 = nw_now_ns();
	struct collector_bpf *s;
	char err[512];
	int fd, rc;

	s = collector_bpf__open();
	if (!s)
		return -errno;
	l->skel = s;
	l->fentry = v == V_FENTRY;
	l->fault_btf = v != V_CLASSIC;
	l->fork_btf = kernel_has(KB_FORK_TP) && v != V_CLASSIC;
	bpf_program__set_autoload(s->progs.handle_numa_fault, l->fentry);
	bpf_program__set_autoload(s->progs.handle_fault, l->fault_btf);
	bpf_program__set_autoload(s->progs.handle_fault_tp, !l->fault_btf);
	bpf_program__set_autoload(s->progs.handle_fork, l->fork_btf);
	bpf_program__set_autoload(s->progs.handle_fork_tp, !l->fork_btf);
	bpf_program__set_autoattach(s->progs.handle_vma, false);	/* attached per read */
	s->rodata->wakeup_bytes = o->ringbuf_bytes / 4;
	if ((rc = bpf_map__set_max_entries(s->maps.events, o->ringbuf_bytes)))
		return rc;

	/* weights: reuse the pinned map when its layout matches. */
	fd = pin_open_map(l->pin_dir, "weights", BPF_MAP_TYPE_ARRAY, 4, 4, NW_MAX_NODES, err,
			  sizeof(err));
	if (fd >= 0) {
		rc = bpf_map__reuse_fd(s->maps.weights, fd);
		close(fd);
		if (rc)
			return rc;
		l->weights_reused = true;
	} else if (fd == -EBADF) {
		nw_err("%s; remove it (rm %s/weights) to start with fresh weights", err,
		       l->pin_dir);
		return -EEXIST;
	}
	unpin_stale(l->pin_dir, "stats");
	unpin_stale(l->pin_dir, "targets");

	rc = collector_bpf__load(s);
	l->ns_load += nw_now_ns() - t0;
	if (rc)
		return rc;
	t0 = nw_now_ns();
	rc = collector_bpf__attach(s);
	l->ns_attach += nw_now_ns() - t0;
	return rc;
}

static int pin(struct loader *l, struct bpf_map *m, const char *name)
{
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", l->pin_dir, name);
	rc = bpf_map__pin(m, path);
	if (rc)
		nw_err("cannot pin %s: %s", path, strerror(-rc));
	return rc;
}

static size_t page_round(size_t size)
{
	return (size + 4095) & ~4095ul;
}

/* mmap an mmapable map's one value; NULL (errno set) with a message on failure. */
static void *map_mmap(struct bpf_map *m, size_t size, const char *what)
{
	void *p = mmap(NULL, page_round(size), PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(m), 0);

	int err = errno;

	if (p != MAP_FAILED)
		return p;
	nw_err("cannot map %s: %s", what, strerror(err));
	errno = err;
	return NULL;
}

int loader_open(struct loader *l, const struct loader_opts *o)
{
	enum variant v = o->classic_tp ? V_CLASSIC : o->no_fentry ? V_BTF : V_FENTRY;
	uint64_t t0;
	int rc;

	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
	snprintf(l->pin_dir, sizeof(l->pin_dir), "%s", o->pin_dir ? o->pin_dir : NW_PIN_DIR);
	libbpf_set_print(libbpf_print);
	if ((rc = pin_ensure_bpffs(l->pin_dir)))
		return rc;
	l->lock_fd = open(l->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->lock_fd < 0 || flock(l->lock_fd, LOCK_EX | LOCK_NB)) {
		rc = -errno;
		nw_err("cannot lock pin dir %s: %s", l->pin_dir,
		       errno == EWOULDBLOCK ? "another numaweave run is using it" : strerror(errno));
		return rc;
	}
	t0 = nw_now_ns();
	probe_kernel();
	l->ns_btf = nw_now_ns() - t0;
	if (v == V_FENTRY && !kernel_has(KB_NUMA_FAULT))
		v = V_BTF;
	if (v == V_BTF && !kernel_has(KB_FAULT_TP))
		v = V_CLASSIC;
	for (; v < V_END; v++) {
		rc = try_variant(l, o, v);
		if (!rc)
			break;
		collector_bpf__destroy(l->skel);
		l->skel = NULL;
		l->weights_reused = false;
		if (rc == -EEXIST)
			return rc;
		nw_info("variant '%s' refused: %s", variant_name[v], strerror(-rc));
	}
	if (v == V_END) {
		nw_err("cannot load BPF programs: %s", strerror(-rc));
		return rc;
	}
	nw_info("programs: %s", variant_name[v]);
	if (!l->weights_reused && (rc = pin(l, l->skel->maps.weights, "weights")))
		return rc;
	if ((rc = pin(l, l->skel->maps.stats, "stats")) ||
	    (rc = pin(l, l->skel->maps.targets, "targets")))
		return rc;
	l->weights_fd = bpf_map__fd(l->skel->maps.weights);
	l->targets_fd = bpf_map__fd(l->skel->maps.targets);
	l->events_fd = bpf_map__fd(l->skel->maps.events);
	if (!(l->stats = map_mmap(l->skel->maps.stats, sizeof(*l->stats), "stats")) ||
	    !(l->seen = map_mmap(l->skel->maps.seen, sizeof(*l->seen), "the seen bitmap")))
		return -errno;
	return 0;
}

void loader_clear_seen(struct loader *l)
{
	memset(l->seen, 0, sizeof(*l->seen));
}

void loader_close(struct loader *l)
{
	char path[PATH_MAX];

	if (l->stats) {
		l->stats->ctl.pid = 0;
		munmap(l->stats, page_round(sizeof(*l->stats)));
	}
	if (l->seen)
		munmap(l->seen, page_round(sizeof(*l->seen)));
	if (l->skel) {
		/* weights outlive the run; the run's own maps do not. */
		snprintf(path, sizeof(path), "%s/stats", l->pin_dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/targets", l->pin_dir);
		unlink(path);
		collector_bpf__destroy(l->skel);
	}
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
}
