/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sensors — per-node memory traffic and capacity for `--weights auto:SENSOR`.
 *
 *   file:PATH  lines "NODE TRAFFIC [CAPACITY]" (bytes/s, units allowed:
 *              "0 12.5G 100G"; '#' starts a comment), written by another
 *              program (a monitor on real hardware, or a model in a test);
 *              a capacity not given comes from the node's HMAT bandwidth.
 *
 * Capacity, where the file gives none: /sys/devices/system/node/nodeN/
 * access0/initiators/{read,write}_bandwidth (MB/s, from HMAT/CDAT), summed.
 * resctrl and uncore/CXL PMU sensors are not built (no such hardware here).
 */
#ifndef NW_SENSORS_H
#define NW_SENSORS_H

#include "numaweave/abi.h"

/* `numaweave weights auto` asks controller PID to resume: this path + ".PID" */
#define NW_AUTO_RESUME "/run/numaweave/auto-resume"

struct sensor {
	char name[64];			/* as given: "file:/run/bw" */
	char path[256];
	double capacity[NW_MAX_NODES];	/* bytes/s, 0: not a memory node */
	double hmat[NW_MAX_NODES];	/* HMAT's, read once at open: the fallback */
	uint64_t mem_nodes;		/* nodes with memory, at open */
};

/* "auto" or "auto:SENSOR" -> opened sensor. 0, or -errno with err. */
int sensor_open(struct sensor *s, const char *spec, char *err, int errlen);
/* Traffic now (bytes/s per node); capacities refreshed from the file. 0 or -errno with err. */
int sensor_read(struct sensor *s, double *traffic, char *err, int errlen);

#endif
