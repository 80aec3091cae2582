/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config — what `run` does: targets, weights, action, access pattern, quota,
 * filters, intervals. Filled from the command line or from damo's YAML. Pure.
 */
#ifndef NW_CONFIG_H
#define NW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config_def.h"

void config_defaults(struct nw_config *c);
/* damo's files are a few KiB; anything near this is not a config */
#define CONFIG_MAX_BYTES (1u << 20)
/*
 * Load damo's YAML. Warnings (unsupported keys, with their path) go through
 * warn(); errors return -EINVAL with the message, line and column in err.
 */
int config_load_yaml(const char *path, struct nw_config *c, void (*warn)(const char *msg),
		     char *err, int errlen);
int config_load_yaml_buf(const char *buf, size_t len, struct nw_config *c,
			 void (*warn)(const char *msg), char *err, int errlen);
#define NW_INTERVAL_MIN_US 1000ull
#define NW_INTERVAL_MAX_US 3600000000ull
#define NW_QUOTA_MIN_BPS 4096ull		/* a page a second */
#define NW_QUOTA_MAX_BPS (1ull << 50)		/* 1 PiB/s: "no limit" is 0 or max */
/*
 * The ranges every setting must hold, whether it came from the command line,
 * the YAML or elsewhere, checked after unit conversion. 0 or -ERANGE with err.
 */
int config_check(const struct nw_config *c, char *err, int errlen);
/* Bytes per second the quota allows (0 = unlimited). */
uint64_t config_quota_bps(const struct nw_config *c);

#endif
