// SPDX-License-Identifier: GPL-2.0
/*
 * The tier model's thread: every report_ms it sends the guest each node's
 * true traffic (a rate over the last avg_ms), capacity and loaded latency
 * over a serial line (a unix socket
 * QEMU serves as the guest's second serial port), in blocks
 *     tier SEQ MS
 *     NODE BYTES_PER_S CAPACITY_BYTES_PER_S LATENCYns
 *     end SEQ
 * that tier_relay in the guest turns into `--weights auto:file:PATH`'s file.
 * The guest writes commands on the same line:
 *     calib begin | calib end    lift the caps, measure the lines/s the guest
 *                                makes meanwhile, and scale every capacity to
 *                                frac of it (answered "calib RATE CAP0 ...")
 *     dump LABEL                 append the per-page truth since the last dump
 *                                to truth=PATH and start it again
 *     mark TEXT                  a line in the log, for the plots
 *     caps off | caps on         lift the capacities while a job sets up (its
 *                                buffer's first touch), and put them back
 *     peak NODE BYTES_PER_S      report this capacity for NODE from now on: the
 *                                rate a saturating job reached (measured by the
 *                                guest, as MLC measures a machine's peak)
 * The log (log=PATH) gets the calibration and one line a report.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "plugin_api.h"
#include "tier.h"

static pthread_t thr;
static _Atomic int stop;
static int fd = -1;
static uint64_t t_start;

static void say(const char *s)
{
	size_t n = strlen(s);

	while (fd >= 0 && n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void try_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s;

	if (!T.sock[0] || fd >= 0)
		return;
	memcpy(a.sun_path, T.sock, sizeof(T.sock));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		close(s);
		return;
	}
	fd = s;
	tier_logf("tier: connected to %s", T.sock);
}

static uint64_t lines_of(unsigned i)
{
	return atomic_load(&T.node[i].fills) + atomic_load(&T.node[i].wbacks);
}

static uint64_t all_lines(void)
{
	uint64_t s = 0;
	unsigned i;

	for (i = 0; i < T.nr_nodes; i++)
		s += lines_of(i);
	return s;
}

static double peak[TIER_MAX_NODES];

static double cap_bps(unsigned i)
{
	return (double)atomic_load(&T.node[i].cap_lines) * 64 * 1e9 / (double)T.window_ns;
}

static struct {
	uint64_t t, lines;
} calib;

static void calibrate(const char *how)
{
	char buf[256];
	int off;
	unsigned i;

	if (!strcmp(how, "begin")) {
		atomic_store(&T.uncapped, 1);
		calib.t = tier_now_ns();
		calib.lines = all_lines();
		tier_logf("calib begin");
		return;
	}
	if (!calib.t)
		return;
	{
		double dt = (double)(tier_now_ns() - calib.t) / 1e9;
		double rate = (double)(all_lines() - calib.lines) / dt;

		tier_set_scale(rate * T.frac);
		atomic_store(&T.uncapped, 0);
		calib.t = 0;
		off = snprintf(buf, sizeof(buf), "calib %.0f", rate);
		for (i = 0; i < T.nr_nodes && off < (int)sizeof(buf) - 24; i++)
			off += snprintf(buf + off, sizeof(buf) - (size_t)off, " %.0f", cap_bps(i));
		tier_logf("%s (uncapped lines/s over %.2f s; capacities in bytes/s at frac %.2f)",
			  buf, dt, T.frac);
		snprintf(buf + off, sizeof(buf) - (size_t)off, "\n");
		say(buf);
	}
}

static void dump(const char *label)
{
	FILE *f;
	uint64_t p, n = 0, sum = 0;

	if (!T.truth[0] || !(f = fopen(T.truth, "a")))
		return;
	fprintf(f, "dump %s %llu\n", label,
		(unsigned long long)((tier_now_ns() - t_start) / 1000000));
	for (p = 0; p < T.nr_pages; p++) {
		uint32_t c = atomic_exchange(&T.page_count[p], 0);

		if (c) {
			fprintf(f, "%llu %u\n", (unsigned long long)p, c);
			n++;
			sum += c;
		}
	}
	fprintf(f, "end %llu %llu\n", (unsigned long long)n, (unsigned long long)sum);
	fclose(f);
	tier_logf("dump %s: %llu pages, %llu lines", label, (unsigned long long)n,
		  (unsigned long long)sum);
}

/* A command may follow junk on its line: until tier_relay makes the line raw,
 * the guest's tty echoes the reports back. */
static void command(char *line)
{
	char *c;

	if ((c = strstr(line, "calib ")))
		calibrate(c + 6);
	else if ((c = strstr(line, "dump ")))
		dump(c + 5);
	else if ((c = strstr(line, "caps "))) {
		atomic_store(&T.uncapped, !strncmp(c + 5, "off", 3));
		tier_logf("caps %s", T.uncapped ? "off" : "on");
	} else if ((c = strstr(line, "peak "))) {
		unsigned n;
		double bps;

		if (sscanf(c + 5, "%u %lf", &n, &bps) == 2 && n < T.nr_nodes && bps >= 0) {
			peak[n] = bps;
			tier_logf("peak %u %.0f", n, bps);
		}
	} else if ((c = strstr(line, "mark ")))
		tier_logf("mark %llu %s", (unsigned long long)((tier_now_ns() - t_start) / 1000000),
			  c + 5);
}

static void read_commands(void)
{
	static char buf[512];
	static size_t have;
	char *nl;
	ssize_t r;

	r = read(fd, buf + have, sizeof(buf) - 1 - have);
	if (r <= 0) {
		if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(fd);
			fd = -1;
		}
		return;
	}
	have += (size_t)r;
	buf[have] = 0;
	while ((nl = strpbrk(buf, "\r\n"))) {
		*nl = 0;
		if (*buf)
			command(buf);
		have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, have + 1);
	}
	if (have == sizeof(buf) - 1)
		have = 0; /* a line too long to be a command */
}

/*
 * What the guest is told is a rate over the last avg_ms (1 s), sent every
 * report_ms, as a counter-based sensor read once an interval gives the rate
 * over that interval: one 100 ms sample caught a controller's pass or a
 * page-cache burst and a law decided on it. The log keeps report_ms rates.
 */
#define HIST 64
static struct snap {
	uint64_t t, l[TIER_MAX_NODES], w[TIER_MAX_NODES];
} hist[HIST];
static unsigned hist_n;

/* the oldest snapshot no older than avg_ms (the one just before it when none
 * is); never the newest: the loop put one down before the first report */
static const struct snap *snap_since(uint64_t now)
{
	unsigned k, idx = (hist_n - 1) % HIST;

	for (k = 1; k < hist_n && k < HIST; k++) {
		unsigned j = (hist_n - 1 - k) % HIST;

		idx = j;
		if (now - hist[j].t >= (uint64_t)T.avg_ms * 1000000)
			break;
	}
	return &hist[idx];
}

/* the next snapshot: the time, and the lines (none when !count) */
static struct snap *snap_put(uint64_t now, bool count)
{
	struct snap *sn = &hist[hist_n++ % HIST];
	unsigned i;

	sn->t = now;
	for (i = 0; i < T.nr_nodes; i++) {
		sn->l[i] = count ? lines_of(i) : 0;
		sn->w[i] = count ? atomic_load(&T.node[i].waits_ns) : 0;
	}
	return sn;
}

/*
 * Node I's loaded latency between snapshots A and B at utilisation U: the
 * curve, plus the time its lines queued for the budget. A vCPU that waited W
 * for its N lines stands for a core with mlp lines in flight, each of them
 * mlp W / N later (Little's law; the latency debt is paid the same way, lat /
 * mlp a line). So a node at its capacity answers as slowly as its queue, as a
 * memory controller's occupancy over arrivals does on hardware, and the
 * slower of two saturated nodes is the one that holds the job back.
 */
static double observed_latency(unsigned i, double u, const struct snap *a, const struct snap *b)
{
	uint64_t dl = b->l[i] - a->l[i], dw = b->w[i] - a->w[i];
	double q = dl ? (double)dw / (double)dl * T.mlp : 0;

	return tier_loaded_latency(&T.node[i], u) + q;
}

/* A block for the guest (rates over avg_ms) and a log line (over the last report_ms). */
static void report(uint64_t seq)
{
	char buf[1024];
	uint64_t now = tier_now_ns();
	unsigned long long ms = (now - t_start) / 1000000;
	const struct snap *prev = &hist[(hist_n - 1) % HIST], *cur = snap_put(now, true);
	const struct snap *o = snap_since(now);
	double dt = (double)(now - prev->t) / 1e9;
	int off, loff;
	char lbuf[512];
	unsigned i;

	off = snprintf(buf, sizeof(buf), "tier %llu %llu\n", (unsigned long long)seq, ms);
	loff = snprintf(lbuf, sizeof(lbuf), "r %llu", ms);
	for (i = 0; i < T.nr_nodes; i++) {
		uint64_t l = cur->l[i];
		double bps = (double)(l - prev->l[i]) * 64 / dt, cap = peak[i] > 0 ? peak[i] : cap_bps(i);
		double u = cap > 0 && !T.uncapped ? bps / cap_bps(i) : 0;
		double lat = observed_latency(i, u, prev, cur);
		double abps = now > o->t ? (double)(l - o->l[i]) * 64 / ((double)(now - o->t) / 1e9) : bps;
		double au = cap > 0 && !T.uncapped ? abps / cap_bps(i) : 0;

		off += snprintf(buf + off, sizeof(buf) - (size_t)off, "%u %.0f %.0f %.0fns\n", i,
				abps, cap, observed_latency(i, au, o, cur));
		loff += snprintf(lbuf + loff, sizeof(lbuf) - (size_t)loff, " %u %.0f %.3f %.0f", i,
				 bps, u, lat);
	}
	snprintf(buf + off, sizeof(buf) - (size_t)off, "end %llu\n", (unsigned long long)seq);
	say(buf);
	tier_logf("%s", lbuf);
}

static void *loop(void *arg)
{
	uint64_t seq = 0, next;

	(void)arg;
	/* the first report's rates are from here: no line counted yet */
	next = snap_put(tier_now_ns(), false)->t + (uint64_t)T.report_ms * 1000000;
	while (!atomic_load(&stop)) {
		uint64_t now = tier_now_ns();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = now >= next ? 0 : (int)((next - now) / 1000000) + 1;

		try_connect();
		p.fd = fd;
		if (fd < 0) {
			usleep(20000);
		} else if (poll(&p, 1, ms) > 0) {
			read_commands();
			continue;
		}
		if (tier_now_ns() >= next) {
			report(++seq);
			next += (uint64_t)T.report_ms * 1000000;
			if (next < tier_now_ns())
				next = tier_now_ns() + (uint64_t)T.report_ms * 1000000;
		}
	}
	return NULL;
}

int tier_io_start(void)
{
	t_start = tier_now_ns();
	if (T.log[0] && !(T.logf = fopen(T.log, "a"))) {
		qemu_plugin_outs("tier: cannot open the log\n");
		return -1;
	}
	if (pthread_create(&thr, NULL, loop, NULL)) {
		qemu_plugin_outs("tier: cannot start its thread\n");
		return -1;
	}
	return 0;
}

void tier_io_stop(void)
{
	unsigned i;

	atomic_store(&stop, 1);
	pthread_join(thr, NULL);
	for (i = 0; i < T.nr_nodes; i++)
		tier_logf("total %u fills %llu writebacks %llu waited_ms %llu", i,
			  (unsigned long long)atomic_load(&T.node[i].fills),
			  (unsigned long long)atomic_load(&T.node[i].wbacks),
			  (unsigned long long)(atomic_load(&T.node[i].waits_ns) / 1000000));
	dump("exit");
	if (fd >= 0)
		close(fd);
	if (T.logf)
		fclose(T.logf);
}
