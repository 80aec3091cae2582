/* SPDX-License-Identifier: GPL-2.0 */
/*
 * status_heat — the heat section of `numaweave status` (status_heat.c):
 * no libbpf, it reads the stats map's copy it is handed.
 */
#ifndef NW_STATUS_HEAT_H
#define NW_STATUS_HEAT_H

#include "json.h"
#include "numaweave/abi.h"

/* enum nw_region_src and enum nw_region_class as status names them ("?" past the end) */
const char *heat_source_name(unsigned int src);
const char *heat_class_name(unsigned int cls);
/* "heat ..." and "coldest ..." lines */
void status_heat_text(const struct nw_stats *s);
/* the "heat" object of status --json */
void status_heat_json(struct jw *w, const struct nw_stats *s);

#endif
