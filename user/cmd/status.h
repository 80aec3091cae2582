/* SPDX-License-Identifier: GPL-2.0 */
/*
 * status — what `numaweave status` read of a controller (its stats map, its
 * weights map, its targets), shared by the text and JSON renderers
 * (cmd_status.c) and the Prometheus one (status_prom.c).
 */
#ifndef NW_STATUS_H
#define NW_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "numaweave/abi.h"

struct status {
	struct nw_stats s;
	uint32_t map_w[NW_MAX_NODES];	/* what the weights map holds now */
	bool running;			/* a controller holds the pin dir */
	/* every entry of the targets map (sized at load: --max-targets), on the heap */
	struct status_tg { uint32_t pid; struct nw_target t; } *tg;
	int ntg, tgcap;
};

/* A name out of the map (its bytes are not trusted to hold a NUL). */
#define MAP_STR(buf, field) \
	(memcpy(buf, field, sizeof(field)), (buf)[sizeof(field)] = 0, (const char *)(buf))

static inline bool pol_shown(const struct nw_pol_stats *ps, const char *only)
{
	return !only || !strncmp(ps->name, only, sizeof(ps->name));
}

/* The Prometheus text exposition format (for node_exporter's textfile collector). */
void status_prometheus(const struct status *st, bool have, const char *only);

#endif
