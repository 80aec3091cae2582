/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sensor_impl — inside the sensors: what each backend (sensor_file.c,
 * sensor_resctrl.c, sensor_uncore.c with sensor_cha.c and sensor_perf.c)
 * offers sensors.c, and the helpers they share (sensor_util.c). Not for
 * callers of sensors.h.
 */
#ifndef NW_SENSOR_IMPL_H
#define NW_SENSOR_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include "sensor_def.h"

/* One backend: auto:PREFIX[:ARG] opened with ARG (NULL if none), read, closed. */
struct sensor_backend {
	const char *prefix;	/* "auto:file" */
	bool needs_arg;		/* "auto:file" alone is not a sensor */
	int (*open)(struct sensor *s, const char *arg, double now, char *err, int errlen);
	int (*read)(struct sensor *s, double now, double *traffic, char *err, int errlen);
	void (*close)(struct sensor *s);	/* NULL: nothing held open */
};
extern const struct sensor_backend sensor_file_backend, sensor_resctrl_backend,
	sensor_uncore_backend;

/* sensor_util.c */
int read_line(const char *path, char *buf, int len);
long node_first_cpu(const struct sensor *s, int n);
int node_of_cpu(const struct sensor *s, long cpu);
int mem_nodes_read(struct sensor *s, char *err, int errlen);
bool list_next(const char **s, long *a, long *b);
long list_first(const char *s);
int hmat_capacities(struct sensor *s, const char *what, char *err, int errlen);
long topo_of_cpu(const struct sensor *s, long cpu, const char *what);
bool sysfs_u64(const char *path, int base, uint64_t *v);
double hmat_capacity(const char *sys, int n);
double hmat_attr(const char *sys, int n, const char *name);
uint64_t list_mask(const char *s);

/* sensor_perf.c */
int perf_counter(const char *dir, const char *name, const char *ev, const char *spec,
		 long type, long cpu, char *err, int errlen);
int event_config(const char *dir, const char *spec, uint64_t cfg[3], char *err,
		 int errlen);
double event_bytes(const char *dir, const char *ev);

/* sensor_cha.c */
void cha_read(struct sensor *s, double dt, const double *traffic);
void cha_open(struct sensor *s, const char *devs);
void cha_close(struct sensor *s);

#endif
