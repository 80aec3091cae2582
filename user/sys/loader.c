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
#include <time.h>
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

/* libbpf's first warning in each try of a variant: the cause, if every try fails */
#define NW_TRIES 6
static char lib_why[NW_TRIES][200];
static int lib_try = -1;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Refused variants are expected (we fall back and say which one loaded):
	   libbpf speaks only at -vv, as the man page says. */
	if (level == LIBBPF_WARN && lib_try >= 0 && lib_try < NW_TRIES && !lib_why[lib_try][0]) {
		char *nl;
		va_list c;

		va_copy(c, ap);
		vsnprintf(lib_why[lib_try], sizeof(lib_why[0]), fmt, c);
		va_end(c);
		if ((nl = strchr(lib_why[lib_try], '\n')))
			*nl = 0;
	}
	if (nw_verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * Classic tracepoints (sched_process_exit in every variant) are found by
 * their id in tracefs: mounted like bpffs when missing (issue 28: "cannot
 * load BPF programs: No such file or directory" and nothing more). 0, or
 * -errno with why.
 */
static int tracefs_ready(char *why, size_t n)
{
	struct statfs sf;

	if (!statfs("/sys/kernel/tracing", &sf) && sf.f_type == TRACEFS_MAGIC)
		return 0;
	if (!access("/sys/kernel/debug/tracing/events", F_OK))
		return 0;	/* libbpf looks there first when debugfs is mounted */
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		int e = errno;

		snprintf(why, n, "tracefs is not mounted and mounting it on /sys/kernel/tracing "
			 "failed: %s", strerror(e));
		return -e;
	}
	nw_info("mounted tracefs on /sys/kernel/tracing (tracepoint ids are read there; left "
		"mounted)");
	return 0;
}

static void unpin_stale(struct loader *l, const char *name)
{
	if (!unlinkat(l->dir.fd, name, 0))
		nw_info("replaced %s/%s left by an earlier run", l->dir.name, name);
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
enum {
	KB_FAULT_TP = 1, KB_FORK_TP = 2, KB_NUMA_FAULT = 4, KB_DAMON_TP = 8, KB_PROT_NUMA = 16,
	KB_CGROUP_TP = 32, KB_DAMON_TUNE = 64,
};
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
	if (strs_have(strs, h.str_len, "change_prot_numa"))
		kernel_btf_has |= KB_PROT_NUMA;
	if (strs_have(strs, h.str_len, "btf_trace_damon_aggregated"))
		kernel_btf_has |= KB_DAMON_TP;
	if (strs_have(strs, h.str_len, "btf_trace_damon_monitor_intervals_tune"))
		kernel_btf_has |= KB_DAMON_TUNE;
	if (strs_have(strs, h.str_len, "btf_trace_cgroup_attach_task"))
		kernel_btf_has |= KB_CGROUP_TP;
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

static int try_variant(struct loader *l, const struct loader_opts *o, enum variant v,
		       int pinned_w)
{
	uint64_t t0 = nw_now_ns();
	struct collector_bpf *s;
	int rc;

	s = collector_bpf__open();
	if (!s)
		return -errno;
	l->skel = s;
	l->fentry = v == V_FENTRY;
	l->fault_btf = v != V_CLASSIC;
	l->fork_btf = kernel_has(KB_FORK_TP) && v != V_CLASSIC;
	bpf_program__set_autoload(s->progs.handle_numa_fault, l->fentry);
	l->arms = l->fentry && kernel_has(KB_PROT_NUMA);
	bpf_program__set_autoload(s->progs.handle_arm, l->arms);
	bpf_program__set_autoload(s->progs.handle_fault, l->fault_btf);
	bpf_program__set_autoload(s->progs.handle_fault_tp, !l->fault_btf);
	bpf_program__set_autoload(s->progs.handle_fork, l->fork_btf);
	bpf_program__set_autoload(s->progs.handle_fork_tp, !l->fork_btf);
	bpf_program__set_autoload(s->progs.handle_damon, l->damon_prog);
	l->damon_tune = l->damon_prog && kernel_has(KB_DAMON_TUNE);
	bpf_program__set_autoload(s->progs.handle_damon_tune, l->damon_tune);
	/* without it, cgroups are found by reading them every quarter interval */
	l->joins = kernel_has(KB_CGROUP_TP) && v != V_CLASSIC;
	bpf_program__set_autoload(s->progs.handle_join, l->joins);
	bpf_program__set_autoattach(s->progs.handle_vma, false);	/* attached per read */
	s->rodata->wakeup_bytes = o->ringbuf_bytes / 4;
	if (o->fold_ns) {
		struct timespec tick;

		/* the coarse clock ticks once a jiffy: its resolution is 1/HZ */
		if (clock_getres(CLOCK_MONOTONIC_COARSE, &tick) || tick.tv_sec || !tick.tv_nsec)
			tick.tv_nsec = 10000000;
		s->rodata->hz = 1000000000ull / tick.tv_nsec;
		s->rodata->fold_jiffies = (o->fold_ns + tick.tv_nsec - 1) / tick.tv_nsec;
	}
	s->rodata->hint_fentry = l->fentry;
	l->max_targets = o->max_targets ? o->max_targets : NW_MAX_TARGETS;
	if ((rc = bpf_map__set_max_entries(s->maps.events, o->ringbuf_bytes)) ||
	    (rc = bpf_map__set_max_entries(s->maps.targets, l->max_targets)))
		return rc;

	/* weights: the pinned map reused (libbpf dups the fd); a dry run copies it instead */
	if (pinned_w >= 0 && !o->dry_run) {
		/*
		 * reuse_fd takes the pinned map's own flags: one pinned by an older
		 * build is not mmapable, and is polled by system call (engine.c)
		 */
		if ((rc = bpf_map__reuse_fd(s->maps.weights, pinned_w)))
			return rc;
		l->weights_reused = true;
	}
	if (!o->dry_run) {
		unpin_stale(l, "stats");
		unpin_stale(l, "targets");
		unpin_stale(l, "regions");
	}

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

	pin_path(&l->dir, name, path, sizeof(path));
	rc = bpf_map__pin(m, path);
	if (rc)
		nw_err("cannot pin %s/%s: %s", l->dir.name, name, strerror(-rc));
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

/* Who holds the pin dir (its stats name the pid), said so the operator knows what to do. */
static void holder_said(const struct pin_dir *d)
{
	char err[PATH_MAX + 256], path[64], cmd[256] = "";
	struct nw_stats st = {};
	bool daemon = false;
	FILE *f;

	if (pin_read_stats(d, &st, err, sizeof(err)))
		st.ctl.pid = 0;	/* who it is cannot be told */
	snprintf(path, sizeof(path), "/proc/%llu/cmdline", (unsigned long long)st.ctl.pid);
	if (st.ctl.pid && (f = fopen(path, "re"))) {
		size_t n = fread(cmd, 1, sizeof(cmd) - 1, f);

		cmd[n] = 0;
		/* argv[1] after the first NUL */
		daemon = strlen(cmd) + 1 < n && !strcmp(cmd + strlen(cmd) + 1, "daemon");
		fclose(f);
	}
	if (daemon)
		nw_err("pin dir %s is held by numaweave daemon (pid %llu): add a policy file to "
		       "its config dir and reload it (SIGHUP), or use another --pin-dir", d->name,
		       (unsigned long long)st.ctl.pid);
	else if (st.ctl.pid)
		nw_err("pin dir %s is held by another numaweave controller (pid %llu): stop it, "
		       "or use another --pin-dir", d->name, (unsigned long long)st.ctl.pid);
	else
		nw_err("cannot lock pin dir %s: another numaweave controller is using it",
		       d->name);
}

/*
 * The pinned `weights` map, opened once for every variant tried: fd, or
 * -ENOENT when there is none (or no pin dir), or -EEXIST, said, when what is
 * pinned there is not ours.
 */
static int pinned_weights(struct loader *l)
{
	char err[PATH_MAX + 256];
	int fd;

	if (l->dir.fd < 0)
		return -ENOENT;
	fd = pin_open_map(&l->dir, "weights", BPF_MAP_TYPE_ARRAY, 4, 4, NW_MAX_NODES, err,
			  sizeof(err));
	if (fd == -EBADF || fd == -EPERM) {
		nw_err("%s; remove it (rm %s/weights) to start with fresh weights", err,
		       l->dir.name);
		return -EEXIST;
	}
	return fd;
}

/*
 * A dry run plans with the pinned weights when no others are given, but
 * never writes them (issue 28: `run --weights all:7 --once --dry-run` left
 * 0:7 pinned): their values are copied into the run's own map.
 */
static void dry_copy_weights(struct loader *l, int pinned_w)
{
	for (__u32 k = 0; k < NW_MAX_NODES; k++) {
		__u32 v;

		if (bpf_map_lookup_elem(pinned_w, &k, &v) ||
		    bpf_map_update_elem(l->weights_fd, &k, &v, 0))
			break;
	}
}

/*
 * Each variant, best first, with the DAMON tracepoint and then without it,
 * until one loads: 0, or -errno with each cause said (issue 28: a bare
 * errno, the cause at -vv only).
 */
static int load_variants(struct loader *l, const struct loader_opts *o, const char *tfs_why,
			 int pinned_w)
{
	enum variant v = o->classic_tp ? V_CLASSIC : o->no_fentry ? V_BTF : V_FENTRY;
	enum variant tried[NW_TRIES];
	int errs[NW_TRIES] = {}, tries = 0, rc = -ENOENT;

	if (v == V_FENTRY && !kernel_has(KB_NUMA_FAULT))
		v = V_BTF;
	if (v == V_BTF && !kernel_has(KB_FAULT_TP))
		v = V_CLASSIC;
	l->damon_prog = kernel_has(KB_DAMON_TP) && !o->no_damon;
	memset(lib_why, 0, sizeof(lib_why));
	for (enum variant first = v; v < V_END; v++) {
		int at = tries < NW_TRIES ? tries++ : -1;

		if (at >= 0)
			tried[at] = v;
		lib_try = at;
		rc = try_variant(l, o, v, pinned_w);
		lib_try = -1;
		if (at >= 0)
			errs[at] = rc;
		if (!rc) {
			nw_info("programs: %s%s%s%s", variant_name[v],
				l->arms ? " + fexit change_prot_numa" : "",
				l->damon_prog ? " + DAMON tracepoint" : "",
				l->joins ? " + tp_btf cgroup_attach_task" : "");
			return 0;
		}
		collector_bpf__destroy(l->skel);
		l->skel = NULL;
		l->weights_reused = false;
		if (rc == -EEXIST)
			return rc;
		nw_info("variant '%s'%s refused: %s", variant_name[v],
			l->damon_prog ? " + DAMON tracepoint" : "", strerror(-rc));
		if (v + 1 == V_END && l->damon_prog) {
			l->damon_prog = false;
			v = first - 1;
		}
	}
	/* each cause at the default verbosity, the last round's */
	nw_err("cannot load BPF programs: %s%s%s%s", strerror(-rc), tfs_why[0] ? " (" : "",
	       tfs_why, tfs_why[0] ? ")" : "");
	for (int i = tries > V_END ? tries - V_END : 0; i < tries; i++)
		nw_err("  %s: %s%s%s", variant_name[tried[i]], strerror(-errs[i]),
		       lib_why[i][0] ? "; " : "", lib_why[i]);
	return rc;
}

/* The pin dir, opened and locked (a dry run takes no lock and may have none). */
static int pin_dir_take(struct loader *l, const struct loader_opts *o)
{
	/* a dry run makes no pin dir: without one it plans with --weights alone */
	int rc = pin_dir_open(&l->dir, o->pin_dir, !o->dry_run);

	if (rc && !(o->dry_run && rc == -ENOENT))
		return rc;
	if (!o->dry_run && flock(l->dir.fd, LOCK_EX | LOCK_NB)) {
		rc = -errno;
		if (errno == EWOULDBLOCK)
			holder_said(&l->dir);
		else
			nw_err("cannot lock pin dir %s: %s", l->dir.name, strerror(errno));
		pin_dir_close(&l->dir);
		return rc;
	}
	return 0;
}

int loader_open(struct loader *l, const struct loader_opts *o)
{
	char tfs_why[160] = "";
	uint64_t t0;
	int rc, pw;

	memset(l, 0, sizeof(*l));
	libbpf_set_print(libbpf_print);
	l->dry_run = o->dry_run;
	if ((rc = pin_dir_take(l, o)))
		return rc;
	t0 = nw_now_ns();
	probe_kernel();
	l->ns_btf = nw_now_ns() - t0;
	if (tracefs_ready(tfs_why, sizeof(tfs_why)))
		nw_warn("%s: the programs on classic tracepoints will not load", tfs_why);
	if ((pw = pinned_weights(l)) == -EEXIST)
		return pw;
	rc = load_variants(l, o, tfs_why, pw);
	if (!rc) {
		l->weights_fd = bpf_map__fd(l->skel->maps.weights);
		if (o->dry_run && pw >= 0)
			dry_copy_weights(l, pw);
	}
	if (pw >= 0)
		close(pw);
	if (rc)
		return rc;
	if (!o->dry_run) {
		if (!l->weights_reused && (rc = pin(l, l->skel->maps.weights, "weights")))
			return rc;
		l->weights_pinned = !l->weights_reused;
		if ((rc = pin(l, l->skel->maps.stats, "stats")) ||
		    (rc = pin(l, l->skel->maps.targets, "targets")) ||
		    (rc = pin(l, l->skel->maps.regions, "regions")))
			return rc;
	}
	l->targets_fd = bpf_map__fd(l->skel->maps.targets);
	l->events_fd = bpf_map__fd(l->skel->maps.events);
	if (!(l->stats = map_mmap(l->skel->maps.stats, sizeof(*l->stats), "stats")) ||
	    !(l->seen = map_mmap(l->skel->maps.seen, sizeof(*l->seen), "the seen bitmap")) ||
	    !(l->regions = map_mmap(l->skel->maps.regions,
				    NW_REC_REGIONS * sizeof(*l->regions), "regions")))
		return -errno;
	l->stats->rec.cap = NW_REC_REGIONS;
	return 0;
}

void loader_set_damon_pid(struct loader *l, int pid)
{
	l->skel->bss->damon_kdamond_pid = pid;
	l->skel->bss->damon_sample_us = 0;
}

uint64_t loader_damon_sample_us(const struct loader *l)
{
	return l->damon_tune ? l->skel->bss->damon_sample_us : 0;
}

void loader_watch_cgroups(struct loader *l, bool on)
{
	if (l->joins)
		l->skel->bss->watch_cgroups = on;
}

void loader_clear_seen(struct loader *l)
{
	memset(l->seen, 0, sizeof(*l->seen));
}

void loader_close(struct loader *l, bool failed)
{
	if (l->stats) {
		l->stats->ctl.pid = 0;
		munmap(l->stats, page_round(sizeof(*l->stats)));
	}
	if (l->seen)
		munmap(l->seen, page_round(sizeof(*l->seen)));
	if (l->regions)
		munmap(l->regions, page_round(NW_REC_REGIONS * sizeof(*l->regions)));
	if (l->skel)
		collector_bpf__destroy(l->skel);
	if (l->dir.fd >= 0 && l->dry_run) {
		pin_dir_close(&l->dir);	/* nothing of ours is pinned there */
	} else if (l->dir.fd >= 0) {
		/* weights outlive the run; the run's own maps do not (through our fd: a
		   pin dir removed and made again meanwhile is another run's) */
		unlinkat(l->dir.fd, "stats", 0);
		unlinkat(l->dir.fd, "targets", 0);
		unlinkat(l->dir.fd, "regions", 0);
		if (failed && l->weights_pinned)
			unlinkat(l->dir.fd, "weights", 0);
		if (failed && l->dir.created && !rmdir(l->dir.name))
			nw_info("removed %s again (the run did not start)", l->dir.name);
		pin_dir_close(&l->dir);
	}
	memset(l, 0, sizeof(*l));
	l->dir.fd = -1;
}
