// SPDX-License-Identifier: GPL-2.0
/* young.c — accessed bits as a heat source; see young.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "numaweave/abi.h"
#include "log.h"
#include "vma_iter.h"
#include "young.h"
#include "young.skel.h"

int young_clear(int pid)
{
	char path[48];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", pid);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		rc = -errno;
	close(fd);
	return rc;
}

static int read_iter(struct young_src *y, int pid, young_fn fn, void *arg, bool param)
{
	struct nw_young buf[256], cur = {};
	struct bpf_link *link;
	ssize_t got;
	int fd, rc = 0;

	y->skel->bss->iter_tgid = pid;
	y->skel->data->levels = y->levels;
	fd = task_vma_iter_open(y->skel->progs.young_vma, pid, param, &link);
	if (fd < 0)
		return fd;
	/* a block two VMAs share comes as two records, one after the other: one call */
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (got % sizeof(buf[0])) {
			rc = -EIO;
			break;
		}
		for (size_t j = 0; j < (size_t)got / sizeof(buf[0]); j++) {
			if (cur.present && buf[j].addr != cur.addr) {
				fn(arg, cur.addr, cur.present, cur.young);
				cur.present = cur.young = 0;
			}
			cur.addr = buf[j].addr;
			cur.present += buf[j].present;
			cur.young += buf[j].young;
		}
	}
	if (got < 0 && !rc)
		rc = -errno;
	if (!rc && cur.present)
		fn(arg, cur.addr, cur.present, cur.young);
	close(fd);
	bpf_link__destroy(link);
	return rc;
}

int young_read(struct young_src *y, int pid, young_fn fn, void *arg)
{
	int rc = read_iter(y, pid, fn, arg, true);

	if (rc == -EINVAL || rc == -E2BIG)	/* iterator without task parameters */
		rc = read_iter(y, pid, fn, arg, false);
	return rc;
}

struct probe {
	uint64_t addr;
	uint32_t present, young;
};

static void probe_one(void *arg, uint64_t addr, uint32_t present, uint32_t young)
{
	struct probe *p = arg;

	if (addr == p->addr) {
		p->present += present;
		p->young += young;
	}
}

#define PROBE_PAGES 100
#define BLOCK (2ul << 20)

/*
 * The walk, checked on this process with a levels guess: a 2 MiB block of
 * which PROBE_PAGES small pages were written (so present and accessed), then
 * cleared (present, none accessed). Any other count: the guess, the direct
 * map's base or the entry layout is not what this kernel uses.
 */
static const char *self_test(struct young_src *y)
{
	char *m = mmap(NULL, 2 * BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const char *why = NULL;
	struct probe p = {};
	int rc;

	if (m == MAP_FAILED)
		return "cannot map its self-test memory";
	p.addr = ((uint64_t)m + BLOCK - 1) & ~(BLOCK - 1);
	madvise((void *)p.addr, BLOCK, MADV_NOHUGEPAGE);
	for (int i = 0; i < PROBE_PAGES; i++)
		((volatile char *)p.addr)[i * 5 * 4096ul] = 1;
	if ((rc = young_read(y, getpid(), probe_one, &p)))
		why = "its page-table iterator cannot be read";
	else if (p.present != PROBE_PAGES || p.young != PROBE_PAGES)
		why = "the page tables it read do not match this process's (self-test)";
	else if (young_clear(getpid()))
		why = "/proc/PID/clear_refs cannot be written";
	else if ((p.present = p.young = 0), young_read(y, getpid(), probe_one, &p) ||
		 p.present != PROBE_PAGES || p.young)
		why = "accessed bits did not read as cleared after clear_refs (self-test)";
	if (why)
		nw_debug("young self-test at %u levels: %u present, %u accessed of %d", y->levels,
			 p.present, p.young, PROBE_PAGES);
	munmap(m, 2 * BLOCK);
	return why;
}

const char *young_open(struct young_src *y)
{
	const char *why = NULL;
	struct utsname u;

	memset(y, 0, sizeof(*y));
	if (uname(&u) || strcmp(u.machine, "x86_64"))
		return "its page-table walk knows x86-64 only";
	if (access("/proc/self/clear_refs", W_OK))
		return "no /proc/PID/clear_refs (CONFIG_PROC_PAGE_MONITOR)";
	y->skel = young_bpf__open();
	if (!y->skel)
		return "cannot open its BPF object";
	bpf_program__set_autoattach(y->skel->progs.young_vma, false);
	if (young_bpf__load(y->skel)) {
		why = "its BPF program was refused (bpf_loop needs Linux 5.17)";
		goto fail;
	}
	for (y->levels = 4; y->levels <= 5; y->levels++)
		if (!(why = self_test(y)))
			return NULL;
fail:
	young_close(y);
	return why;
}

void young_close(struct young_src *y)
{
	young_bpf__destroy(y->skel);
	y->skel = NULL;
}
