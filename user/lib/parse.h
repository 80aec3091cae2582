/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse — the words operators type: weights, sizes, durations, percents.
 * Pure. Each returns 0 or -EINVAL and, on error, a message in err[].
 */
#ifndef NW_PARSE_H
#define NW_PARSE_H

#include <stdint.h>
#include "numaweave/abi.h"

#define NW_ERRLEN 256
#define NW_WEIGHT_MAX 65535u	/* documented range of one weight: 0..65535 */

/*
 * "NODES:W[,NODES:W...]", NODES in numactl's grammar: "1", "0-3", "0,2",
 * "all", "!1" (all but 1); all is the set "all" stands for (the nodes with
 * memory). Nodes not named keep weight 0; a node named twice is an error.
 * Fills weights[NW_MAX_NODES].
 */
int parse_weights(const char *s, uint64_t all, uint32_t *weights, char *err);

/* A size: "4096", "256M", "1G", "2 MiB", "0 B", "max" (UINT64_MAX). */
int parse_size(const char *s, uint64_t *bytes, char *err);

/* A duration in microseconds: "500 ms", "5 s", "100us", "1m", "0 ns", "max". */
int parse_duration(const char *s, uint64_t *usec, char *err);

/* "50 %", "50%" -> percent in *value and *is_percent = 1; "7" -> 7 and 0. */
int parse_percent_or_count(const char *s, double *value, int *is_percent, char *err);

/* A decimal process id, 1..INT_MAX. */
int parse_pid(const char *s, int *pid, char *err);

/* "0:1,1:1" for weights[]; returns the length written. */
int format_weights(const uint32_t *weights, char *buf, int len);

#endif
