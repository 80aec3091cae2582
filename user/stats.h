/* SPDX-License-Identifier: GPL-2.0 */
/* stats — `numaweave status` and `numaweave weights`: read the pinned maps. */
#ifndef NW_STATS_H
#define NW_STATS_H

#include <stdbool.h>

int cmd_status(const char *pin_dir, bool json);
/* args: NID:W words to set, or none to show. */
int cmd_weights(const char *pin_dir, int argc, char **argv);
int cmd_numastat(int argc, char **argv);

#endif
