// SPDX-License-Identifier: GPL-2.0
/* targets.c — the target registry and the `-- CMD` child. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "procfs.h"
#include "targets.h"
#include "vec.h"

struct target *targets_find(struct target_set *s, int pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i]->pid == pid && !s->t[i]->gone)
			return s->t[i];
	return NULL;
}

static unsigned long long start_time(int pid)
{
	struct proc_stat st;

	return procfs_stat(pid, &st) ? 0 : st.starttime;
}

int targets_add(struct target_set *s, int pid, uint32_t parent, bool children, bool *reused)
{
	struct nw_target v = { .flags = children ? NW_TARGET_CHILDREN : 0, .parent = parent };
	unsigned long long start = start_time(pid);
	uint32_t key = pid;
	struct target *t = targets_find(s, pid);
	int rc;

	if (reused)
		*reused = false;
	if (t && (!start || !t->start || t->start == start))
		return 0;
	if (t) {
		/* the pid was reused: the old process's state must not carry over */
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
		nw_err("cannot add pid %d to targets: %s", pid, strerror(errno));
		t->gone = true;
		if (s->t[s->n - 1] == t && !t->pid) {	/* a new entry: nothing is kept */
			free(t);
			s->n--;
		}
		return rc;
	}
	t->pid = pid;
	t->start = start;
	t->need_full = true;
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
	return freed;
}

bool targets_remove(struct target_set *s, struct target *t)
{
	uint32_t key = t->pid;

	if (t->gone)
		return false;
	t->gone = true;
	bpf_map_delete_elem(s->map_fd, &key);
	vma_list_free(&t->vmas);
	return true;
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
		vma_list_free(&s->t[i]->vmas);
		free(s->t[i]);
	}
	free(s->t);
	s->t = NULL;
	s->n = s->cap = 0;
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

int child_finish(struct child *c, int sig)
{
	int st;

	if (c->pid <= 0)
		return 0;
	if (!c->done) {
		if (sig)
			kill(c->pid, sig);
		if (waitpid(c->pid, &st, 0) == c->pid)
			c->status = wait_status(st);
		c->done = true;
	}
	return c->status;
}
