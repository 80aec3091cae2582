/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sensor_def — struct sensor and its limits: plain types shared by sensors.c
 * and its backends (sensors.h says what each backend reads).
 */
#ifndef NW_SENSOR_DEF_H
#define NW_SENSOR_DEF_H

#include <stdbool.h>
#include <stdint.h>
#include "numaweave/abi.h"

enum sensor_kind { SENSOR_FILE, SENSOR_RESCTRL, SENSOR_UNCORE };

#define NW_UNCORE_MAX 128	/* counters (PMU x socket x {read, write}) */
#define NW_CXL_MAX 8		/* CXL PMUs named in auto:uncore:PMU=NODE,... */
#define NW_CHA_MAX 48		/* CHA counter groups: one CHA of one socket, one target class */

/* perf_event_open and read of one counter; tests replace them (fixtures). */
struct sensor_perf_ops {
	int (*open)(const char *pmu, const char *event, int type, uint64_t config,
		    uint64_t config1, int cpu);		/* fd, or -errno */
	int (*read)(int fd, uint64_t *count);		/* 0, or -errno */
};
extern const struct sensor_perf_ops *sensor_perf;

/* resctrl's own: its L3 domains, their node, last counts. */
struct sensor_rdt {
	int ndom;
	struct rdt_dom {
		int id, node;
		uint64_t total, local;
		bool ok;		/* the last reading was a number */
	} dom[NW_MAX_NODES];
};

/* uncore's own: CAS and CXL counters, CHA groups for loaded latency. */
struct sensor_unc {
	int nctr;			/* counters, their node, last counts */
	struct uncore_ctr {
		int fd, node;
		double bytes;		/* per count: .scale x .unit */
		uint64_t last;
		bool ok;
	} ctr[NW_UNCORE_MAX];
	int ncxl;			/* uncore:PMU=NODE,...: CXL PMUs and their memory's node */
	struct cxl_map {
		char pmu[48];
		int node;
		bool used;		/* found and opened */
	} cxl[NW_CXL_MAX];
	char cxl_unnamed[160];		/* CXL PMUs found that neither spec nor sysfs gave a node */
	int ncha;			/* on SPR/EMR: CHA groups for loaded latency */
	struct cha_grp {
		int fd[3];		/* TOR occupancy, TOR inserts, CHA clockticks */
		int node;		/* the node its class of reads targets */
		uint64_t last[3];
		bool ok;
	} cha[NW_CHA_MAX];
	double hmat_lat[NW_MAX_NODES];	/* HMAT read latency (ns), an idle node's; 0: none */
};

/* One sensor: what every backend gives, then the backend's own state. */
struct sensor {
	char name[64];			/* as given: "file:/run/bw" */
	char path[256];			/* the file, or the resctrl group */
	enum sensor_kind kind;
	char sys[128];			/* sysfs: "/sys" (a fixture tree in tests) */
	double capacity[NW_MAX_NODES];	/* bytes/s, 0: not a memory node */
	double latency[NW_MAX_NODES];	/* loaded latency, ns, 0: none */
	bool has_latency;		/* the last reading gave every memory node's */
	double hmat[NW_MAX_NODES];	/* HMAT's, read once at open: the fallback */
	uint64_t mem_nodes;		/* nodes with memory, at open */
	double t_last;			/* resctrl, uncore: seconds of the last reading */
	char cxl_src[160];		/* uncore: "PMU=NODE,...", CXL PMUs whose node sysfs gave */
	char lat_src[192];		/* where latency comes from, or why there is none */
	char chosen[384];		/* `auto` alone: that it chose this one, and why not uncore */
	union {				/* the backend's own (sensor.kind says which) */
		struct sensor_rdt rdt;
		struct sensor_unc unc;
	} u;
};

#endif
