/* SPDX-License-Identifier: GPL-2.0 */
/* engine — the control loop of `numaweave run`. */
#ifndef NW_ENGINE_H
#define NW_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"

struct engine_opts {
	struct nw_config cfg;
	bool once, dry_run, json;
	const char *pin_dir;
	char **cmd;			/* -- CMD ARG..., or NULL */
	uint64_t ringbuf_bytes;
	bool no_fentry, classic_tp;
	bool numa_balancing_off;	/* turn kernel.numa_balancing off while running */
};

/* Returns the process exit status (0, 1, 2, or CMD's). */
int engine_run(struct engine_opts *o);

/*
 * Check a weight table against the machine: every node with a share must exist
 * and have memory. 0, or -EINVAL with the reason in err.
 */
int weights_validate(const uint32_t *w, char *err, int errlen, int *bad_node);

/* The thread-group id of a task (/proc/PID/status), -1 if it is gone. */
int proc_tgid(int pid);

#endif
