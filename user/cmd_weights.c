// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_weights.c — `numaweave weights`: show the pinned table, or write it in
 * one batch (the same bytes `bpftool map update` would write).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "loader.h"
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "placement.h"

/* "0:1 1:3" and "0:1,1:3" are the same table; "kernel" is the kernel's. 0, or an exit status. */
static int weights_from_args(int argc, char **argv, uint32_t *w)
{
	char buf[512] = "", err[NW_ERRLEN];
	size_t len = 0;
	int bad;

	for (int i = 0; i < argc; i++) {
		int n = snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(buf) - len) {
			nw_err("weights too long");
			return 2;
		}
		len += n;
	}
	if (weights_from_spec(buf, w, err, sizeof(err))) {
		nw_err("bad weights: %s", err);
		return 2;
	}
	if (weights_zero(w)) {
		nw_err("bad weights: every weight is 0 (that would pause migration; "
		       "write zeros with bpftool if that is what you want)");
		return 2;
	}
	if (weights_validate(w, err, sizeof(err), &bad)) {
		nw_err("bad weights: %s", err);
		return 2;
	}
	return 0;
}

int cmd_weights(int argc, char **argv)
{
	uint32_t w[NW_MAX_NODES];
	struct pin_opts po = {};
	struct pin_dir pd;
	const char *dir;
	char buf[512];
	int fd, rc;

	if ((rc = cmd_pin_opts("weights", argc, argv, &po)) >= 0)
		return rc;
	dir = po.dir;
	if (po.policy && policy_name_check(po.policy, buf, sizeof(buf))) {
		nw_err("%s", buf);
		return 2;
	}
	argc -= optind;
	argv += optind;
	if (argc && (rc = weights_from_args(argc, argv, w)))
		return rc;
	if (geteuid() != 0 && cmd_need_caps())
		return 1;
	if ((rc = pin_dir_open(&pd, dir, false))) {
		if (rc == -ENOENT)
			nw_err("no pin dir %s: start `numaweave run` with --weights first", dir);
		return 1;
	}
	fd = pin_open_weights(&pd, po.policy);
	pin_dir_close(&pd);
	if (fd < 0)
		return 1;
	rc = argc ? weights_write(fd, w) : weights_read(fd, w);
	close(fd);
	if (rc) {
		nw_err("cannot %s the weights of %s%s in %s: %s", argc ? "update" : "read",
		       po.policy ? "policy " : "the default policy", po.policy ? po.policy : "", dir,
		       strerror(-rc));
		return 1;
	}
	format_weights(w, buf, sizeof(buf));
	printf(argc ? "weights %s\n" : "%s\n", buf);
	return 0;
}
