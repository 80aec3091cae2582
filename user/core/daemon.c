// SPDX-License-Identifier: GPL-2.0
/*
 * daemon.c — the policy files of `numaweave daemon`.
 *
 * Each NAME.yaml in the config dir is one policy: damo's YAML (dests give
 * the weights; action, quota, access pattern and filters as `run --config`
 * reads them) whose targets name pids, pid files (`pid_file: PATH`) or cgroup
 * v2 directories (`cgroup: PATH`). Its weights live in the pinned map
 * policies/NAME/weights (default.yaml: the documented `weights`), so bpftool
 * edits stay the live interface. On SIGHUP the directory is read again: a new
 * file starts a policy, a changed one is put in force (its weights written
 * only when the file's own weights changed, so a bpftool edit survives a
 * reload that did not touch them), a removed one lets go of its targets and
 * unpins its map. A file that does not load is said, and the version loaded
 * before keeps running.
 *
 * The config dir and its files name processes for root to act on, so they
 * are held to the pin dir's rule: owned by root (or the running uid), not
 * writable by group or others, no symlinks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "core.h"
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "safeio.h"
#include "sensors.h"
#include "sources.h"
#include "vec.h"

#define DEFAULT_POLICY "default"


/* Owned by root or us, not writable by group or others. */
static int trusted(const struct stat *st, const char *what, const char *path)
{
	if (st->st_uid && st->st_uid != geteuid()) {
		nw_err("%s %s is owned by uid %u: refused (root's or ours only)", what, path,
		       st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & 022) {
		nw_err("%s %s is writable by group or others: refused (chmod go-w)", what, path);
		return -EPERM;
	}
	return 0;
}

static struct pol *find_pol(struct engine *e, const char *name)
{
	for (int i = 0; i < e->npols; i++)
		if (!strcmp(e->pols[i]->name, name))
			return e->pols[i];
	return NULL;
}

static char warn_where[NW_POLICY_NAME_MAX + PATH_MAX + 16];	/* "policy NAME: FILE" */

/* A config warning names the policy and its file (issue 28: neither) */
static void warn_cfg(const char *msg)
{
	nw_warn("%s: %s", warn_where, msg);
}

/* The file as a config; 0, or -errno with the reason said. */
static int load_file(struct engine *e, int dfd, const char *file, const char *name,
		     struct nw_config *c, struct stat *st)
{
	char path[PATH_MAX], err[1024], *buf;
	size_t len;
	int fd, rc;

	/*
	 * The inode checked is the one read (issue 29: a file checked by path,
	 * then swapped for a link to a world-writable file, was loaded): opened
	 * once, without following a link, checked and read through the fd.
	 */
	snprintf(path, sizeof(path), "%s/%s", e->o->config_dir, file);
	fd = safe_open_file(dfd, file, SAFE_NOFOLLOW, st, err, sizeof(err));
	if (fd < 0) {
		nw_err("policy %s: %s/%s", name, e->o->config_dir, err);
		return fd;
	}
	if (trusted(st, "policy file", path)) {
		close(fd);
		return -EPERM;
	}
	rc = safe_read_fd(fd, path, CONFIG_MAX_BYTES, &buf, &len, err, sizeof(err));
	close(fd);
	config_defaults(c);
	if (!rc) {
		snprintf(warn_where, sizeof(warn_where), "policy %s: %s", name, path);
		rc = config_load_yaml_buf(buf, len, c, warn_cfg, err, sizeof(err));
		free(buf);
	}
	if (rc || config_check(c, err, sizeof(err))) {
		nw_err("policy %s: bad %s: %s", name, path, err);
		return -EINVAL;
	}
	c->children = true;	/* a job's forked workers are placed by its policy */
	c->interval_us = e->o->cfg.interval_us;	/* one clock for the daemon */
	return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Let go of p's targets (all, or those not named any more by its pids list). */
static int let_go(struct engine *e, struct pol *p, bool all)
{
	int n = 0;

	for (size_t i = 0; i < e->ts.n; i++) {
		struct target *t = e->ts.t[i];
		bool named = false;

		if (t->gone || t->pol != p || (!all && !t->from_src))
			continue;
		for (int k = 0; !all && k < p->cfg.nr_pids && !named; k++)
			named = p->cfg.pids[k] == t->pid;
		if (named || (!all && p->cfg.nr_src))
			continue;	/* sources: pol_sources_refresh decides */
		n += engine_let_go(e, t);
	}
	return n;
}

/* A new policy's weights map and table; 0, or not with the reason said. */
static int pol_open(struct engine *e, struct pol *p, const char *path)
{
	bool created = false;
	char hint[PATH_MAX + 64];

	if (!strcmp(p->name, DEFAULT_POLICY)) {
		p->weights_fd = e->ld.weights_fd;
	} else {
		p->weights_fd = loader_policy_map(&e->ld, p->name, &created);
		if (p->weights_fd < 0)
			return p->weights_fd;
		p->own_fd = true;
	}
	snprintf(hint, sizeof(hint), "%s has no dests and none are pinned", path);
	if (!pol_weights_init(e, p, hint) && !pol_auto_init(e, p))
		return 0;
	if (created)
		loader_policy_unpin(&e->ld, p->name);
	return -EINVAL;
}

static void pol_remove(struct engine *e, int i)
{
	struct pol *p = e->pols[i];
	int n = let_go(e, p, true);

	nw_info("policy %s removed: %d target(s) let go", p->name, n);
	if (p->own_fd)
		loader_policy_unpin(&e->ld, p->name);
	pol_free(p);
	memmove(&e->pols[i], &e->pols[i + 1], (e->npols - i - 1) * sizeof(e->pols[0]));
	e->npols--;	/* status shows the next one's table from the next pass on */
}

/* The weights the file gives (0s: none), to tell a change of them at a reload. */
static void file_weights(struct pol *p, const struct nw_config *c)
{
	if (c->have_weights)
		memcpy(p->file_w, c->weights, sizeof(p->file_w));
	else
		memset(p->file_w, 0, sizeof(p->file_w));
}

/*
 * Follow the pids a policy file lists. One that does not exist or may not be
 * followed is said at the default verbosity, naming the file (issue 28: never
 * reported); one another controller holds is tried again each read.
 */
static void follow_listed(struct engine *e, struct pol *p)
{
	memset(p->pid_held, 0, sizeof(p->pid_held));
	for (int k = 0; k < p->cfg.nr_pids; k++) {
		int pid = p->cfg.pids[k];
		struct target *t = targets_find(&e->ts, pid);
		char err[NW_ERRLEN];

		if (t && t->pol == p)
			continue;	/* followed already (a reload) */
		if (target_pid_check(pid, err, sizeof(err))) {
			nw_warn("%s%s: %s", p->label, p->file, err);
			continue;
		}
		p->pid_held[k] = engine_follow(e, p, pid, true) == -EBUSY;
	}
}

/* A changed file of a running policy: the new settings; the weights only if the file's changed. */
static void pol_reload(struct engine *e, struct pol *p, const struct nw_config *c,
		       const struct stat *st, const char *path)
{
	bool new_w = !c->auto_spec[0] && c->have_weights &&
		     memcmp(c->weights, p->file_w, sizeof(p->file_w)) != 0;
	char err[256];
	int bad;

	if (new_w && weights_validate(c->weights, err, sizeof(err), &bad)) {
		nw_err("policy %s: weights refused: %s; keeping the version loaded before",
		       p->name, err);
		return;
	}
	p->cfg = *c;
	p->st = *st;
	memset(p->src_err, 0, sizeof(p->src_err));
	memset(p->src_seen, 0, sizeof(p->src_seen));
	file_weights(p, c);
	if (new_w && !weights_write(p->weights_fd, c->weights)) {
		memcpy(p->ws.read, c->weights, sizeof(p->ws.read));
		pol_weights_apply(e, p, c->weights);
	}
	let_go(e, p, false);
	follow_listed(e, p);
	nw_info("policy %s reloaded from %s", p->name, path);
}

/* Load (or reload) one file. true if the policy runs (old or new version). */
static bool pol_load(struct engine *e, int dfd, const char *file, const char *name)
{
	struct pol *p = find_pol(e, name), *np;
	struct nw_config c;
	struct stat st;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", e->o->config_dir, file);
	if (p && !fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) && same_file(&st, &p->st))
		return true;	/* unchanged */
	if (load_file(e, dfd, file, name, &c, &st)) {
		if (p)
			nw_warn("policy %s: keeping the version loaded before", name);
		return p != NULL;
	}
	pol_cfg_auto_home(&c);	/* auto_weights: from home */
	if (p && strcmp(c.auto_spec, p->cfg.auto_spec)) {
		/* the sensor changed (or came, or went): the policy starts again */
		char err[1024];

		if (c.auto_spec[0] && sensor_check(c.auto_spec, err, sizeof(err))) {
			nw_err("policy %s: auto_weights: %s; keeping the version loaded before",
			       name, err);
			return true;
		}
		nw_info("policy %s: weights from %s now", name, c.auto_spec[0] ? c.auto_spec : "the file");
		for (int i = 0; i < e->npols; i++)
			if (e->pols[i] == p)
				pol_remove(e, i);
		p = NULL;
	}
	if (p) {
		pol_reload(e, p, &c, &st, path);
		return true;
	}
	if (e->npols == NW_MAX_POLICIES) {
		nw_err("policy %s: more than %d policies", name, NW_MAX_POLICIES);
		return false;
	}
	np = calloc(1, sizeof(*np));
	if (!np) {
		nw_err("policy %s: %s", name, strerror(ENOMEM));
		return false;
	}
	snprintf(np->name, sizeof(np->name), "%s", name);
	snprintf(np->label, sizeof(np->label), "policy %s: ", name);
	snprintf(np->file, sizeof(np->file), "%s", path);
	np->cfg = c;
	np->st = st;
	file_weights(np, &c);
	if (pol_open(e, np, path)) {
		pol_free(np);
		return false;
	}
	e->pols[e->npols++] = np;
	follow_listed(e, np);
	nw_info("policy %s loaded from %s (%d pid(s), %d pid file(s) or cgroup(s))", name, path,
		c.nr_pids, c.nr_src);
	return true;
}

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pins of policies that are not loaded (a file removed while no daemon ran). */
/*
 * Pinned policy tables whose policy did not load at start: removed when the
 * file is gone; kept when it is there but was refused (issue 29: called "no
 * file any more" and removed, a live edit with it), so fixing the file and
 * reloading finds the table as it was.
 */
static void unpin_strays(struct engine *e, int dfd)
{
	char path[PATH_MAX], file[NW_POLICY_NAME_MAX + 8];
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof(path), "%s/policies", e->ld.dir.at);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || find_pol(e, de->d_name))
			continue;
		snprintf(file, sizeof(file), "%.*s.yaml", NW_POLICY_NAME_MAX, de->d_name);
		if (!fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW)) {
			nw_warn("policy %s did not load: its pinned weights are kept until its file "
				"loads or is removed", de->d_name);
			continue;
		}
		nw_info("policy %s has no file any more: its pinned weights are removed",
			de->d_name);
		loader_policy_unpin(&e->ld, de->d_name);
	}
	closedir(d);
}

/* The names of every NAME.yaml in d, sorted; others said. 0, or -ENOMEM (said). */
static int policy_names(DIR *d, const char *dir, char ***names, size_t *n)
{
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	/* every name, however many: one never read would be a policy removed */
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;	/* hidden, as editors' swap files are */
		if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml")) {
			/* any other name is not read: said (issue 28: only .yml was) */
			if (de->d_type != DT_DIR)
				nw_warn("%s/%s: ignored (policy files end in .yaml)", dir,
					de->d_name);
			continue;
		}
		if (vec_reserve(names, &cap, *n + 1, sizeof(**names), 64) ||
		    !((*names)[*n] = strdup(de->d_name))) {
			nw_err("config dir %s: out of memory reading its names; keeping the "
			       "policies loaded before", dir);
			names_free(*names, *n);
			return -ENOMEM;
		}
		(*n)++;
	}
	if (*n)
		qsort(*names, *n, sizeof((*names)[0]), cmp_str);
	return 0;
}

/*
 * The config dir, opened and checked (owned by root or us, not writable by
 * others, not a link): the DIR, or NULL with *rc the exit status (0 when it
 * does not exist: every policy removed, and it is waited for).
 */
static DIR *config_dir_open(struct engine *e, bool start, int *rc)
{
	const char *dir = e->o->config_dir;
	int dfd = safe_open_dir(dir);	/* "link/" and "link/." refused as "link" is */
	struct stat st;
	DIR *d;

	*rc = 0;
	if (dfd == -ENOENT) {
		nw_warn("no config dir %s: no policies until it exists (then SIGHUP)", dir);
		for (int i = e->npols - 1; i >= 0; i--)
			pol_remove(e, i);
		return NULL;
	}
	if (dfd < 0 || fstat(dfd, &st) || trusted(&st, "config dir", dir)) {
		if (dfd < 0)
			nw_err("cannot open config dir %s: %s%s", dir, strerror(-dfd),
			       dfd == -ELOOP || dfd == -ENOTDIR ? " (a symlink is refused)" :
			       dfd == -EINVAL ? " (it ends in '..': name the directory itself)" : "");
		if (dfd >= 0)
			close(dfd);
		if (!start)
			nw_warn("keeping the policies loaded before");
		*rc = NW_REFUSED;
		return NULL;
	}
	d = fdopendir(dfd);
	if (!d) {
		nw_err("cannot read config dir %s: %s", dir, strerror(errno));
		close(dfd);
		*rc = NW_FAILED;
	}
	return d;
}

/* Policies loaded before and not in kept now (their file is gone or refused) go. */
static void pols_prune(struct engine *e, struct pol *const *kept, int nkept)
{
	for (int i = e->npols - 1; i >= 0; i--) {
		bool keep = false;

		for (int k = 0; k < nkept && !keep; k++)
			keep = kept[k] == e->pols[i];
		if (!keep)
			pol_remove(e, i);
	}
}

int daemon_policies_load(struct engine *e, bool start)
{
	const char *dir = e->o->config_dir;
	struct pol *kept[NW_MAX_POLICIES];	/* by identity: a removal shifts positions */
	int nkept = 0, over = 0, rc;
	char **names;
	size_t n;
	DIR *d;

	if (!(d = config_dir_open(e, start, &rc)))
		return rc;
	if (policy_names(d, dir, &names, &n)) {
		closedir(d);
		return NW_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		char name[NW_POLICY_NAME_MAX + 8], err[256];
		struct pol *p;

		if (engine_stopping()) {	/* a stop waits for no reload (issue 29) */
			nw_info("reload of %s cut short by a signal after %zu of %zu file(s); "
				"nothing removed", dir, i, n);
			names_free(names, n);
			closedir(d);
			return 0;
		}
		snprintf(name, sizeof(name), "%.*s", (int)strlen(names[i]) - 5, names[i]);
		if (policy_name_check(name, err, sizeof(err))) {
			nw_err("%s/%s: %s", dir, names[i], err);
			continue;
		}
		if (!find_pol(e, name) && e->npols == NW_MAX_POLICIES) {
			over++;		/* said once below, not once a file */
			continue;
		}
		if (pol_load(e, dirfd(d), names[i], name) && (p = find_pol(e, name)))
			kept[nkept++] = p;
	}
	if (over)
		nw_err("%s: %d policy file(s) not loaded: at most %d policies run at once", dir,
		       over, NW_MAX_POLICIES);
	pols_prune(e, kept, nkept);
	names_free(names, n);
	unpin_strays(e, dirfd(d));
	for (int i = 0; i < e->npols; i++)	/* a table unpinned by hand is pinned again */
		if (e->pols[i]->own_fd)
			loader_policy_repin(&e->ld, e->pols[i]->name, e->pols[i]->weights_fd);
	closedir(d);
	if (!e->npols)
		nw_warn("no policy loaded from %s: nothing to place until a NAME.yaml is added "
			"(then SIGHUP)", dir);
	return 0;
}

