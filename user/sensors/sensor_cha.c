// SPDX-License-Identifier: GPL-2.0
/*
 * sensor_cha.c — loaded latency on Sapphire and Emerald Rapids: the CHAs' TOR
 * occupancy and inserts of LLC-missing demand reads, by target (local DDR,
 * remote DDR, CXL), by Little's law.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "safeio.h"
#include "autow.h"
#include "sensor_impl.h"

/* The CHA groups' counters, closed (latency without them: none). */
void cha_close(struct sensor *s)
{
	for (int i = 0; i < s->u.unc.ncha; i++)
		for (int k = 0; k < 3; k++)
			if (s->u.unc.cha[i].fd[k] >= 0)
				close(s->u.unc.cha[i].fd[k]);
	s->u.unc.ncha = 0;
}

/*
 * ---- loaded latency: Intel CHA TOR occupancy and inserts (SPR, EMR) ----
 *
 * Each CHA (uncore_cha_N, one box a socket in each) counts the demand reads
 * of its socket's cores that missed the LLC, by where they go: TOR inserts
 * (requests) and TOR occupancy (requests in flight, summed every cycle). By
 * Little's law occupancy/inserts is the mean time in flight, in CHA cycles;
 * the CHA's clockticks over the interval turn it into seconds. Encodings:
 * Intel's perfmon tables for Sapphire and Emerald Rapids (identical),
 * UMask|UMaskExt<<8 as perf joins them. Occupancy counts on counter 0 only,
 * one class a CHA at a time: the classes are spread over the CHAs, a few a
 * class and socket (addresses are hashed over all CHAs, so a few sample it).
 */
#define CHA_PER_CLASS 4		/* CHAs a class and socket */

#define CHA_MIN_INSERTS 64	/* fewer in an interval: no latency from them */

static const struct tor_class {
	const char *name;	/* perf's event, after unc_cha_tor_{occupancy,inserts}. */
	uint64_t umask;
} tor_class[] = {
	{ "ia_miss_drd_local_ddr", 0xc8168601 },	/* to this socket's DDR */
	{ "ia_miss_drd_remote_ddr", 0xc8170601 },	/* to the other socket's DDR */
	{ "ia_miss_drd_cxl_acc", 0x10c8178201 },	/* to CXL memory */
};

enum { TOR_LOCAL, TOR_REMOTE, TOR_CXL, TOR_NCLASS };

/* Family 6 model of this CPU from devices/system/cpu/modalias, or -1. */
static long intel_model(const struct sensor *s)
{
	char path[256], buf[512];
	const char *m;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/modalias", s->sys);
	if (read_line(path, buf, sizeof(buf)) || !strstr(buf, "ven0000fam0006") ||
	    !(m = strstr(buf, "mod")))
		return -1;
	return strtol(m + 3, NULL, 16);
}

/* The nodes with CPUs, as a mask. */
static uint64_t cpu_nodes(const struct sensor *s)
{
	uint64_t m = 0;

	for (int n = 0; n < NW_MAX_NODES; n++)
		if (node_first_cpu(s, n) >= 0)
			m |= 1ull << n;
	return m;
}

/* The node class c of reads from node `from`'s socket targets (cpus: cpu_nodes()); -1: none. */
static int tor_target(const struct sensor *s, uint64_t cpus, int c, int from)
{
	int dram = 0, cpuless = 0, other = -1, cxl = -1;

	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!(s->mem_nodes >> n & 1))
			continue;
		if (cpus >> n & 1) {
			dram++;
			if (n != from)
				other = n;
		} else {
			cpuless++;
			cxl = n;
		}
	}
	if (c == TOR_LOCAL)
		return s->mem_nodes >> from & 1 ? from : -1;
	if (c == TOR_REMOTE)	/* "remote" names no node: only two sockets tell it */
		return dram == 2 && s->mem_nodes >> from & 1 ? other : -1;
	return cpuless == 1 ? cxl : -1;	/* nor does "CXL" with two expanders */
}

/* Class c's TOR event (0x36 occupancy, 0x35 inserts) as perf writes it. */
static void tor_spec(char *buf, int len, int event, int c)
{
	snprintf(buf, len, "event=%#x,umask=%#llx", event, (unsigned long long)tor_class[c].umask);
}

/* One CHA group: class c of PMU name on cpu, for node. 0, or -errno with err. */
static int cha_group(struct sensor *s, const char *dir, const char *name, long type, long cpu,
		     int c, int node, char *err, int errlen)
{
	struct cha_grp *g = &s->u.unc.cha[s->u.unc.ncha];
	char spec[3][64], ev[3][64];

	tor_spec(spec[0], sizeof(spec[0]), 0x36, c);
	tor_spec(spec[1], sizeof(spec[1]), 0x35, c);
	snprintf(spec[2], sizeof(spec[2]), "event=0x01");
	snprintf(ev[0], sizeof(ev[0]), "unc_cha_tor_occupancy.%s", tor_class[c].name);
	snprintf(ev[1], sizeof(ev[1]), "unc_cha_tor_inserts.%s", tor_class[c].name);
	snprintf(ev[2], sizeof(ev[2]), "unc_cha_clockticks");
	*g = (struct cha_grp){ .fd = { -1, -1, -1 }, .node = node };
	s->u.unc.ncha++;	/* counted now: sensor_close closes what opened */
	for (int k = 0; k < 3; k++)
		if ((g->fd[k] = perf_counter(dir, name, ev[k], spec[k], type, cpu, err, errlen)) < 0)
			return g->fd[k];
	return 0;
}

/*
 * The classes of reads that have a node to go to here and an encoding the
 * CHA PMU at dir takes (the CXL class needs the umask bits up to 60: the
 * kernel's format config:8-15,32-63; older ones stop at 55) into active, their
 * names into used, what was left out and why into skip. Returns how many.
 */
static int tor_classes(const struct sensor *s, uint64_t cpus, const char *dir, int *active,
		       char *used, int ulen, char *skip, int slen)
{
	static const char *const cls[] = { "local DDR", "remote DDR", "CXL" };
	int nact = 0;

	for (int c = 0; c < TOR_NCLASS; c++) {
		char spec[64], e[256];
		uint64_t cfg[3];
		bool any = false;

		for (int nd = 0; nd < NW_MAX_NODES; nd++)
			any |= (cpus >> nd & 1) && tor_target(s, cpus, c, nd) >= 0;
		if (!any)
			continue;
		tor_spec(spec, sizeof(spec), 0x36, c);
		if (event_config(dir, spec, cfg, e, sizeof(e))) {
			snprintf(skip + strlen(skip), slen - strlen(skip), "%s%s reads not counted: "
				 "their encoding (umask %#llx) does not fit this kernel's CHA umask "
				 "format", skip[0] ? "; " : "", cls[c],
				 (unsigned long long)tor_class[c].umask);
			continue;
		}
		active[nact++] = c;
		snprintf(used + strlen(used), ulen - strlen(used), "%s%s", nact > 1 ? ", " : "",
			 cls[c]);
	}
	return nact;
}

/*
 * The CHA groups, where this is a CPU whose encodings are known; else none,
 * and lat_src says why. Traffic does not depend on them: a failure here only
 * leaves latency out.
 */
void cha_open(struct sensor *s, const char *devs)
{
	int per[NW_MAX_NODES][TOR_NCLASS] = {{0}}, active[TOR_NCLASS], nact = 0, k = 0, n;
	long model = intel_model(s);
	uint64_t cpus = cpu_nodes(s);
	struct dirent **names;
	char err[256] = "", used[64] = "", skip[160] = "";

	for (int nd = 0; nd < NW_MAX_NODES; nd++)
		s->u.unc.hmat_lat[nd] = s->mem_nodes >> nd & 1 ? hmat_attr(s->sys, nd, "read_latency") : 0;
	n = scandir(devs, &names, NULL, versionsort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		char dir[384], path[512], buf[256];
		const char *p = buf;
		long type, cpu, last;

		if (strncmp(names[i]->d_name, "uncore_cha_", 11) || err[0])
			goto next;
		if (model != 0x8f && model != 0xcf) {
			snprintf(err, sizeof(err), "the CHA TOR encodings known here are Sapphire and "
				 "Emerald Rapids' (family 6, model 0x8f, 0xcf); this CPU: %s",
				 model < 0 ? "not Intel family 6" : "another model");
			goto next;
		}
		snprintf(dir, sizeof(dir), "%s/%s", devs, names[i]->d_name);
		if (!nact)
			nact = tor_classes(s, cpus, dir, active, used, sizeof(used), skip,
					   sizeof(skip));
		if (!nact) {
			snprintf(err, sizeof(err), "%s", skip);
			goto next;
		}
		snprintf(path, sizeof(path), "%s/type", dir);
		if (read_line(path, buf, sizeof(buf)) || (type = strtol(buf, NULL, 10)) <= 0)
			goto next;
		snprintf(path, sizeof(path), "%s/cpumask", dir);
		if (read_line(path, buf, sizeof(buf)))
			goto next;
		/* this CHA measures one class, the next CHA the next */
		for (int c = active[k++ % nact]; list_next(&p, &cpu, &last);)
			for (; cpu <= last && !err[0]; cpu++) {
				int from = node_of_cpu(s, cpu), to;

				if (from < 0 || (to = tor_target(s, cpus, c, from)) < 0 ||
				    per[from][c] >= CHA_PER_CLASS)
					continue;
				if (s->u.unc.ncha >= NW_CHA_MAX)
					break;
				if (!cha_group(s, dir, names[i]->d_name, type, cpu, c, to, err,
					       sizeof(err)))
					per[from][c]++;
			}
next:
		free(names[i]);
	}
	free(names);
	if (err[0]) {
		cha_close(s);
		snprintf(s->lat_src, sizeof(s->lat_src), "no loaded latency: %s", err);
	} else if (!s->u.unc.ncha) {
		snprintf(s->lat_src, sizeof(s->lat_src), "no loaded latency: no Intel CHA PMU "
			 "(uncore_cha_N) with a class of reads to count");
	} else {
		snprintf(s->lat_src, sizeof(s->lat_src), "loaded latency from %d CHA counter groups "
			 "(TOR occupancy/inserts of LLC-missing demand reads: %s)%s%s", s->u.unc.ncha, used,
			 skip[0] ? "; " : "", skip);
	}
}

/*
 * Each memory node's loaded latency from the CHA groups' counts since the
 * last reading: their time in flight (occupancy over the CHA clock) over
 * their inserts, all sockets' reads to the node together. A node with too
 * few reads takes its HMAT read latency if it is idle (under 1 % of its
 * capacity), else it has none this interval, and neither has the sensor.
 */
void cha_read(struct sensor *s, double dt, const double *traffic)
{
	double busy[NW_MAX_NODES] = {0}, ins[NW_MAX_NODES] = {0};
	bool all = s->u.unc.ncha > 0;

	for (int i = 0; i < s->u.unc.ncha; i++) {
		struct cha_grp *g = &s->u.unc.cha[i];
		uint64_t v[3];
		bool back = false;

		if (sensor_perf->read(g->fd[0], &v[0]) || sensor_perf->read(g->fd[1], &v[1]) ||
		    sensor_perf->read(g->fd[2], &v[2])) {
			g->ok = false;
			continue;
		}
		for (int k = 0; k < 3; k++)
			back |= v[k] < g->last[k];	/* reset: no sample from it */
		if (g->ok && dt > 0 && !back && v[1] > g->last[1] && v[2] > g->last[2]) {
			busy[g->node] += (double)(v[0] - g->last[0]) * dt /
					 (double)(v[2] - g->last[2]);
			ins[g->node] += (double)(v[1] - g->last[1]);
		}
		memcpy(g->last, v, sizeof(v));
		g->ok = true;
	}
	for (int n = 0; n < NW_MAX_NODES; n++) {
		s->latency[n] = 0;
		if (!(s->mem_nodes >> n & 1))
			continue;
		if (ins[n] >= CHA_MIN_INSERTS)
			s->latency[n] = busy[n] / ins[n] * 1e9;
		else if (traffic[n] < 0.01 * s->capacity[n] && s->u.unc.hmat_lat[n] > 0)
			s->latency[n] = s->u.unc.hmat_lat[n];
		else
			all = false;
	}
	s->has_latency = all && dt > 0;
}
