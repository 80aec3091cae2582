// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c — `status` and `weights`. Both read the pinned maps only, so they
 * work in another shell while `run` runs, and `weights` writes the same bytes
 * that `bpftool map update` would.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "engine.h"
#include "loader.h"
#include "log.h"
#include "parse.h"
#include "placement.h"
#include "stats.h"

static const char *reason_name[NW_FAIL_MAX] = {
	"ebusy", "eacces", "enomem", "efault", "enoent", "eio", "other",
};

static int open_weights(const char *dir)
{
	char err[512];
	int fd = pin_open_map(dir, "weights", BPF_MAP_TYPE_ARRAY, 4, 4, NW_MAX_NODES, err,
			      sizeof(err));

	if (fd == -ENOENT)
		nw_err("no weights pinned in %s: start `numaweave run` with --weights first", dir);
	else if (fd == -EPERM || fd == -EACCES)
		nw_err("cannot open %s/weights: %s (root only: the pin dir is mode 0700)", dir,
		       strerror(-fd));
	else if (fd < 0)
		nw_err("%s", err);
	return fd;
}

int cmd_weights(const char *dir, int argc, char **argv)
{
	uint32_t w[NW_MAX_NODES];
	char buf[512], err[NW_ERRLEN];
	int fd, rc, bad;

	if (argc) {
		/* "0:1 1:3" and "0:1,1:3" are the same table */
		buf[0] = 0;
		for (int i = 0; i < argc; i++) {
			if (strlen(buf) + strlen(argv[i]) + 2 > sizeof(buf)) {
				nw_err("weights too long");
				return 2;
			}
			if (i)
				strcat(buf, ",");
			strcat(buf, argv[i]);
		}
		if (parse_weights(buf, w, err)) {
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
	}
	fd = open_weights(dir);
	if (fd < 0)
		return 1;
	if (argc) {
		rc = weights_write(fd, w);
		close(fd);
		if (rc) {
			nw_err("cannot update %s/weights: %s", dir, strerror(-rc));
			return 1;
		}
		format_weights(w, buf, sizeof(buf));
		printf("weights %s\n", buf);
		return 0;
	}
	rc = weights_read(fd, w);
	close(fd);
	if (rc) {
		nw_err("cannot read %s/weights: %s", dir, strerror(-rc));
		return 1;
	}
	format_weights(w, buf, sizeof(buf));
	printf("%s\n", buf);
	return 0;
}

static bool pid_alive(uint64_t pid)
{
	return pid && !(kill((pid_t)pid, 0) && errno == ESRCH);
}

int cmd_status(const char *dir, bool json)
{
	struct nw_stats s;
	uint32_t w[NW_MAX_NODES], zero = 0, key, next;
	char path[PATH_MAX], wbuf[512], fbuf[512];
	int sfd, tfd, wfd;
	bool first;

	snprintf(path, sizeof(path), "%s/stats", dir);
	sfd = bpf_obj_get(path);
	if (sfd < 0) {
		if (errno == ENOENT)
			nw_err("no controller running (no %s)", path);
		else
			nw_err("cannot open %s: %s", path, strerror(errno));
		return 1;
	}
	if (bpf_map_lookup_elem(sfd, &zero, &s)) {
		nw_err("cannot read %s: %s (map of another layout?)", path, strerror(errno));
		close(sfd);
		return 1;
	}
	close(sfd);
	wfd = open_weights(dir);
	if (wfd < 0 || weights_read(wfd, w))
		memset(w, 0, sizeof(w));
	if (wfd >= 0)
		close(wfd);
	snprintf(path, sizeof(path), "%s/targets", dir);
	tfd = bpf_obj_get(path);
	format_weights(s.ctl.weights, wbuf, sizeof(wbuf));
	format_weights(w, fbuf, sizeof(fbuf));

	if (json) {
		printf("{\"controller_pid\": %llu, \"running\": %s, \"weights\": \"%s\", "
		       "\"weights_map\": \"%s\", \"weights_pending\": %s, \"weights_rejected\": %s, "
		       "\"passes\": %llu, \"pages_scanned\": %llu, \"pages_misplaced\": %llu, "
		       "\"pages_moved\": %llu, \"pages_failed\": %llu, \"bytes_moved\": %llu, "
		       "\"removes\": %llu, \"contested\": %llu, \"quota_bytes_per_s\": %llu, \"quota_deferred\": %llu, "
		       "\"events\": %llu, \"drops\": %llu, \"first_touch\": %llu, \"repeat\": %llu, "
		       "\"hint\": %llu, \"kernel_moves\": %llu, \"forks\": %llu, \"exits\": %llu, "
		       "\"targets_exited\": %llu, \"failed\": {",
		       (unsigned long long)s.ctl.pid, pid_alive(s.ctl.pid) ? "true" : "false", wbuf,
		       fbuf, s.ctl.weights_pending ? "true" : "false",
		       s.ctl.weights_rejected ? "true" : "false", (unsigned long long)s.ctl.passes,
		       (unsigned long long)s.ctl.pages_scanned,
		       (unsigned long long)s.ctl.pages_misplaced,
		       (unsigned long long)s.ctl.pages_moved, (unsigned long long)s.ctl.pages_failed,
		       (unsigned long long)s.ctl.bytes_moved, (unsigned long long)s.ctl.removes,
		       (unsigned long long)s.ctl.contested, (unsigned long long)s.ctl.quota_bytes,
		       (unsigned long long)s.ctl.quota_deferred, (unsigned long long)s.bpf.events,
		       (unsigned long long)s.bpf.drops, (unsigned long long)s.bpf.first_touch,
		       (unsigned long long)s.bpf.repeat, (unsigned long long)s.bpf.hint,
		       (unsigned long long)s.bpf.kernel_moves, (unsigned long long)s.bpf.forks,
		       (unsigned long long)s.bpf.exits, (unsigned long long)s.ctl.targets_exited);
		for (int i = 0; i < NW_FAIL_MAX; i++)
			printf("%s\"%s\": %llu", i ? ", " : "", reason_name[i],
			       (unsigned long long)s.ctl.failed[i]);
		printf("}, \"per_node\": {");
		first = true;
		for (int n = 0; n < NW_MAX_NODES; n++) {
			if (!s.ctl.pages_on[n] && !s.ctl.moved_to[n] && !s.ctl.weights[n])
				continue;
			printf("%s\"%d\": {\"pages\": %llu, \"moved_to\": %llu}", first ? "" : ", ", n,
			       (unsigned long long)s.ctl.pages_on[n],
			       (unsigned long long)s.ctl.moved_to[n]);
			first = false;
		}
		printf("}, \"target_pages\": [");
		for (int i = 0; i < NW_TPAGES && s.ctl.tpages[i].pid; i++) {
			printf("%s{\"pid\": %u, \"exited\": %s, \"per_node\": {", i ? ", " : "",
			       s.ctl.tpages[i].pid, s.ctl.tpages[i].gone ? "true" : "false");
			first = true;
			for (int n = 0; n < NW_MAX_NODES; n++) {
				if (!s.ctl.tpages[i].pages[n] && !s.ctl.weights[n])
					continue;
				printf("%s\"%d\": %llu", first ? "" : ", ", n,
				       (unsigned long long)s.ctl.tpages[i].pages[n]);
				first = false;
			}
			printf("}}");
		}
		printf("], \"hottest\": [");
		for (int i = 0; i < NW_HOT && s.ctl.hot[i].score_x100; i++)
			printf("%s{\"pid\": %u, \"addr\": %llu, \"score\": %.2f, \"events\": %u}",
			       i ? ", " : "", s.ctl.hot[i].tgid, (unsigned long long)s.ctl.hot[i].addr,
			       s.ctl.hot[i].score_x100 / 100.0, s.ctl.hot[i].events);
		printf("], \"targets\": [");
		first = true;
		if (tfd >= 0 && !bpf_map_get_next_key(tfd, NULL, &key)) {
			do {
				struct nw_target t;

				if (bpf_map_lookup_elem(tfd, &key, &t))
					continue;
				printf("%s{\"pid\": %u, \"parent\": %u, \"faults\": %llu}",
				       first ? "" : ", ", key, t.parent, (unsigned long long)t.faults);
				first = false;
			} while (!bpf_map_get_next_key(tfd, &key, &next) && (key = next, 1));
		}
		printf("]}\n");
		if (tfd >= 0)
			close(tfd);
		return 0;
	}

	printf("controller   pid %llu (%s)\n", (unsigned long long)s.ctl.pid,
	       pid_alive(s.ctl.pid) ? "running" : "not running");
	printf("weights      %s in force (generation %llu)%s\n", wbuf,
	       (unsigned long long)s.ctl.weights_gen,
	       s.ctl.weights_pending ? ", change pending" : "");
	if (s.ctl.weights_rejected)
		printf("             map holds %s: REFUSED (node %llu)\n", fbuf,
		       (unsigned long long)s.ctl.weights_bad_node);
	printf("passes       %llu   scanned %llu pages, misplaced now %llu\n",
	       (unsigned long long)s.ctl.passes, (unsigned long long)s.ctl.pages_scanned,
	       (unsigned long long)s.ctl.pages_misplaced);
	printf("moved        %llu pages (%.1f MiB), failed %llu\n",
	       (unsigned long long)s.ctl.pages_moved, s.ctl.bytes_moved / 1048576.0,
	       (unsigned long long)s.ctl.pages_failed);
	printf("failed by    ");
	for (int i = 0; i < NW_FAIL_MAX; i++)
		printf("%s %llu%s", reason_name[i], (unsigned long long)s.ctl.failed[i],
		       i + 1 < NW_FAIL_MAX ? ", " : "\n");
	if (s.ctl.quota_bytes)
		printf("quota        %.1f MiB/s, %llu folios deferred\n",
		       s.ctl.quota_bytes / 1048576.0, (unsigned long long)s.ctl.quota_deferred);
	else
		printf("quota        unlimited\n");
	printf("events       %llu (first touch %llu, repeat %llu, hint %llu, write %llu), "
	       "drops %llu, wakeups %llu\n",
	       (unsigned long long)s.bpf.events, (unsigned long long)s.bpf.first_touch,
	       (unsigned long long)s.bpf.repeat, (unsigned long long)s.bpf.hint,
	       (unsigned long long)s.bpf.prot, (unsigned long long)s.bpf.drops,
	       (unsigned long long)s.bpf.wakeups);
	printf("kernel       %llu NUMA-balancing migrations seen, %llu pages moved back after "
	       "placing, %llu regions left to it\n",
	       (unsigned long long)s.bpf.kernel_moves, (unsigned long long)s.ctl.removes,
	       (unsigned long long)s.ctl.contested);
	if (!(s.ctl.numa_balancing >> 63))
		printf("             kernel.numa_balancing off while running (was %llu)\n",
		       (unsigned long long)s.ctl.numa_balancing);
	printf("%-6s %12s %12s\n", "node", "pages", "moved to");
	for (int n = 0; n < NW_MAX_NODES; n++) {
		if (!s.ctl.pages_on[n] && !s.ctl.moved_to[n] && !s.ctl.weights[n])
			continue;
		printf("%-6d %12llu %12llu\n", n, (unsigned long long)s.ctl.pages_on[n],
		       (unsigned long long)s.ctl.moved_to[n]);
	}
	for (int i = 0; i < NW_TPAGES && s.ctl.tpages[i].pid; i++) {
		const struct nw_tpages *tp = &s.ctl.tpages[i];

		printf("target %-7u", tp->pid);
		for (int n = 0; n < NW_MAX_NODES; n++)
			if (tp->pages[n] || s.ctl.weights[n])
				printf(" n%d=%llu", n, (unsigned long long)tp->pages[n]);
		printf("%s\n", tp->gone ? " (exited)" : "");
	}
	if (s.ctl.hot[0].score_x100) {
		printf("hottest      (pid, 2 MiB region, decayed events, events last interval)\n");
		for (int i = 0; i < NW_HOT && s.ctl.hot[i].score_x100; i++)
			printf("             %u %#llx %.2f %u\n", s.ctl.hot[i].tgid,
			       (unsigned long long)s.ctl.hot[i].addr, s.ctl.hot[i].score_x100 / 100.0,
			       s.ctl.hot[i].events);
	}
	printf("targets     ");
	first = true;
	if (tfd >= 0 && !bpf_map_get_next_key(tfd, NULL, &key)) {
		do {
			printf(" %u", key);
			first = false;
		} while (!bpf_map_get_next_key(tfd, &key, &next) && (key = next, 1));
	}
	printf("%s\n", first ? " (none)" : "");
	printf("exited       %llu targets, %llu forks followed\n",
	       (unsigned long long)s.ctl.targets_exited, (unsigned long long)s.bpf.forks);
	if (tfd >= 0)
		close(tfd);
	return 0;
}
