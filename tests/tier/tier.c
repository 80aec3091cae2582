// SPDX-License-Identifier: GPL-2.0
/*
 * tier.so — a QEMU TCG plugin that makes the guest's NUMA nodes memory tiers.
 *
 * Every guest load and store is mapped to its node by its guest-physical
 * address and filtered through a modelled cache per vCPU (direct-mapped,
 * write-back, write-allocate; 64-byte lines). What misses is memory traffic:
 * a line fill from the access's node, and a write-back to the node of a dirty
 * line it evicts. Each node has
 *   - a capacity: a budget of lines per window (1 ms); a vCPU that finds its
 *     node's budget spent waits for the next window, as a core waits on a
 *     saturated memory controller;
 *   - a loaded latency, lat0 (1 + k u / (1 - u)) of the node's utilisation u
 *     in the last window, charged to the vCPU per line divided by the lines it
 *     keeps in flight (mlp): flat while idle, steep near saturation.
 * The truth is counted exactly: lines per node, and per 4 KiB guest page the
 * lines user code (a lower-half virtual address) made it fill.
 * tier_io.c reports it to the guest and the host (docs/tier.md).
 *
 * Arguments (-plugin tier.so,arg=K=V,...):
 *   nodes=MIB/MIB[/...]   the guest's node sizes in order (required; ',' also
 *                         separates, where QEMU's option parser lets it)
 *   preset=dram-cxl       capacities 72:26, idle latencies 100 ns : 250 ns
 *   spec=CAP:LAT/...      any node count: relative capacity and idle ns per node
 *   rate=LINES            lines/s of the largest node until a calibration (2000000)
 *   frac=F                after a calibration, the largest node's capacity is F
 *                         times the calibrated rate (0.5)
 *   k=K mlp=M window_us=U lines=N (cache lines per vCPU, a power of 2)
 *   sock=PATH truth=PATH log=PATH report_ms=MS avg_ms=MS   (tier_io.c: a
 *                         report every report_ms (100), of rates over avg_ms (1000))
 *   addr=qemu72|linear    how QEMU reports RAM addresses (below)
 *   pin=CPU|off           vCPU 0 alone on host CPU CPU, every other thread of
 *                         QEMU on the other CPUs (off): the measured job runs on
 *                         vCPU 0, so work on the other vCPUs, QEMU's main loop
 *                         and the report thread do not take its host time
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "plugin_api.h"
#include "tier.h"

NW_EXPORT int qemu_plugin_version = NW_QEMU_PLUGIN_VERSION;

struct tier T;

struct vcpu {
	uint64_t *tag;		/* (line + 1) << 4 | node << 1 | dirty; 0: empty */
	double debt_ns;		/* latency owed, paid in sleeps of >= 50 us */
	bool started;		/* its thread's timer slack and CPU are set */
};

static struct vcpu *V;
static unsigned nr_vcpus;
static uint64_t line_mask;

uint64_t tier_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull),
			       .tv_nsec = (long)(t % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

double tier_loaded_latency(const struct tier_node *n, double u)
{
	if (u < 0)
		u = 0;
	if (u > 0.95)
		u = 0.95;
	return n->lat0_ns * (1 + T.k * u / (1 - u));
}

void tier_set_scale(double lines_per_s)
{
	double top = 0;
	unsigned i;

	for (i = 0; i < T.nr_nodes; i++)
		if (T.node[i].rel_cap > top)
			top = T.node[i].rel_cap;
	for (i = 0; i < T.nr_nodes; i++) {
		double c = lines_per_s * T.node[i].rel_cap / top * (double)T.window_ns / 1e9;

		atomic_store(&T.node[i].cap_lines, c < 1 ? 1 : (uint64_t)c);
	}
}

/* Start a new window when the last one is over; the winner turns each node's
 * lines into its utilisation and loaded latency. */
static void roll(uint64_t now)
{
	uint64_t s = atomic_load_explicit(&T.win_start, memory_order_relaxed);
	uint64_t ns, nwin;
	unsigned i;

	if (now - s < T.window_ns)
		return;
	ns = now - (now - s) % T.window_ns;
	if (!atomic_compare_exchange_strong(&T.win_start, &s, ns))
		return;
	nwin = (ns - s) / T.window_ns;
	for (i = 0; i < T.nr_nodes; i++) {
		struct tier_node *n = &T.node[i];
		uint64_t used = atomic_exchange(&n->used, 0);
		uint64_t cap = atomic_load(&n->cap_lines);
		double u = cap && !T.uncapped ? (double)used / (double)(cap * nwin) : 0;

		atomic_store(&n->lat_ns, (uint64_t)tier_loaded_latency(n, u));
	}
}

/* pin=CPU: the calling thread onto host CPU CPU alone (ALONE), or onto every
 * other online CPU. */
static void pin_self(bool alone)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), c;
	cpu_set_t set;

	if (T.pin_cpu < 0 || n < 2)
		return;
	CPU_ZERO(&set);
	for (c = 0; c < n && c < CPU_SETSIZE; c++)
		if ((c == T.pin_cpu) == alone)
			CPU_SET((int)c, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		tier_logf("tier: pinning a thread: %s", strerror(errno));
}

/* One line of traffic on node NID: wait while its budget is spent, then owe
 * its latency. */
static void charge(struct vcpu *v, unsigned nid)
{
	struct tier_node *n = &T.node[nid];
	uint64_t now = tier_now_ns();

	if (!v->started) {
		/* the first charge runs on the vCPU's own thread: vCPU 0 (the
		 * measured job's) gets the pinned host CPU to itself */
		prctl(PR_SET_TIMERSLACK, 1000UL);
		pin_self(v == V);
		v->started = true;
	}
	roll(now);
	for (;;) {
		uint64_t used = atomic_fetch_add_explicit(&n->used, 1, memory_order_relaxed) + 1;
		uint64_t cap = atomic_load_explicit(&n->cap_lines, memory_order_relaxed);
		uint64_t end;

		if (!cap || T.uncapped || used <= cap)
			break;
		end = atomic_load(&T.win_start) + T.window_ns;
		sleep_until(end);
		atomic_fetch_add_explicit(&n->waits_ns, tier_now_ns() - now, memory_order_relaxed);
		now = tier_now_ns();
		roll(now);
	}
	v->debt_ns += (double)atomic_load_explicit(&n->lat_ns, memory_order_relaxed) / T.mlp;
	if (v->debt_ns >= 50000) {
		uint64_t t0 = tier_now_ns();

		sleep_until(t0 + (uint64_t)v->debt_ns);
		v->debt_ns -= (double)(tier_now_ns() - t0);
	}
}

static void count_page(uint64_t gpa)
{
	uint64_t p = gpa >> TIER_PAGE_SHIFT;

	if (p < T.nr_pages)
		atomic_fetch_add_explicit(&T.page_count[p], 1, memory_order_relaxed);
}

/* The node of a reported RAM address, and its guest-physical address. */
static int node_of(uint64_t ra, uint64_t *gpa)
{
	unsigned i;

	for (i = 0; i < T.nr_nodes; i++) {
		const struct tier_node *n = &T.node[i];

		if (ra >= n->rbase && ra - n->rbase < n->size) {
			*gpa = n->gbase + (ra - n->rbase);
			return (int)i;
		}
	}
	return -1;
}

static void on_mem(unsigned int vi, qemu_plugin_meminfo_t info, uint64_t vaddr, void *ud)
{
	struct qemu_plugin_hwaddr *h = qemu_plugin_get_hwaddr(info, vaddr);
	struct vcpu *v;
	uint64_t gpa, line, want, *slot;
	bool store;
	int nid;

	(void)ud;
	if (!h || qemu_plugin_hwaddr_is_io(h) || vi >= nr_vcpus)
		return;
	nid = node_of(qemu_plugin_hwaddr_phys_addr(h), &gpa);
	if (nid < 0)
		return;
	v = &V[vi];
	line = gpa >> TIER_LINE_SHIFT;
	slot = &v->tag[line & line_mask];
	want = (line + 1) << 4 | (uint64_t)nid << 1;
	store = qemu_plugin_mem_is_store(info);
	if ((*slot | 1) == (want | 1)) {
		*slot |= store;
		return;
	}
	if (*slot & 1) {
		unsigned vn = (unsigned)(*slot >> 1) & 7;
	
		atomic_fetch_add_explicit(&T.node[vn].wbacks, 1, memory_order_relaxed);
		charge(v, vn);
	}
	*slot = want | store;
	atomic_fetch_add_explicit(&T.node[nid].fills, 1, memory_order_relaxed);
	/* the truth of what programs read and write: user addresses (the lower
	 * half) only, so the kernel's copies of migrating pages and its zeroing
	 * are not taken for accesses */
	if (vaddr < TIER_USER_TOP)
		count_page(gpa);
	charge(v, (unsigned)nid);
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	for (i = 0; i < n; i++)
		qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(tb, i), on_mem,
						 QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
}

static void at_exit(qemu_plugin_id_t id, void *ud)
{
	(void)id;
	(void)ud;
	tier_io_stop();
}

void tier_logf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (T.logf) {
		fprintf(T.logf, "%s\n", buf);
		fflush(T.logf);
	}
}

static int bad(const char *what, const char *arg)
{
	char msg[384];

	snprintf(msg, sizeof(msg), "tier: bad %s '%s'\n", what, arg);
	qemu_plugin_outs(msg);
	return -1;
}

/* "CAP:LAT/CAP:LAT..." into the nodes' model */
static int parse_spec(const char *s, unsigned *count)
{
	unsigned i = 0;

	while (*s && i < TIER_MAX_NODES) {
		char *e;
		double cap = strtod(s, &e), lat;

		if (e == s || *e != ':' || cap <= 0)
			return -1;
		s = e + 1;
		lat = strtod(s, &e);
		if (e == s || lat <= 0 || (*e && *e != '/' && *e != ','))
			return -1;
		T.node[i].rel_cap = cap;
		T.node[i].lat0_ns = lat;
		i++;
		s = *e ? e + 1 : e;
	}
	if (*s)
		return -1;
	*count = i;
	return 0;
}

static int parse_nodes(const char *s, bool qemu72)
{
	uint64_t g = 0;
	unsigned i = 0;

	while (*s && i < TIER_MAX_NODES) {
		char *e;
		unsigned long mib = strtoul(s, &e, 10);

		if (e == s || !mib || (*e && *e != '/' && *e != ','))
			return -1;
		T.node[i].gbase = g;
		T.node[i].size = (uint64_t)mib << 20;
		/* QEMU 7.2 reports block offset + offset + the region's address:
		 * node i's backend sits at both g (in the RAM address space) and g
		 * (in the machine's RAM container), so it shows at 2g. */
		T.node[i].rbase = qemu72 ? 2 * g : g;
		g += T.node[i].size;
		i++;
		s = *e ? e + 1 : e;
	}
	if (*s || !i)
		return -1;
	T.nr_nodes = i;
	T.nr_pages = g >> TIER_PAGE_SHIFT;
	return 0;
}

static int parse_args(int argc, char **argv, double *rate, unsigned *lines)
{
	const char *nodes = NULL, *spec = "72:100/26:250";
	bool qemu72 = true;
	unsigned nspec = 0;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');

		if (!v)
			return bad("argument", a);
		v++;
		if (!strncmp(a, "nodes=", 6))
			nodes = v;
		else if (!strncmp(a, "preset=", 7)) {
			if (strcmp(v, "dram-cxl"))
				return bad("preset (dram-cxl)", v);
			spec = "72:100/26:250";
		} else if (!strncmp(a, "spec=", 5))
			spec = v;
		else if (!strncmp(a, "rate=", 5))
			*rate = strtod(v, NULL);
		else if (!strncmp(a, "frac=", 5))
			T.frac = strtod(v, NULL);
		else if (!strncmp(a, "k=", 2))
			T.k = strtod(v, NULL);
		else if (!strncmp(a, "mlp=", 4))
			T.mlp = strtod(v, NULL);
		else if (!strncmp(a, "window_us=", 10))
			T.window_ns = strtoull(v, NULL, 10) * 1000;
		else if (!strncmp(a, "lines=", 6))
			*lines = (unsigned)strtoul(v, NULL, 10);
		else if (!strncmp(a, "pin=", 4)) {
			char *e;

			T.pin_cpu = strcmp(v, "off") ? (int)strtol(v, &e, 10) : -1;
			if (T.pin_cpu >= 0 && (e == v || *e))
				return bad("pin (a host CPU, or off)", v);
		} else if (!strncmp(a, "avg_ms=", 7))
			T.avg_ms = (unsigned)strtoul(v, NULL, 10);
		else if (!strncmp(a, "report_ms=", 10))
			T.report_ms = (unsigned)strtoul(v, NULL, 10);
		else if (!strncmp(a, "sock=", 5)) {
			if (strlen(v) >= sizeof(T.sock))
				return bad("sock (too long a path)", v);
			memcpy(T.sock, v, strlen(v) + 1);
		}
		else if (!strncmp(a, "truth=", 6))
			snprintf(T.truth, sizeof(T.truth), "%s", v);
		else if (!strncmp(a, "log=", 4))
			snprintf(T.log, sizeof(T.log), "%s", v);
		else if (!strncmp(a, "addr=", 5)) {
			if (strcmp(v, "qemu72") && strcmp(v, "linear"))
				return bad("addr (qemu72, linear)", v);
			qemu72 = !strcmp(v, "qemu72");
		} else
			return bad("argument", a);
	}
	if (!nodes || parse_nodes(nodes, qemu72))
		return bad("nodes (MIB/MIB/...)", nodes ? nodes : "(none)");
	if (parse_spec(spec, &nspec) || nspec != T.nr_nodes)
		return bad("spec (CAP:LAT_NS per node, as many as nodes=)", spec);
	if (*rate <= 0 || T.frac <= 0 || T.frac > 1 || T.k < 0 || T.mlp < 1 || !T.window_ns ||
	    !T.report_ms || !T.avg_ms || *lines < 64 || (*lines & (*lines - 1)))
		return bad("number", "rate/frac/k/mlp/window_us/report_ms/lines");
	return 0;
}

NW_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
				  char **argv)
{
	double rate = 2e6;
	unsigned lines = 8192, i;

	T.window_ns = 1000000;
	T.k = 0.25;
	T.mlp = 10;
	T.frac = 0.5;
	T.report_ms = 100;
	T.avg_ms = 1000;
	T.pin_cpu = -1;
	if (!info->system_emulation)
		return bad("mode", "user (system emulation only)");
	if (parse_args(argc, argv, &rate, &lines))
		return -1;
	nr_vcpus = (unsigned)info->system.max_vcpus;
	V = calloc(nr_vcpus, sizeof(*V));
	T.page_count = calloc(T.nr_pages, sizeof(*T.page_count));
	if (!V || !T.page_count)
		return bad("memory", "calloc");
	line_mask = lines - 1;
	for (i = 0; i < nr_vcpus; i++)
		if (!(V[i].tag = calloc(lines, sizeof(uint64_t))))
			return bad("memory", "calloc");
	for (i = 0; i < T.nr_nodes; i++)
		atomic_store(&T.node[i].lat_ns, (uint64_t)T.node[i].lat0_ns);
	tier_set_scale(rate);
	atomic_store(&T.win_start, tier_now_ns());
	/* QEMU's main loop, and the threads it and this plugin start from now
	 * on, keep off vCPU 0's host CPU */
	pin_self(false);
	if (tier_io_start())
		return -1;
	tier_logf("tier: %u nodes, %u vCPUs, cache %u lines x 64 B direct-mapped per vCPU, "
		  "window %llu us, k %.2f, mlp %.0f, vCPU 0 on host CPU %s", T.nr_nodes, nr_vcpus,
		  lines, (unsigned long long)(T.window_ns / 1000), T.k, T.mlp,
		  T.pin_cpu < 0 ? "any (pin=off)" : "alone");
	for (i = 0; i < T.nr_nodes; i++)
		tier_logf("tier: node %u: %llu MiB at %#llx, capacity %.0f (%llu lines/window), "
			  "idle latency %.0f ns", i, (unsigned long long)(T.node[i].size >> 20),
			  (unsigned long long)T.node[i].gbase, T.node[i].rel_cap,
			  (unsigned long long)T.node[i].cap_lines, T.node[i].lat0_ns);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
