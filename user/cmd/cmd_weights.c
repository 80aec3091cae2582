// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_weights.c — `numaweave weights`: show the pinned table, or write it in
 * one batch (the same bytes `bpftool map update` would write).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "loader.h"
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "placement.h"
#include "sensors.h"

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

/*
 * `weights auto`: the running controller's bandwidth controller, paused by a
 * manual edit, takes over again (it looks for the flag once an interval).
 */
static int resume_auto(const char *dir, const char *policy)
{
	char err[PATH_MAX + 256], path[64 + NW_POLICY_NAME_MAX], who[NW_POLICY_NAME_MAX + 16];
	bool found = false;
	int n = 0;
	struct nw_stats st;
	struct pin_dir pd;
	int fd, rc;

	if ((rc = pin_dir_open(&pd, dir, false))) {
		if (rc == -ENOENT)
			nw_err("no controller running (no pin dir %s)", dir);
		return rc == -ENOENT ? 3 : 1;
	}
	rc = pin_read_stats(&pd, &st, err, sizeof(err)) || !pin_dir_busy(&pd);
	pin_dir_close(&pd);
	if (rc) {
		nw_err("no controller running in %s", dir);
		return 3;
	}
	/* the policy's controller among those status lists (run's is "", the daemon's "default") */
	for (; n < NW_AUTO_POL && st.ctl.autow_pol[n].a.state; n++) {
		const char *name = st.ctl.autow_pol[n].policy;

		found |= policy ? !strncmp(name, policy, sizeof(st.ctl.autow_pol[n].policy)) :
				  !name[0] || !strcmp(name, "default");
	}
	snprintf(who, sizeof(who), "%s%s", policy ? "policy " : "", policy ? policy : "");
	if (!found && n < NW_AUTO_POL) {	/* all of them listed: it is not one */
		nw_err("the controller (pid %llu) does not set %s%sweights from bandwidth: start it "
		       "with --weights auto[:SENSOR], or give the policy auto_weights",
		       (unsigned long long)st.ctl.pid, policy ? who : "its", policy ? "'s " : " ");
		return 2;
	}
	if (policy)
		snprintf(path, sizeof(path), NW_AUTO_RESUME ".%llu.%s",
			 (unsigned long long)st.ctl.pid, policy);
	else
		snprintf(path, sizeof(path), NW_AUTO_RESUME ".%llu", (unsigned long long)st.ctl.pid);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		nw_err("cannot create %s: %s", path, strerror(errno));
		return 1;
	}
	close(fd);
	printf("bandwidth controller of %s%spid %llu resumes within an interval\n", who,
	       policy ? ", " : "", (unsigned long long)st.ctl.pid);
	return 0;
}

/*
 * --to-kernel: the pinned table into the kernel's, nodes with weight 0 left
 * out and said. Writing a node's weight takes the kernel's table out of auto
 * mode (6.16+: weights from the firmware's bandwidth figures), and without
 * HMAT data the kernel refuses to go back (ENODEV): refused unless --force,
 * and said before anything is written (issue 28: said only after).
 */
static int to_kernel(const uint32_t *w, bool force)
{
	bool was_auto = kernel_weights_auto();
	char err[256], buf[512];
	int n;

	if (weights_zero(w)) {
		nw_err("the pinned weights are all 0: nothing to write (the kernel refuses 0)");
		return 2;
	}
	if (was_auto && !force) {
		nw_err("the kernel's weighted_interleave table is in auto mode: writing it leaves "
		       "auto mode, and on a machine without HMAT bandwidth data the kernel refuses "
		       "to go back (ENODEV). Nothing written; give --force to write anyway");
		return 2;
	}
	if (was_auto)
		nw_warn("leaving the kernel's auto mode (to go back: echo true > "
			"/sys/kernel/mm/mempolicy/weighted_interleave/auto, refused without HMAT "
			"data)");
	n = kernel_weights_write(w, err, sizeof(err));
	if (n < 0) {
		nw_err("%s", err);
		return n == -ERANGE ? 2 : 1;
	}
	for (int i = 0; i < NW_MAX_NODES; i++)
		if (!w[i] && node_has_memory(i))
			nw_warn("node %d has weight 0: left out (the kernel refuses 0; its own value "
				"stays)", i);
	format_weights(w, buf, sizeof(buf));
	printf("kernel weighted_interleave %s written (%d node%s)%s\n", buf, n, n == 1 ? "" : "s",
	       was_auto ? "; the kernel left auto mode" : "");
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
	if ((po.from_kernel || po.to_kernel) && (argc || (po.from_kernel && po.to_kernel)))
		return cmd_bad("weights", "--from-kernel, --to-kernel and SPEC: give one");
	if (po.force && !po.to_kernel)
		return cmd_bad("weights", "--force goes with --to-kernel only");
	if (po.from_kernel) {
		static char *kernel[] = { "kernel" };

		argv = kernel;
		argc = 1;
	}
	if (argc == 1 && !strcmp(argv[0], "auto"))
		return resume_auto(dir, po.policy);
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
	if (!rc && po.to_kernel)
		return to_kernel(w, po.force);
	if (rc) {
		nw_err("cannot %s the weights of %s%s in %s: %s", argc ? "update" : "read",
		       po.policy ? "policy " : "the default policy", po.policy ? po.policy : "", dir,
		       strerror(-rc));
		return 1;
	}
	format_weights(w, buf, sizeof(buf));
	if (po.from_kernel)
		printf("weights %s (from /sys/kernel/mm/mempolicy/weighted_interleave%s)\n", buf,
		       kernel_weights_auto() ? ", auto mode" : "");
	else
		printf(argc ? "weights %s\n" : "%s\n", buf);
	return 0;
}
