/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sensors — per-node memory traffic and capacity for `--weights auto:SENSOR`.
 *
 *   file:PATH     lines "NODE TRAFFIC [CAPACITY] [LATENCY]" (bytes/s, units
 *                 allowed: "0 12.5G 100G"; latency with its unit, ns, us or
 *                 ms: "0 12.5G 100G 180ns"; '#' starts a comment), written by
 *                 another program (a monitor on real hardware, or a model in a
 *                 test); a capacity not given comes from the node's HMAT
 *                 bandwidth. Latencies, given for every node with memory or
 *                 for none, switch the controller to the loaded-latency law.
 *   resctrl[:DIR] resctrl memory bandwidth monitoring (Intel RDT MBM, AMD
 *                 PQoS): DIR/mon_data/mon_L3_NN/mbm_{total,local}_bytes of a
 *                 monitoring group (default /sys/fs/resctrl, every task not in
 *                 another group), read as rates. An L3 domain counts what its
 *                 CPUs read and write: local bytes go to its own node; the rest
 *                 went to other nodes, which resctrl does not name, and is
 *                 split over the other memory nodes by their capacity.
 *                 Capacities from HMAT (required).
 *
 *   uncore        the memory controllers' CAS counters through perf: every PMU
 *                 under /sys/bus/event_source/devices whose sysfs names the
 *                 events cas_count_read and cas_count_write (Intel iMC,
 *                 uncore_imc_N), each event's encoding built from the PMU's
 *                 format/ files and its bytes from .scale and .unit, as perf
 *                 does; a PMU is opened on each CPU of its cpumask (Intel's
 *                 name one a socket), and counts for that CPU's node; one
 *                 memory node a socket (die) is required (no SNC). Every
 *                 node with memory must have one: a CPU-less node (a CXL
 *                 expander) is not seen by these counters and is refused.
 *                 AMD's UMC PMUs (amd_umc_N) name no events in sysfs: perf's
 *                 own encoding of umc_cas_cmd.rd/.wr is used, one memory node
 *                 a socket (NPS1) required. Capacities from HMAT (required).
 *                 A CXL memory device's PMU (cxl_pmu_memX.Y, events
 *                 m2s_req_memrd and m2s_rwd_memwr, 64 bytes each) counts for
 *                 the node that holds the host ranges memX's endpoint
 *                 decoders decode (bus/cxl: endpointK/uport is memX,
 *                 decoderK.N/start,size; the node's memoryM blocks).
 *   uncore:PMU=NODE[,PMU=NODE]
 *                 the same, the CXL PMUs named counting for the nodes given
 *                 (where sysfs cannot tell, or tells wrong).
 *                 On Sapphire and Emerald Rapids (family 6, models 0x8f and
 *                 0xcf), the sensor also gives each memory node's loaded
 *                 latency, from the CHAs' TOR occupancy and inserts of demand
 *                 reads that missed the LLC (Little's law: occupancy/inserts
 *                 cycles at the CHA clock), by target: local DDR, remote DDR
 *                 (two sockets), CXL (one CPU-less node); a few CHAs a class
 *                 and socket sample it (addresses are hashed over the CHAs).
 *                 An idle node takes its HMAT read latency.
 *
 *   (alone)       auto: uncore if it opens here, else resctrl, else refused
 *                 with both reasons.
 *
 * Capacity, where the file gives none: /sys/devices/system/node/nodeN/
 * access0/initiators/{read,write}_bandwidth (MB/s, from HMAT/CDAT), summed.
 * None of the hardware sensors has run on hardware here (no PMU).
 */
#ifndef NW_SENSORS_H
#define NW_SENSORS_H

#include <stdbool.h>
#include <stdint.h>
#include "numaweave/abi.h"

/*
 * `numaweave weights [--policy NAME] auto` asks controller PID to resume: this
 * path + ".PID" for the table pinned at `weights` (run's, the daemon's default
 * policy's), + ".PID.NAME" for policy NAME's.
 */
#define NW_AUTO_RESUME "/run/numaweave/auto-resume"

#include "sensor_def.h"

/* Closes what the sensor holds open (uncore counters). */
void sensor_close(struct sensor *s);
/* Opens spec and closes it again: can it be used? 0, or -errno with err. */
int sensor_check(const char *spec, char *err, int errlen);

/*
 * "auto" or "auto:SENSOR" -> opened sensor. "auto" alone takes the first of
 * uncore and resctrl that opens here. 0, or -errno with err.
 */
int sensor_open(struct sensor *s, const char *spec, char *err, int errlen);
/* The same on a sysfs tree rooted at sys (tests: a fixture). */
int sensor_open_at(struct sensor *s, const char *spec, const char *sys, double now, char *err,
		   int errlen);
/* With -v: which sensor `auto` chose, CXL PMUs' nodes from sysfs, where latency comes from. */
void sensor_log(const struct sensor *s);
/* Traffic now (bytes/s per node); capacities refreshed from the file. 0 or -errno with err. */
int sensor_read(struct sensor *s, double *traffic, char *err, int errlen);
/* The same at time now (seconds, any origin; tests give their own). */
int sensor_read_at(struct sensor *s, double now, double *traffic, char *err, int errlen);

/*
 * One decision of the weights controller a on this sensor's last reading: the
 * loaded-latency law when it gave latencies, else the bandwidth law (own:
 * numaweave's migration traffic, or NULL). True when weights changed.
 */
struct autow;
bool autow_decide_by(struct autow *a, const struct sensor *s, const double *traffic,
		     const double *own, uint32_t *weights);

#endif
