// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap.c — find resident folios and their nodes without a system call per
 * page: pagemap is read 2 MiB-aligned in chunks, kpageflags only for runs of
 * physically contiguous pages (the only ones that can be a large folio) that
 * no PMD maps (PAGEMAP_SCAN's PAGE_IS_HUGE, 6.7+, says which are), and the
 * node comes from the PFN's memory block.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "numaweave/abi.h"
#include "pagemap.h"
#include "vec.h"

#define HEAD (1ull << KPF_COMPOUND_HEAD)
#define TAIL (1ull << KPF_COMPOUND_TAIL)
#define CHUNK 4096		/* pages per pagemap read: 16 MiB, a multiple of 512 */
#define PMD_BYTES (2ull << 20)

/* The kernel's PAGEMAP_SCAN ABI (include/uapi/linux/fs.h, 6.7+), for older headers. */
#define NW_PAGEMAP_SCAN _IOWR('f', 16, struct nw_pm_scan_arg)
#define NW_PAGE_IS_PRESENT (1 << 3)
#define NW_PAGE_IS_HUGE (1 << 6)
#define PR_CAP 512

struct nw_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};


int node_map_load(struct node_map *m)
{
	char path[300], buf[64];
	struct dirent *nd;
	uint64_t bsz;
	DIR *d, *nodes;
	FILE *f;
	int nid;

	memset(m, 0, sizeof(*m));
	f = fopen("/sys/devices/system/memory/block_size_bytes", "r");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f) || !(bsz = strtoull(buf, NULL, 16))) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	m->block_pages = bsz / 4096;
	nodes = opendir("/sys/devices/system/node");
	if (!nodes)
		return -errno;
	while ((nd = readdir(nodes))) {
		struct dirent *de;
		char *nend;

		if (strncmp(nd->d_name, "node", 4))
			continue;
		nid = (int)strtol(nd->d_name + 4, &nend, 10);
		if (*nend || nend == nd->d_name + 4)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s", nd->d_name);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			uint64_t b;
			char *end;

			if (strncmp(de->d_name, "memory", 6))
				continue;
			b = strtoull(de->d_name + 6, &end, 10);
			if (*end || end == de->d_name + 6)
				continue;
			if (b >= m->nblocks) {
				size_t cap = m->nblocks;

				if (vec_reserve(&m->node, &cap, b + 1, 1, 1024)) {
					closedir(d);
					closedir(nodes);
					return -ENOMEM;
				}
				memset(m->node + m->nblocks, -1, cap - m->nblocks);
				m->nblocks = cap;
			}
			/* a node past the weights table (the kernel allows 1024): unknown */
			m->node[b] = nid < NW_MAX_NODES ? (int8_t)nid : -1;
		}
		closedir(d);
	}
	closedir(nodes);
	if (!m->nblocks) {
		/* No memory blocks in sysfs (e.g. no memory hotplug): node unknown. */
		m->block_pages = 0;
	}
	return 0;
}

void node_map_free(struct node_map *m)
{
	free(m->node);
	memset(m, 0, sizeof(*m));
}

int scanner_open(struct page_scanner *s, int pid, const struct node_map *nodes)
{
	char path[64];

	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->nodes = nodes;
	s->kpf_fd = -1;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	s->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->pagemap_fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	s->pm = malloc(CHUNK * sizeof(uint64_t));
	s->kpf = malloc(CHUNK * sizeof(uint64_t));
	if (!s->pm || !s->kpf) {
		scanner_close(s);
		return -ENOMEM;
	}
	/* for measurements: the fallback as on kernels before 6.7 */
	s->no_pmscan = getenv("NUMAWEAVE_NO_PAGEMAP_SCAN") != NULL;
	/* kpageflags is readable only with CAP_SYS_ADMIN, which also shows PFNs. */
	s->kpf_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	s->pfn_ok = s->kpf_fd >= 0;
	return 0;
}

void scanner_close(struct page_scanner *s)
{
	if (s->pagemap_fd > 0)
		close(s->pagemap_fd);
	if (s->kpf_fd >= 0)
		close(s->kpf_fd);
	free(s->pm);
	free(s->kpf);
	free(s->pr);
	s->pm = s->kpf = NULL;
	s->pr = NULL;
	s->pagemap_fd = s->kpf_fd = -1;
}

static int ilog2_exact(uint64_t n)
{
	int o = 0;

	if (!n || (n & (n - 1)))
		return -1;
	while ((1ull << o) < n)
		o++;
	return o;
}

/* A PMD maps addr (PAGEMAP_SCAN said PAGE_IS_HUGE): a whole 2 MiB folio, no flags to read. */
static bool pmd_mapped(struct page_scanner *s, uint64_t addr)
{
	size_t k;

	if (s->no_pmscan || !s->pr || addr < s->pr_from || addr >= s->pr_walk_end)
		return false;
	for (k = s->pr_i < s->pr_n ? s->pr_i : 0; k > 0 && s->pr[k].start > addr; k--)
		;
	for (; k < s->pr_n && s->pr[k].end <= addr; k++)
		;
	return k < s->pr_n && s->pr[k].start <= addr && (s->pr[k].cat & NW_PAGE_IS_HUGE);
}

/* Folios of n physically contiguous pages at addr from kpageflags. */
static int emit_kpf(struct page_scanner *s, uint64_t addr, uint64_t pfn, uint64_t n, folio_cb cb,
		    void *ctx)
{
	int rc;

	s->kpf_pages_read += n;
	if (pread(s->kpf_fd, s->kpf, n * 8, pfn * 8) != (ssize_t)(n * 8))
		memset(s->kpf, 0, n * 8);
	for (uint64_t j = 0; j < n;) {
		uint64_t f = s->kpf[j], k = 1;
		int order = 0;

		if (f & TAIL) {
			j++;	/* its head is outside this range */
			continue;
		}
		if (f & HEAD) {
			while (j + k < n && (s->kpf[j + k] & TAIL))
				k++;
			order = ilog2_exact(k);
			if (order < 0 || ((addr + j * 4096) & ((k << 12) - 1))) {
				order = 0;	/* partly mapped or misaligned: page by page */
				k = 1;
			}
		}
		if ((rc = cb(ctx, addr + j * 4096, order, node_of_pfn(s->nodes, pfn + j))))
			return rc;
		j += k;
	}
	return 0;
}

/* n order-0 folios at addr, physically contiguous from pfn. */
static int emit_small(struct page_scanner *s, uint64_t addr, uint64_t pfn, uint64_t n,
		      folio_cb cb, void *ctx)
{
	int rc = 0;

	for (uint64_t k = 0; k < n && !rc; k++)
		rc = cb(ctx, addr + k * 4096, 0, node_of_pfn(s->nodes, pfn + k));
	return rc;
}

/*
 * A run of physically contiguous present pages, cut at 2 MiB boundaries (no
 * folio crosses one): a PMD-mapped piece is one order-9 folio; the rest asks
 * kpageflags, which also finds PTE-mapped large folios.
 */
static int emit_run(struct page_scanner *s, uint64_t addr, uint64_t pfn, uint64_t run, folio_cb cb,
		    void *ctx)
{
	int rc;

	for (uint64_t j = 0; j < run;) {
		uint64_t a = addr + j * 4096, seg = (PMD_BYTES - (a & (PMD_BYTES - 1))) >> 12;

		if (seg > run - j)
			seg = run - j;
		if (seg == PMD_BYTES >> 12 && pmd_mapped(s, a))
			rc = cb(ctx, a, 9, node_of_pfn(s->nodes, pfn + j));
		else if (s->small_only && !s->no_pmscan)
			rc = emit_small(s, a, pfn + j, seg, cb, ctx);
		else
			rc = emit_kpf(s, a, pfn + j, seg, cb, ctx);
		if (rc)
			return rc;
		j += seg;
	}
	return 0;
}

/* Scan pages [i0, i0 + n) of the chunk starting at virtual address base. */
static int scan_chunk(struct page_scanner *s, uint64_t base, uint64_t n, bool anon_only,
		      folio_cb cb, void *ctx)
{
	uint64_t i = 0;
	int rc;

	if (anon_only)
		for (uint64_t k = 0; k < n; k++)
			if (s->pm[k] & PM_FILE)
				s->pm[k] &= ~PM_PRESENT;

	while (i < n) {
		uint64_t e = s->pm[i], pfn, run = 1;

		if (!(e & PM_PRESENT)) {
			i++;
			continue;
		}
		pfn = e & PM_PFN_MASK;
		if (!pfn || !s->pfn_ok) {
			/* No PFN: order 0, node unknown. */
			if ((rc = cb(ctx, base + i * 4096, 0, -1)))
				return rc;
			i++;
			continue;
		}
		/* The run of physically contiguous present pages from here. */
		while (i + run < n && (s->pm[i + run] & PM_PRESENT) &&
		       (s->pm[i + run] & PM_PFN_MASK) == pfn + run)
			run++;
		/* a single page, or no flags to read: order 0 */
		rc = run == 1 || s->kpf_fd < 0 ? emit_small(s, base + i * 4096, pfn, run, cb, ctx) :
						 emit_run(s, base + i * 4096, pfn, run, cb, ctx);
		if (rc)
			return rc;
		i += run;
	}
	return 0;
}

int scan_range(struct page_scanner *s, uint64_t start, uint64_t end, bool anon_only, folio_cb cb,
	       void *ctx)
{
	uint64_t a = start;
	int rc;

	while (a < end) {
		/* Chunks end on 2 MiB boundaries so a THP is never cut in two. */
		uint64_t cend = (a & ~((uint64_t)CHUNK * 4096 - 1)) + (uint64_t)CHUNK * 4096;
		uint64_t n;
		ssize_t got;

		if (cend > end)
			cend = end;
		n = (cend - a) >> 12;
		got = pread(s->pagemap_fd, s->pm, n * 8, (a >> 12) * 8);
		if (got < 0)
			return errno == ESRCH || errno == EINVAL ? -ESRCH : -errno;
		if (got == 0)
			return -ESRCH;	/* the mm is gone */
		n = (uint64_t)got / 8;
		if ((rc = scan_chunk(s, a, n, anon_only, cb, ctx)))
			return rc;
		a += n * 4096;
	}
	return 0;
}

/* Present ranges from from on: the kernel walks only populated page tables. */
static int pmscan_fill(struct page_scanner *s, uint64_t from, uint64_t end)
{
	struct nw_pm_scan_arg a = {
		.size = sizeof(a), .start = from, .end = end, .vec_len = PR_CAP,
		.category_mask = NW_PAGE_IS_PRESENT,
		.return_mask = NW_PAGE_IS_PRESENT | NW_PAGE_IS_HUGE,
	};
	long n;

	/* calloc: valgrind does not know PAGEMAP_SCAN writes the vector */
	if (!s->pr && !(s->pr = calloc(PR_CAP, sizeof(*s->pr))))
		return -ENOMEM;
	a.vec = (uint64_t)(uintptr_t)s->pr;
	n = ioctl(s->pagemap_fd, NW_PAGEMAP_SCAN, &a);
	if (n < 0)
		return -errno;
	s->pr_n = (size_t)n;
	s->pr_i = 0;
	s->pr_from = from;
	s->pr_walk_end = a.walk_end ? a.walk_end : end;
	return 0;
}

uint64_t scanner_next_present(struct page_scanner *s, uint64_t from, uint64_t end)
{
	if (s->no_pmscan || from >= end)
		return from;
	for (int tries = 0; tries < 1 << 20; tries++) {
		bool in_window = from >= s->pr_from && from < s->pr_walk_end && s->pr;

		if (!in_window) {
			int rc = pmscan_fill(s, from, end);

			if (rc) {
				/* ENOTTY/EINVAL: no PAGEMAP_SCAN; anything else: read it all */
				s->no_pmscan = rc == -ENOTTY || rc == -EINVAL;
				return from;
			}
		}
		while (s->pr_i < s->pr_n && s->pr[s->pr_i].end <= from)
			s->pr_i++;
		if (s->pr_i < s->pr_n) {
			uint64_t at = s->pr[s->pr_i].start > from ? s->pr[s->pr_i].start : from;

			if (at >= end)
				break;
			s->holes_skipped += at - from;
			return at;
		}
		/* nothing present in the window: go on after it */
		if (s->pr_walk_end >= end)
			break;
		s->holes_skipped += s->pr_walk_end - from;
		from = s->pr_walk_end;
	}
	s->holes_skipped += end > from ? end - from : 0;
	return end;
}

bool scanner_skips_holes(struct page_scanner *s, uint64_t at)
{
	scanner_next_present(s, at, at + 1);	/* learns no_pmscan on its first call */
	return !s->no_pmscan;
}
