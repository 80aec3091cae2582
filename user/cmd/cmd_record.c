// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_record.c — `numaweave record`: attach to the controller of a pin dir and
 * write, every interval, its targets' regions (heat class, source, DAMON's
 * word, pages by node), the weights in force and the move counters, to a file
 * in numaweave's format (recfmt.h, docs/record.md) or damo's (rec_damo.h).
 * The controller publishes its regions only while a recorder asks (the
 * want_ns it reads each pass), so nobody recording costs nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cmd.h"
#include "log.h"
#include "parse.h"
#include "pins.h"
#include "rec_damo.h"
#include "status.h"
#include "recfmt.h"
#include "version.h"

struct rec_opts {
	const char *dir, *output;
	char **cmd;		/* record -- run|daemon ARGS: the controller it starts, or NULL */
	bool damo;
	uint64_t interval_us, duration_us, max_bytes;
};

struct rec {
	struct rec_opts o;
	struct nw_stats *st;			/* the stats map, mapped read-write (want_ns) */
	const struct nw_rec_region *map;	/* the regions map, read-only */
	struct nw_rec_region *cur, *prev;	/* this frame's and the last written, sorted */
	size_t ncur, nprev;
	int nodes;				/* nodes written per region (and weights) */
	uint32_t w[NW_MAX_NODES];
	bool w_said;
	uint32_t (*pw)[NW_MAX_NODES];		/* each daemon policy's last written (heap) */
	FILE *f;
	struct rec_damo damo;
	uint64_t ask_ns;			/* when it first asked: publications since count */
	uint64_t t0_ns, frames;
};

static volatile sig_atomic_t rec_stop;

static void on_stop(int sig)
{
	rec_stop = sig;
}

static int rec_parse(int argc, char **argv, struct rec_opts *o)
{
	char err[NW_ERRLEN];
	int c, rc;

	*o = (struct rec_opts){ .dir = NW_PIN_DIR, .interval_us = 1000000, .max_bytes = 1ull << 30 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:f:i:vhV", nw_record_opts, NULL)) != -1) {
		if (c == 'o')
			o->output = optarg;
		else if (c == O_PINDIR)
			o->dir = optarg;
		else if (c == 'f' && (!strcmp(optarg, "damo") || !strcmp(optarg, "numaweave")))
			o->damo = !strcmp(optarg, "damo");
		else if (c == 'f')
			return cmd_bad("record", "--format %s: numaweave or damo", optarg);
		else if (c == 'i' || c == 'D') {
			uint64_t *to = c == 'i' ? &o->interval_us : &o->duration_us;

			if (parse_duration(optarg, to, err))
				return cmd_bad("record", "--%s: %s", c == 'i' ? "interval" : "duration", err);
			if (c == 'i' && (*to < 10000 || *to > 3600000000ull))
				return cmd_bad("record", "--interval %s: 10ms to 1h", optarg);
		} else if (c == 'S') {
			if (parse_size(optarg, &o->max_bytes, err))
				return cmd_bad("record", "--max-size: %s", err);
			if (o->max_bytes < 4096)
				return cmd_bad("record", "--max-size %s: at least 4K", optarg);
		} else if ((rc = cmd_common_opt("record", c)) >= 0)
			return rc;
	}
	if (optind < argc && strcmp(argv[optind - 1], "--"))
		return cmd_bad("record", "unexpected argument '%s'", argv[optind]);
	if (!o->output)
		return cmd_bad("record", "--output FILE is required");
	if (optind < argc) {
		if (strcmp(argv[optind], "run") && strcmp(argv[optind], "daemon"))
			return cmd_bad("record", "-- %s: record starts `run` or `daemon` only",
				       argv[optind]);
		for (int i = optind + 1; i < argc && strcmp(argv[i], "--"); i++)
			if (!strncmp(argv[i], "--pin-dir", 9))
				return cmd_bad("record", "give --pin-dir to record, before --: the "
					       "controller it starts gets the same");
		o->cmd = argv + optind;
	}
	return -1;
}

/* The stats map read-write (to ask for regions) and the regions map read-only. */
static int rec_attach(struct rec *r, struct pin_dir *pd)
{
	char err[PATH_MAX + 256];
	int sfd, rfd, rc = 0;

	sfd = pin_open_map(pd, "stats", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct nw_stats), 1, err,
			   sizeof(err));
	rfd = sfd < 0 ? -1 : pin_open_map(pd, "regions", BPF_MAP_TYPE_ARRAY, 4,
					 sizeof(struct nw_rec_region), NW_REC_REGIONS, err,
					 sizeof(err));
	if (sfd == -ENOENT || rfd == -ENOENT || !pin_dir_busy(pd)) {
		nw_err("record: no controller running in %s (start `numaweave run` or the daemon)",
		       pd->name);
		rc = -ENOENT;
	} else if (sfd < 0 || rfd < 0) {
		nw_err("record: %s", err);
		rc = -EBADF;
	}
	if (!rc) {
		r->st = mmap(NULL, sizeof(*r->st), PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
		r->map = mmap(NULL, NW_REC_REGIONS * sizeof(*r->map), PROT_READ, MAP_SHARED, rfd, 0);
		if (r->st == MAP_FAILED || r->map == MAP_FAILED) {
			rc = -errno;
			nw_err("record: cannot map %s's maps: %s", pd->name, strerror(errno));
		}
	}
	if (sfd >= 0)
		close(sfd);
	if (rfd >= 0)
		close(rfd);
	return rc;
}

static int reg_cmp(const void *a, const void *b)
{
	const struct nw_rec_region *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * The regions of the controller's last publication, copied whole (the seqcount
 * unchanged around the copy) and sorted. false when none could be had.
 */
static bool rec_snapshot(struct rec *r)
{
	const struct nw_rec_ctl *c = &r->st->rec;

	for (int tries = 0; tries < 100; tries++) {
		uint64_t s1 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE), s2;
		uint32_t n = __atomic_load_n(&c->n, __ATOMIC_RELAXED);

		if ((s1 & 1) || !s1) {
			usleep(1000);
			continue;
		}
		if (n > NW_REC_REGIONS)
			n = NW_REC_REGIONS;
		memcpy(r->cur, r->map, n * sizeof(*r->cur));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		s2 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		if (s1 == s2) {
			r->ncur = n;
			qsort(r->cur, n, sizeof(*r->cur), reg_cmp);
			return true;
		}
	}
	return false;
}

static void list_out(FILE *f, const __u64 *v, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)v[i]);
}

static void region_out(struct rec *r, const struct nw_rec_region *x)
{
	int named = r->nodes < NW_REC_NODES ? r->nodes : NW_REC_NODES;
	unsigned int sum = 0;

	fprintf(r->f, "R %u %llx %u %u %u %u %u %u %u ", x->pid, (unsigned long long)x->addr,
		x->cls, x->src, x->nr_accesses, x->heat_x100, x->age_ms, x->damon_age, x->pages);
	for (int i = 0; i < named; i++) {
		/* the moves since its scan are applied per node: never more than it has */
		unsigned int on = x->on[i] < x->pages - sum ? x->on[i] : x->pages - sum;

		fprintf(r->f, "%s%u", i ? "," : "", on);
		sum += on;
	}
	if (r->nodes > NW_REC_NODES)	/* the rest, on nodes not named */
		fprintf(r->f, ",%u", x->pages > sum ? x->pages - sum : 0);
	fputc('\n', r->f);
}

/* Written again only when what the pictures show changed. */
static bool region_changed(const struct nw_rec_region *a, const struct nw_rec_region *b)
{
	uint32_t dh = a->heat_x100 > b->heat_x100 ? a->heat_x100 - b->heat_x100 :
						    b->heat_x100 - a->heat_x100;
	int dn = (int)a->nr_accesses - (int)b->nr_accesses;
	/* DAMON's count wanders by a sample or so between aggregations */
	bool nr_moved = (a->nr_accesses == NW_REC_NO_NR) != (b->nr_accesses == NW_REC_NO_NR) ||
			dn >= REC_NR_STEP || dn <= -REC_NR_STEP;

	return a->cls != b->cls || a->src != b->src || nr_moved ||
	       a->node != b->node || a->pages != b->pages || dh >= REC_HEAT_STEP ||
	       memcmp(a->on, b->on, sizeof(a->on));
}

/* The frame's regions against the last written: new and changed ones, and the gone. */
static void regions_delta(struct rec *r)
{
	size_t i = 0, j = 0;

	while (i < r->ncur || j < r->nprev) {
		int c = i >= r->ncur ? 1 : j >= r->nprev ? -1 : reg_cmp(&r->cur[i], &r->prev[j]);

		if (c < 0) {
			region_out(r, &r->cur[i++]);
		} else if (c > 0) {
			fprintf(r->f, "X %u %llx\n", r->prev[j].pid,
				(unsigned long long)r->prev[j].addr);
			j++;
		} else {
			if (region_changed(&r->cur[i], &r->prev[j]))
				region_out(r, &r->cur[i]);
			else
				r->cur[i] = r->prev[j];	/* the last written stands */
			i++, j++;
		}
	}
	memcpy(r->prev, r->cur, r->ncur * sizeof(*r->cur));
	r->nprev = r->ncur;
}

/* A daemon's policies: each one's weights, in the first frame and when they change. */
static void policies_out(struct rec *r)
{
	const struct nw_ctl_stats *c = &r->st->ctl;
	__u64 w64[NW_MAX_NODES];
	char name[sizeof(c->pols[0].name) + 1];

	for (uint32_t k = 0; k < c->npols && k < NW_POL_STATS; k++) {
		const struct nw_pol_stats *ps = &c->pols[k];

		MAP_STR(name, ps->name);
		if (!name[0] || strpbrk(name, " \n") ||
		    (r->w_said && !memcmp(r->pw[k], ps->weights, sizeof(r->pw[k]))))
			continue;
		memcpy(r->pw[k], ps->weights, sizeof(r->pw[k]));
		for (int i = 0; i < r->nodes; i++)
			w64[i] = ps->weights[i];
		fprintf(r->f, "P %s ", name);
		list_out(r->f, w64, r->nodes);
		fputc('\n', r->f);
	}
}

static int frame_out(struct rec *r, uint64_t now)
{
	const struct nw_ctl_stats *c = &r->st->ctl;
	__u64 w64[NW_MAX_NODES];

	if (r->o.damo)
		return rec_damo_frame(&r->damo, r->cur, r->ncur, nw_realtime_ns(),
				      r->o.interval_us * 1000);
	fprintf(r->f, "F %llu %llu %zu %llu\n", (unsigned long long)((now - r->t0_ns) / 1000000),
		(unsigned long long)r->st->rec.pass, r->ncur,
		(unsigned long long)r->st->rec.dropped);
	if (!r->w_said || memcmp(r->w, c->weights, sizeof(r->w))) {
		memcpy(r->w, c->weights, sizeof(r->w));
		for (int i = 0; i < r->nodes; i++)
			w64[i] = r->w[i];
		fputs("W ", r->f);
		list_out(r->f, w64, r->nodes);
		fputc('\n', r->f);
	}
	policies_out(r);
	r->w_said = true;
	fputs("C ", r->f);
	list_out(r->f, c->moved_to, r->nodes);
	fputc(' ', r->f);
	list_out(r->f, c->failed, NW_FAIL_MAX);
	fputc('\n', r->f);
	regions_delta(r);
	return fflush(r->f) ? -errno : 0;
}

/* Nodes whose pages a region line names: up to the highest possible node. */
static int nodes_possible(void)
{
	FILE *f = fopen("/sys/devices/system/node/possible", "re");
	char buf[256] = "0";
	const char *p;
	int hi;

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			snprintf(buf, sizeof(buf), "0");
		fclose(f);
	}
	p = strrchr(buf, '-') ? strrchr(buf, '-') + 1 : strrchr(buf, ',') ? strrchr(buf, ',') + 1 : buf;
	hi = atoi(p);
	return hi < 0 ? 1 : hi + 1 > NW_MAX_NODES ? NW_MAX_NODES : hi + 1;
}

static int rec_open_output(struct rec *r)
{
	int fd = open(r->o.output, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || !(r->f = fdopen(fd, "w+"))) {
		int err = errno;

		nw_err("record: cannot write %s: %s", r->o.output, strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	if (r->o.damo)
		return rec_damo_open(&r->damo, r->f);
	fprintf(r->f, REC_MAGIC "\nH version=%s interval_ms=%llu nodes=%d region_bytes=%llu "
		"controller_pid=%llu start_unix_ms=%llu pin_dir=%s\n", NW_VERSION,
		(unsigned long long)(r->o.interval_us / 1000), r->nodes,
		(unsigned long long)REC_REGION_BYTES, (unsigned long long)r->st->ctl.pid,
		(unsigned long long)(nw_realtime_ns() / 1000000), r->o.dir);
	return fflush(r->f) ? -errno : 0;
}

/* Ask the controller for its regions for the next few intervals. */
static void rec_want(struct rec *r, uint64_t now)
{
	__atomic_store_n(&r->st->rec.want_ns, now + 3 * r->o.interval_us * 1000 + 2000000000ull,
			 __ATOMIC_RELEASE);
}

/* Sleep until t (CLOCK_MONOTONIC ns), or a signal. */
static void sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000), (long)(t % 1000000000) };

	while (!rec_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Why the recording ended, or NULL to go on. */
static const char *rec_why_stop(struct rec *r, struct pin_dir *pd, uint64_t now)
{
	long pos;

	if (rec_stop)
		return "stopped";
	if (!pin_dir_busy(pd) || !r->st->ctl.pid)
		return "controller-gone";
	if (r->o.duration_us && now - r->t0_ns >= r->o.duration_us * 1000)
		return "duration";
	pos = ftell(r->f);
	if (pos >= 0 && (uint64_t)pos >= r->o.max_bytes)
		return "size-cap";
	return NULL;
}

/*
 * Ask, and wait for the first publication of a pass that follows the ask (up
 * to the controller's next passes): the frames start there.
 */
static void rec_first(struct rec *r)
{
	uint64_t now = nw_now_ns(), until = now + 5000000000ull + 3 * r->o.interval_us * 1000;

	r->ask_ns = now;
	rec_want(r, now);
	while (!rec_stop && nw_now_ns() < until &&
	       !(r->st->rec.at_ns >= now && r->st->rec.pass > 0)) {
		usleep(10000);
		rec_want(r, nw_now_ns());
	}
	r->t0_ns = nw_now_ns();
}

static int rec_loop(struct rec *r, struct pin_dir *pd)
{
	uint64_t now, next = r->t0_ns;
	const char *why = NULL;
	int rc = 0;

	for (;;) {
		now = nw_now_ns();
		rec_want(r, now);
		if ((why = rec_why_stop(r, pd, now)))
			break;
		if (r->st->rec.at_ns >= r->ask_ns && rec_snapshot(r)) {
			if ((rc = frame_out(r, now))) {
				nw_err("record: writing %s: %s", r->o.output, strerror(-rc));
				why = "write-error";
				break;
			}
			r->frames++;	/* written, not just waited for */
		}
		next += r->o.interval_us * 1000;
		while (next <= nw_now_ns())	/* behind (a slow disk): frames skipped, not bunched */
			next += r->o.interval_us * 1000;
		sleep_until(next);
	}
	if (!r->o.damo) {
		fprintf(r->f, "E %s\n", why);
		fflush(r->f);
	}
	if (!strcmp(why, "size-cap"))
		nw_warn("record: stopped at the size cap (%llu bytes, --max-size) after %llu frames",
			(unsigned long long)r->o.max_bytes, (unsigned long long)r->frames);
	else if (!strcmp(why, "controller-gone"))
		nw_info("record: the controller stopped; %llu frames in %s",
			(unsigned long long)r->frames, r->o.output);
	else
		nw_info("record: %llu frames in %s (%s)", (unsigned long long)r->frames,
			r->o.output, why);
	return rc ? 1 : 0;
}

/*
 * record -- run|daemon ARGS: start that controller on record's pin dir and
 * wait until it holds it with its maps pinned (or has ended: its status).
 * The child's pid, or -1 with *status set.
 */
static pid_t controller_start(const struct rec_opts *o, int *status)
{
	size_t n = 0;
	char **argv;
	pid_t pid;

	while (o->cmd[n])
		n++;
	argv = calloc(n + 4, sizeof(*argv));
	if (!argv) {
		*status = 1;
		return -1;
	}
	argv[0] = "numaweave";
	argv[1] = o->cmd[0];
	argv[2] = "--pin-dir";
	argv[3] = (char *)o->dir;
	memcpy(argv + 4, o->cmd + 1, (n - 1) * sizeof(*argv));
	pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		nw_err("record: cannot start numaweave %s: %s", o->cmd[0], strerror(errno));
		_exit(1);
	}
	free(argv);
	if (pid < 0) {
		nw_err("record: fork: %s", strerror(errno));
		*status = 1;
		return -1;
	}
	for (int i = 0; i < 6000 && !rec_stop; i++) {	/* 60 s: a load under emulation */
		struct pin_dir pd;
		bool up = false;
		char path[PATH_MAX];

		if (waitpid(pid, status, WNOHANG) == pid) {
			*status = WIFEXITED(*status) ? WEXITSTATUS(*status) : 1;
			nw_err("record: numaweave %s ended before it was up (exit %d)", o->cmd[0],
			       *status);
			return -1;
		}
		if (!pin_dir_open(&pd, o->dir, false)) {
			pin_path(&pd, "regions", path, sizeof(path));
			up = pin_dir_busy(&pd) && !access(path, F_OK);
			pin_dir_close(&pd);
		}
		if (up)
			return pid;
		usleep(10000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, status, 0);
	*status = 1;
	nw_err("record: numaweave %s was not up in 60 s", o->cmd[0]);
	return -1;
}

/* The controller record started: stopped (if still running) and its exit status. */
static int controller_end(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGTERM);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int record_attached(const struct rec_opts *o);

int cmd_record(int argc, char **argv)
{
	struct rec_opts o;
	pid_t child = -1;
	int rc, crc;

	if ((rc = rec_parse(argc, argv, &o)) >= 0)
		return rc;
	if ((rc = cmd_need_caps()))
		return rc;
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	if (o.cmd && (child = controller_start(&o, &rc)) < 0)
		return rc;
	rc = record_attached(&o);
	if (child > 0) {
		crc = controller_end(child);
		if (crc && !rc)
			rc = crc;	/* the controller's failure is the command's */
	}
	return rc;
}

/* Attached to the controller of o->dir: the recording, until it ends. */
static int record_attached(const struct rec_opts *o)
{
	struct rec r = { .o = *o };
	struct pin_dir pd = { .fd = -1 };
	int rc;

	rc = pin_dir_open(&pd, r.o.dir, false);
	if (rc == -ENOENT)
		nw_err("record: no controller running (nothing pinned in %s)", r.o.dir);
	if (rc || rec_attach(&r, &pd)) {
		pin_dir_close(&pd);
		return 1;
	}
	r.nodes = nodes_possible();
	r.cur = calloc(NW_REC_REGIONS, sizeof(*r.cur));
	r.prev = calloc(NW_REC_REGIONS, sizeof(*r.prev));
	r.pw = calloc(NW_POL_STATS, sizeof(*r.pw));
	if (!r.cur || !r.prev || !r.pw) {
		nw_err("record: %s", strerror(ENOMEM));
		rc = 1;
	} else if (rec_first(&r), rec_open_output(&r)) {
		rc = 1;
	} else {
		rc = rec_loop(&r, &pd);
	}
	if (r.f)
		fclose(r.f);
	free(r.cur);
	free(r.prev);
	free(r.pw);
	munmap(r.st, sizeof(*r.st));
	munmap((void *)r.map, NW_REC_REGIONS * sizeof(*r.map));
	pin_dir_close(&pd);
	return rc;
}
