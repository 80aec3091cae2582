/* SPDX-License-Identifier: GPL-2.0 */
/* config_scheme — one DAMOS scheme of damo's YAML into a policy's settings. */
#ifndef NW_CONFIG_SCHEME_H
#define NW_CONFIG_SCHEME_H

#include "config_def.h"
#include "config_yaml.h"

int config_parse_scheme(struct ycx *y, yaml_node_t *n, struct nw_config *c);

#endif
