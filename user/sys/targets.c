// SPDX-License-Identifier: GPL-2.0
/* targets.c — the target registry and the `-- CMD` child. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "procfs.h"
#include "targets.h"
#include "vec.h"

static size_t pid_slot(int pid, size_t cap)
{
	return ((uint32_t)pid * 2654435761u) & (cap - 1);
}

static void idx_put(struct target **idx, size_t cap, struct target *t)
{
	size_t i = pid_slot(t->pid, cap);

	while (idx[i])
		i = (i + 1) & (cap - 1);
	idx[i] = t;
}

static void idx_drop(struct target_set *s)
{
	free(s->idx);
	s->idx = NULL;
	s->icap = s->iused = 0;
}

/*
 * The index made again from t[] (after a reap, or to grow it). Without memory
 * it is dropped: never left holding entries t[] no longer has, and targets
 * are found by a walk until the next rebuild.
 */
static void idx_rebuild(struct target_set *s, size_t want)
{
	size_t cap = 64;
	struct target **idx;

	while (cap < 2 * want)
		cap *= 2;
	if (!(idx = calloc(cap, sizeof(*idx)))) {
		idx_drop(s);
		return;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i]->pid)
			idx_put(idx, cap, s->t[i]);
	free(s->idx);
	s->idx = idx;
	s->icap = cap;
	s->iused = s->n;
}

/* t (its pid set) in the index (or the index dropped, without memory). */
static void idx_add(struct target_set *s, struct target *t)
{
	if (s->idx && 2 * (s->iused + 1) <= s->icap) {
		idx_put(s->idx, s->icap, t);
		s->iused++;
		return;
	}
	idx_rebuild(s, s->n + 1);
}

struct target *targets_find(struct target_set *s, int pid)
{
	if (!s->idx) {
		for (size_t i = 0; i < s->n; i++)
			if (s->t[i]->pid == pid && !s->t[i]->gone)
				return s->t[i];
		return NULL;
	}
	for (size_t i = pid_slot(pid, s->icap); s->idx[i]; i = (i + 1) & (s->icap - 1))
		if (s->idx[i]->pid == pid && !s->idx[i]->gone)
			return s->idx[i];
	return NULL;
}

static unsigned long long start_time(int pid)
{
	struct proc_stat st;

	return procfs_stat(pid, &st) ? 0 : st.starttime;
}

/*
 * Claims: one controller per process, machine-wide, whatever pin dir each
 * uses. CLAIMS/PID-START is a symlink whose target names the controller
 * (CPID-CSTART): symlink(2) creates it with its content in one step, so two
 * controllers racing for a process cannot both win. A claim of a controller
 * that is gone (killed, crashed) is taken over.
 */
#define CLAIMS "/run/numaweave/claims"

static const char *me(void)
{
	static char buf[48];

	if (!buf[0])
		snprintf(buf, sizeof(buf), "%d-%llu", (int)getpid(), start_time(getpid()));
	return buf;
}

/*
 * Remove the claim at path if it is still the dead controller's (held). Two
 * controllers may find the same stale claim at once: unlinking by name, the
 * slower one removed the claim the faster had just made, and both held the
 * process (issue 29). So the link is first moved to a name of our own, and
 * put back if it turns out to be a live claim made meanwhile.
 */
static void take_over(const char *path, const char *held)
{
	char mine[128], now[64];
	ssize_t n;

	snprintf(mine, sizeof(mine), "%s.taken-%s", path, me());
	if (rename(path, mine))
		return;	/* gone meanwhile */
	n = readlink(mine, now, sizeof(now) - 1);
	if (n >= 0) {
		now[n] = 0;
		if (strcmp(now, held) && renameat2(AT_FDCWD, mine, AT_FDCWD, path,
						   RENAME_NOREPLACE) == 0)
			return;	/* a live claim: back where it was */
	}
	unlink(mine);
}

/* 0 (ours now, or claims cannot be kept here), or the pid of the live controller holding it. */
static int claim_take(int pid, unsigned long long start)
{
	static bool said;
	char path[96], held[64];

	snprintf(path, sizeof(path), CLAIMS "/%d-%llu", pid, start);
	for (int tries = 0; tries < 3; tries++) {
		unsigned long long cstart;
		ssize_t n;
		int cpid;

		if (!symlink(me(), path))
			return 0;
		if (errno == ENOENT && !tries) {
			mkdir("/run/numaweave", 0700);
			mkdir(CLAIMS, 0700);
			continue;
		}
		if (errno != EEXIST)
			break;
		n = readlink(path, held, sizeof(held) - 1);
		if (n < 0)
			continue;	/* removed meanwhile */
		held[n] = 0;
		if (!strcmp(held, me()))
			return 0;
		if (sscanf(held, "%d-%llu", &cpid, &cstart) == 2 && !proc_gone(cpid, cstart))
			return cpid;
		take_over(path, held);	/* its controller is gone */
	}
	if (!said)
		nw_warn("cannot keep claims in %s (%s): another controller on the same processes "
			"would not be noticed", CLAIMS, strerror(errno));
	said = true;
	return 0;
}

void claims_sweep(void)
{
	DIR *d = opendir(CLAIMS);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long long start, cstart;
		char path[96], held[64];
		int pid, cpid;
		ssize_t n;

		if (sscanf(de->d_name, "%d-%llu", &pid, &start) != 2)
			continue;
		snprintf(path, sizeof(path), CLAIMS "/%s", de->d_name);
		n = readlink(path, held, sizeof(held) - 1);
		if (n < 0)
			continue;
		held[n] = 0;
		/* its controller or its process is gone: nobody holds it */
		if (sscanf(held, "%d-%llu", &cpid, &cstart) != 2 || proc_gone(cpid, cstart) ||
		    proc_gone(pid, start))
			take_over(path, held);	/* not one a live controller made meanwhile */
	}
	closedir(d);
}

static void claim_drop(int pid, unsigned long long start)
{
	char path[96], held[64];
	ssize_t n;

	snprintf(path, sizeof(path), CLAIMS "/%d-%llu", pid, start);
	n = readlink(path, held, sizeof(held) - 1);
	if (n < 0)
		return;
	held[n] = 0;
	if (!strcmp(held, me()))
		unlink(path);
}

/* The targets map refused pid (rc): said, and counted when it is full. */
static void map_add_failed(struct target_set *s, int pid, int rc)
{
	if (rc != -E2BIG)
		nw_err("cannot add pid %d to targets: %s", pid, strerror(-rc));
	else if (!s->full_said)	/* once, not once a process and a poll */
		nw_err("the targets map is full (%u processes): pid %d and any more are not "
		       "placed (counted in status as targets_refused; --max-targets raises it)",
		       s->max, pid);
	if (rc == -E2BIG) {
		s->full_said = true;
		s->refused_now++;
	}
}

int targets_add(struct target_set *s, int pid, uint32_t parent, bool children, bool *reused)
{
	struct nw_target v = { .flags = children ? NW_TARGET_CHILDREN : 0, .parent = parent };
	unsigned long long start = start_time(pid);
	uint32_t key = pid;
	struct target *t = targets_find(s, pid);
	bool indexed = t != NULL;	/* in s->idx already (under this pid) */
	int rc;

	if (reused)
		*reused = false;
	if (!start)	/* gone already (a child that exited before its fork record was read):
			   kept with start 0 it would match any later process of its pid */
		return -ESRCH;
	if (t && (!t->start || t->start == start))
		return 0;
	if (!s->no_claims && (rc = claim_take(pid, start))) {
		bool said = false;

		/* said once per process, not at every reading of its source (issue 29) */
		for (int i = 0; i < NW_HELD_SAID && !said; i++)
			said = s->held_said[i].pid == pid && s->held_said[i].start == start;
		if (!said) {
			s->held_said[s->held_next].pid = pid;
			s->held_said[s->held_next].start = start;
			s->held_next = (s->held_next + 1) % NW_HELD_SAID;
		}
		if (said)
			nw_debug("pid %d is still placed by numaweave pid %d", pid, rc);
		else if (parent)	/* a fork storm says it once, at -v */
			nw_info("child %d of %d is placed by numaweave pid %d: left to it", pid,
				parent, rc);
		else
			nw_err("pid %d is already placed by another numaweave controller (pid %d): "
			       "two would fight over its pages; stop that one or leave this pid out",
			       pid, rc);
		return -EBUSY;
	}
	if (t) {
		/* the pid was reused: the old process's state must not carry over */
		claim_drop(t->pid, t->start);
		vma_list_free(&t->vmas);
		memset(t, 0, sizeof(*t));
		if (reused)
			*reused = true;
	} else {
		if ((rc = vec_reserve(&s->t, &s->cap, s->n + 1, sizeof(*s->t), 16)))
			return rc;
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		s->t[s->n++] = t;
	}
	if (bpf_map_update_elem(s->map_fd, &key, &v, BPF_ANY)) {
		rc = -errno;
		claim_drop(pid, start);
		map_add_failed(s, pid, rc);
		t->gone = true;
		if (s->t[s->n - 1] == t && !t->pid) {	/* a new entry: nothing is kept */
			free(t);
			s->n--;
			if (indexed)
				idx_rebuild(s, s->n);
		}
		return rc;
	}
	t->pid = pid;
	t->start = start;
	t->need_full = true;
	s->full_said = false;
	if (!indexed)
		idx_add(s, t);	/* a reused entry is there under the same pid */
	return 0;
}

bool target_exited(const struct target *t)
{
	return proc_gone(t->pid, t->start);
}

size_t targets_reap(struct target_set *s)
{
	size_t k = 0, freed = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->t[i]->gone) {
			vma_list_free(&s->t[i]->vmas);
			free(s->t[i]);
			freed++;
			continue;
		}
		s->t[k++] = s->t[i];
	}
	s->n = k;
	if (freed)
		idx_rebuild(s, s->n);	/* the freed are in it: never leave them */
	return freed;
}

bool targets_remove(struct target_set *s, struct target *t)
{
	uint32_t key = t->pid;

	if (t->gone)
		return false;
	t->gone = true;
	claim_drop(t->pid, t->start);
	bpf_map_delete_elem(s->map_fd, &key);
	vma_list_free(&t->vmas);
	return true;
}

bool targets_any_alive(const struct target_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->t[i]->gone)
			return true;
	return false;
}

int targets_alive(const struct target_set *s)
{
	int n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += !s->t[i]->gone;
	return n;
}

void targets_free(struct target_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!s->t[i]->gone)
			claim_drop(s->t[i]->pid, s->t[i]->start);
		vma_list_free(&s->t[i]->vmas);
		free(s->t[i]);
	}
	free(s->t);
	s->t = NULL;
	s->n = s->cap = 0;
	idx_drop(s);
}

static int wait_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int child_start(struct child *c, char **cmd, struct target_set *s, bool children)
{
	int pfd[2], rc;
	char go = 1;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	if (!pid) {
		close(pfd[1]);
		/* wait until the parent has made us a target */
		if (read(pfd[0], &go, 1) != 1)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (c->out_to_err && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(cmd[0], cmd);
		fprintf(stderr, "numaweave: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	c->pid = pid;
	c->done = false;
	if ((rc = targets_add(s, pid, 0, children, NULL))) {
		close(pfd[1]);	/* the child reads EOF and exits 127 */
		child_finish(c, 0);
		return rc;
	}
	if (write(pfd[1], &go, 1) != 1)
		nw_warn("cannot start %s: %s", cmd[0], strerror(errno));
	close(pfd[1]);
	return 0;
}

bool child_reap(struct child *c)
{
	int st;

	if (c->pid <= 0 || c->done)
		return false;
	if (waitpid(c->pid, &st, WNOHANG) != c->pid)
		return false;
	c->done = true;
	c->status = wait_status(st);
	return true;
}

#define CHILD_GRACE_MS 5000

int child_finish(struct child *c, int sig)
{
	int st;

	if (c->pid <= 0)
		return 0;
	if (!c->done) {
		bool killed = false;

		if (sig)
			kill(c->pid, sig);
		/* a child that ignores the signal is killed after CHILD_GRACE_MS */
		for (int ms = 0;; ms += 20) {
			pid_t r = waitpid(c->pid, &st, sig ? WNOHANG : 0);

			if (r == c->pid) {
				c->status = wait_status(st);
				break;
			}
			if (r < 0)
				break;
			if (ms >= CHILD_GRACE_MS && !killed) {
				nw_warn("%d did not end within %d s of signal %d: killed", c->pid,
					CHILD_GRACE_MS / 1000, sig);
				kill(c->pid, SIGKILL);
				killed = true;
			}
			usleep(20000);
		}
		c->done = true;
	}
	return c->status;
}
