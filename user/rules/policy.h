/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy — every rule that decides what moves and when. Pure: plain structs
 * in, decisions and plain counters out; no libbpf, no system calls, so each
 * rule is unit-tested without a loaded object or a second node.
 *
 *  - what is eligible: VMA kinds, damo's addr/anon filters, access patterns;
 *  - contests with NUMA balancing: a region moved back after numaweave placed
 *    it is left alone for 2^n intervals and until it has been quiet for
 *    QUIET * 2^n intervals; moved back MAX_CONTESTS times, it is left to the
 *    kernel for SURRENDER intervals or until the weights change;
 *  - failures: a busy page is retried by a later pass, a full node is paused;
 *  - the quota: a byte budget per pass, hottest (migrate_hot) or coldest
 *    (migrate_cold) first, ties in address order;
 *  - live weights: a table is put in force once it has read the same for the
 *    settle time, so a table written entry by entry is not acted on half-written.
 */
#ifndef NW_POLICY_H
#define NW_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "heat.h"
#include "moves.h"
#include "placement.h"
#include "numaweave/abi.h"

#define POLICY_QUIET 10		/* intervals without access before a contested region is re-placed,
				   doubled each time it is contested again */
#define POLICY_MAX_CONTESTS 2	/* moved back this often: left to the kernel ... */
#define POLICY_SURRENDER 600	/* ... for this many intervals, or until the weights change */
#define POLICY_ENOMEM_PAUSE 10	/* intervals a full node is left alone */
#define POLICY_REGION (1ull << NW_REGION_SHIFT)
#define POLICY_HEAT_GRACE_US 10000000ull	/* 10 s: see policy_heat_unknown() */
#define POLICY_HEAT_WARM 0.01f	/* region heat from which it was accessed (warm, status) */
#define POLICY_HEAT_HOT 50.0f	/* ... and from which it is hot */
/*
 * A region idle in DAMON's last word that one of its words within
 * heat_damon_recall saw accessed: warm, below any region accessed in the
 * last aggregation (one sample of NW_DAMON_MAX_NR is 5), above the idle.
 */
#define POLICY_HEAT_RECENT 1.0f

/* Anonymous and shmem mappings, and private file mappings' CoW-ed pages. */
bool policy_vma_eligible(const struct nw_vma *v);
/* Registered with userfaultfd (missing, write-protect or minor faults): never read by us. */
bool policy_vma_uffd(const struct nw_vma *v);
/*
 * PROT_NONE: an address-space reservation (JVM heaps, Go arenas, guard
 * regions). Skipped where holes cannot be skipped cheaply (no PAGEMAP_SCAN),
 * since reading it costs its virtual size.
 */
bool policy_vma_reservation(const struct nw_vma *v);
/* Only the CoW-ed (anonymous) pages of this VMA are eligible. */
bool policy_vma_anon_only(const struct nw_vma *v);
/* Only PMD-mapped folios can be large in v (anonymous, MADV_NOHUGEPAGE). */
bool policy_vma_small_only(const struct nw_vma *v);
/* damo's filters: anon, addr ranges (matching: inside only; else outside only). */
bool policy_filters_pass(const struct nw_config *c, const struct nw_vma *v, uint64_t addr);
/* damo's access pattern on a region (NULL: never seen, no heat, aged since start). */
bool policy_pattern_pass(const struct nw_config *c, const struct region *r, uint32_t now);

/* The region is waiting out a contest: leave it alone this pass. */
/* The access pattern says something about accesses or age (not just "everything"). */
bool policy_pattern_wants_heat(const struct nw_config *c);
/*
 * The bulk path (moving.c): where every page of a target belongs on one node
 * (one node has weight) and the policy leaves none behind by choice (no
 * address or DAMOS filter, no access pattern, no quota), that node, which
 * migrate_pages(2) can take the whole process to; else -1.
 */
int policy_bulk_dest(const struct nw_config *c, const struct wtable *wt);
/* No VMA where migrate_pages(2) would move what numaweave leaves: shared file, hugetlb. */
bool policy_vmas_bulk_safe(const struct nw_vma *v, size_t n);
/*
 * A read-seeing source (DAMON, NUMA balancing's arming) has spoken of this
 * region: where one runs, a region it has not spoken of yet is not called idle.
 */
bool policy_region_has_evidence(const struct region *r, uint32_t now);
/*
 * Under a quota, migrate_hot spends nothing on a region whose heat is not
 * known yet: a read source runs (DAMON, NUMA balancing's arming) and has not
 * spoken of it, no fault has touched it, and it is younger than the grace
 * (POLICY_HEAT_GRACE_US: a region no read source ever reaches is moved then,
 * after the known ones).
 */
bool policy_heat_unknown(const struct region *r, uint32_t now, uint64_t sources,
			 uint64_t interval_us);
/* Which source decides the region's class now (status says it). */
enum nw_region_src policy_region_source(const struct region *r, uint32_t now, uint64_t sources);
/* How long its heat has stayed where it is (damo's age), by the best source. */
uint64_t policy_region_age_us(const struct region *r, uint32_t now, uint64_t interval_us);
/* The heat the quota orders by: DAMON's access percent where it is fresh, else faults. */
float policy_region_heat(const struct region *r, uint32_t now);
bool policy_region_waits(const struct region *r, uint32_t now);
/* Found misplaced again under the weights it was placed by: a contest. */
static inline bool policy_contested(const struct region *r, uint32_t gen)
{
	return r && r->placed_gen == gen;
}
/* Back a contested region off (once per interval); counts surrenders in *contested. */
void policy_backoff(struct region *r, uint32_t now, __u64 *contested);
/* New weights: every region is placed afresh, contested or not. */
void policy_reset_contests(struct region *tab, uint64_t n);

/* A failed folio: what to do about its region and its destination node. */
void policy_on_failure(enum nw_fail_reason why, struct region *r, int dest,
		       uint32_t *node_pause, uint32_t now, bool *need_full);
/* Drop moves to paused nodes; returns the count kept, adds dropped pages to *deferred. */
size_t policy_drop_paused(struct move *m, size_t n, const uint32_t *node_pause, uint32_t now,
			  uint64_t *deferred);
/*
 * migrate_hot under a quota while some of the target's regions still wait
 * for a read source (policy_heat_unknown): drop the moves of regions known
 * idle (policy_region_idle_now), so the quota goes to none of them
 * before the unknown ones are known (they may be the hot ones). Returns the
 * count kept; the dropped pages are added to *deferred.
 */
size_t policy_drop_idle(struct move *m, size_t n, uint64_t *deferred);
/*
 * Known idle now, for policy_drop_idle: heat below POLICY_HEAT_WARM, not
 * counting DAMON's accesses before its latest word (heat_damon_recall): a
 * region idle in the latest aggregation waits for the unknown ones, which
 * may be the hot ones, as it did before the recall.
 */
bool policy_region_idle_now(const struct region *r, uint32_t now);

/* Bytes this pass may move: bps over the time since the last pass, at most two intervals. */
uint64_t policy_budget(uint64_t bps, uint64_t last_pass_ns, uint64_t now_ns,
		       uint64_t interval_us);
/*
 * Order m[0..n) for the quota and keep what *budget allows (UINT64_MAX:
 * unlimited, order kept). Returns the count kept; *budget is reduced, pages
 * and folios left over are added to *deferred_pages and *deferred_folios.
 */
size_t policy_quota_cut(struct move *m, size_t n, enum nw_action action, uint64_t *budget,
			uint64_t *deferred_pages, __u64 *deferred_folios);

/* Live weights, settled. */
struct wsettle {
	uint32_t read[NW_MAX_NODES];	/* the table at the last poll */
	uint32_t force[NW_MAX_NODES];	/* the table in force */
	uint64_t changed_ns;		/* when the table last read differently */
	bool pending;			/* read differs from force and has not settled */
};
/* One poll of the table: true when w should be checked and put in force now. */
bool wsettle_poll(struct wsettle *s, const uint32_t *w, uint64_t now_ns, uint64_t settle_ns);

#endif
