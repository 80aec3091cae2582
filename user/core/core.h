/* SPDX-License-Identifier: GPL-2.0 */
/*
 * core — the controller's state (struct engine, struct pol, a pass) and the
 * functions of the core loop's files, shared by the loop (engine.c), events,
 * following, policies, heat sources, planning, moving and reporting. Types
 * and declarations only: no core.c, so including it ties no file to another.
 */
#ifndef NW_CORE_H
#define NW_CORE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "config.h"
#include "autow.h"
#include "damon.h"
#include "young.h"
#include "heat.h"
#include "loader.h"
#include "moves.h"
#include "pagemap.h"
#include "pins.h"
#include "placement.h"
#include "policy.h"
#include "sensors.h"
#include "sysctl.h"
#include "targets.h"
#include "vma_iter.h"

struct engine;

/*
 * What the core's start-up and loop end with; the commands turn it into the
 * process's exit status (cmd_run.c), nothing below them does.
 */
enum nw_status {
	NW_OK = 0,
	NW_FAILED = 1,		/* a runtime failure: the kernel, /proc, memory */
	NW_REFUSED = 2,		/* bad input or a setting refused: the operator can fix it */
};

struct engine_opts {
	struct nw_config cfg;
	bool daemon;			/* policies from config_dir; never exits because targets did */
	const char *config_dir;
	bool once, dry_run, json;
	uint64_t after_us;		/* --once -- CMD: wait this long (0: until CMD settles) */
	const char *pin_dir;
	char **cmd;			/* -- CMD ARG..., or NULL */
	uint64_t ringbuf_bytes;
	uint32_t max_targets;		/* entries of the targets map (--max-targets), 0 default */
	uint64_t fold_us;	/* fault folding window, 0 = a record per fault */
	bool no_fentry, classic_tp;
	bool numa_balancing_off;	/* turn kernel.numa_balancing off while running */
	bool no_damon;			/* never use DAMON as a heat source */
	bool no_young;			/* never read the targets' accessed bits */
	bool force_blind;		/* migrate_cold with a pattern even with no read signal */
	int move_threads;		/* movers at once (--move-threads), 1 by default */
	/*
	 * The daemon's policies: loaded at start and on SIGHUP by whoever runs
	 * the loop (the daemon command hands daemon_policies_load), so the loop
	 * names no caller. NW_OK, or NW_FAILED / NW_REFUSED at start.
	 */
	int (*policies_load)(struct engine *e, bool start);
};

#define NW_MOVE_THREADS_MAX 16

#define NW_MAX_POLICIES 64

/* --weights auto:SENSOR: the controller of one policy's weights (autow.h, sensors.h). */
struct autoctl {
	struct autow a;
	struct sensor s;
	uint32_t w[NW_MAX_NODES];	/* what it last wrote to the map */
	bool paused;			/* the map was edited by hand */
	bool said_err;
	uint64_t last_ns;
	uint64_t moved_to[NW_MAX_NODES];	/* the counters at the last decision */
	uint64_t moved_from[NW_MAX_NODES];
};

/*
 * A policy: a weights table and the settings that place its targets. `run`
 * has one (the command line's, on the `weights` pin); the daemon one per
 * policy file (daemon.c).
 */
struct pol {
	char name[NW_POLICY_NAME_MAX + 1];	/* "" for run's */
	char label[NW_POLICY_NAME_MAX + 16];	/* "policy NAME: " before its messages, "" for run's */
	struct nw_config cfg;
	int weights_fd;
	const volatile uint32_t *wview;	/* the map's values mapped (NULL: read by syscall) */
	bool own_fd;			/* its own map (policies/NAME/weights): closed with it */
	struct wsettle ws;
	uint32_t gen;			/* unique across policies: the table in force */
	struct wtable wt;
	bool paused;			/* all weights 0 */
	bool rejected;			/* the map holds a refused table */
	int bad_node;
	uint64_t budget;		/* bytes the pass in progress may still move */
	uint64_t last_pass_ns;
	uint64_t qt_start_ns, qt_used_ns;	/* the time quota's window, and move time spent in it */
	/* daemon */
	char file[PATH_MAX];
	struct stat st;			/* the file as last loaded */
	uint32_t file_w[NW_MAX_NODES];	/* the weights the file gave (0s: none) */
	int src_err[NW_MAX_SOURCES];	/* last error said, per source */
	bool src_seen[NW_MAX_SOURCES];	/* read at least once */
	struct autoctl *ac;		/* weights from measured bandwidth, or NULL */
	bool warned_shared;
	bool pid_held[NW_MAX_PIDS];	/* cfg.pids[k] was held by another controller: retried */
	uint64_t moved, failed, bytes;	/* its pages moved and failed, bytes moved (status) */
	uint64_t drops_verified;	/* ring-buffer drops when its targets were last checked */
};

/* The pass in progress. */
struct pass {
	struct target *t;
	const struct nw_vma *vma;
	struct region *reg;
	uint64_t reg_lo;	/* where the region being scanned starts (in its VMA) */
	int reg_node;		/* node of all its folios so far, -1 none yet, NW_RNODE_MIXED */
	bool movable;		/* the region's heat makes it due: its folios may move */
	bool reg_fresh;		/* its pages by node not counted yet in this scan */
	bool reg_idle;		/* its policy_region_idle_now, taken at its first folio */
	float reg_heat;		/* its policy_region_heat, likewise */
	uint64_t t_misplaced0;	/* misplaced before the target being passed over */
	uint64_t t_deferred0;	/* deferred before it */
	uint64_t t_heat_waits0;	/* regions left waiting for heat before it (ctl.heat_waits) */
	bool full;			/* covers all of the target */
	uint64_t scanned, misplaced, moved, failed, deferred;
	uint64_t per_node[NW_MAX_NODES];	/* what it saw, after its moves */
	uint64_t planned;			/* dry run: pages that would move */
	__u64 planned_to[NW_MAX_NODES];		/* ... by destination */
};

struct engine {
	struct engine_opts *o;
	uint64_t moved_from[NW_MAX_NODES];	/* pages moved, by the node they left (when known) */
	struct loader ld;
	struct vma_reader vr;
	struct node_map nodes;
	struct heat heat;
	struct ring_buffer *rb;
	struct target_set ts;
	struct child child;
	struct sysctl_guard nb;
	struct damon_src damon;
	bool damon_ok;			/* DAMON usable here: damon_sync starts it for the targets */
	uint64_t damon_tried_ns;	/* the last kdamond (re)start or attempt */
	struct young_src young;		/* accessed bits, where DAMON is not used */
	int young_state;		/* 0 not tried yet, 1 loaded and self-tested, -1 not usable */
	/* the heat table's dirty regions (sorted keys), made at the start of each pass */
	uint64_t *dirty;
	size_t ndirty, dirty_cap;
	bool dirty_ok;
	/* counters: written here, copied to the stats map once per pass */
	struct nw_ctl_stats ctl;

	struct pol *pols[NW_MAX_POLICIES];
	int npols;
	struct pol *cur;		/* the policy of the target being passed over */
	uint32_t gen_seq;		/* last weights generation given to a policy */
	uint32_t node_pause[NW_MAX_NODES];	/* interval until which a node is full */
	bool reload;			/* daemon: SIGHUP asked for the policy files again */

	struct pass p;
	struct move_vec moves, unknown;
	uint64_t last_pass_ns, drops_seen;
	uint64_t midpass_ns;	/* when a long pass last published its moves */
	uint64_t drops_said;		/* drops at the last -v line */
	uint64_t seen_mark;		/* first touches at the last bitmap clear */
	int status_targets;		/* live targets in the last sd_notify STATUS= */
	uint64_t alive_ns, alive_drops;	/* check_alive: when it last looked, the drops then */
	uint64_t next_cg_ns;		/* when cgroup-only policies read cgroup.procs again */
	bool sources_poke;		/* a process joined a watched cgroup: read sources now */
	uint64_t scan_steps;
	bool progress;			/* a long --once on a terminal */
	uint64_t t_main;		/* engine_run entered, CLOCK_MONOTONIC ns */
	double exec_ms;			/* exec to engine_run */
	bool startup_logged;
	bool pin_gone_said;	/* the pin dir was removed under us (said once) */
	int *src_pids;		/* the pids the sources name (SOURCE_MAX_PIDS, heap) */
};

/* An nw_status; with -- CMD (not --once) the child's exit status instead when all went well. */
int engine_run(struct engine_opts *o);

/* events.c: signals and the ring buffer's records. */
/* Every signal that would end the process ends the loop instead; SIGHUP reloads if hup_reload. */
void signals_init(bool hup_reload);
/* The signal that asked the controller to stop, 0 none. */
int engine_stop_signal(void);
/* A SIGHUP came since the last call (the daemon reloads its policy files). */
bool engine_hup_take(void);
/* ring_buffer__new's callback: one record from the BPF programs. */
int engine_on_event(void *ctx, void *data, size_t len);

/* follow.c: a new target for p, its state fresh; NULL with *why (-errno) if refused. */
struct target *engine_adopt(struct engine *e, struct pol *p, int pid, uint32_t parent,
			    bool from_src, bool *reused, int *why);

/* heatsrc.c: where heat comes from. */
int balancing_init(struct engine *e);
void balancing_sources(struct engine *e);
/* DAMON follows the targets (started, restarted with the new list, stopped). */
void damon_sync(struct engine *e);
/* The accessed bits: clear and sample the targets due (new_only: only new ones). */
void young_tick(struct engine *e, bool new_only);
/* What heat can see here, said at start: NW_OK, or NW_FAILED / NW_REFUSED. */
int heat_sources_init(struct engine *e);

/* pols.c: the weights maps are read through their mapping this often. */
#define WEIGHTS_VIEW_POLL_NS 20000000ull
uint64_t quarter_interval_ns(const struct engine_opts *o);
/* Every policy's map by system call (those not mapped): true when a new table is in force. */
bool pols_weights_poll(struct engine *e, uint64_t now);
/* run's one policy: the command line's settings on the `weights` pin. NW_OK, or NW_FAILED / NW_REFUSED. */
int run_policy_init(struct engine *e);
/* A signal asked the controller to stop: long work ends early. */
bool engine_stopping(void);
/* Stop following t (its regions dropped); false if it already was. */
bool engine_let_go(struct engine *e, struct target *t);
/* A target exited: stop following it. */
void engine_target_gone(struct engine *e, struct target *t);
/* Take in the ring buffer's records now; their CPU goes to ctl.cpu_events_ns. */
void engine_consume(struct engine *e);
/* The policies' age.min values watched by the heat table (at start and after a reload). */
void engine_watch_ages(struct engine *e);

/* The policy whose table status shows (run's, the daemon's first). */
const struct pol *engine_main_pol(const struct engine *e);
/*
 * Follow pid for policy p (checked, claimed first): 0, or -errno with the
 * reason said: -EINVAL it may not be followed (gone, a thread, a kernel
 * thread, numaweave), -EEXIST another policy has it, -EBUSY another
 * controller does, -EIO /proc unreadable, or what the targets map said.
 */
int engine_follow(struct engine *e, struct pol *p, int pid, bool from_src);
/*
 * p's first table: its config's weights written to its map, else what is pinned
 * there; checked and put in force. NW_OK, or NW_FAILED / NW_REFUSED with the reason said
 * (none_hint: what to do when there are none).
 */
int pol_weights_init(struct engine *e, struct pol *p, const char *none_hint);
/* Weights of p: put a table in force; poll the map (true: a new table, pass now). */
void pol_weights_apply(struct engine *e, struct pol *p, const uint32_t *w);
bool pol_weights_poll(struct engine *e, struct pol *p, uint64_t now);
/* Pids from p's pid files and cgroups: new ones followed, those no longer named let go. */
int pol_sources_refresh(struct engine *e, struct pol *p);	/* new targets followed */
void pol_free(struct pol *p);
/* --weights auto: start the controller of p (NW_OK, or NW_FAILED / NW_REFUSED), and one decision a pass. */
int pol_auto_init(struct engine *e, struct pol *p);
/* A config whose weights come from a sensor (auto_spec): it starts with everything at home. */
void pol_cfg_auto_home(struct nw_config *c);
void pol_auto_tick(struct engine *e, struct pol *p);

/* daemon.c: the policy files. Load (or reload) config_dir; NW_OK, or NW_FAILED / NW_REFUSED at start
   (the daemon hands it to the loop as engine_opts.policies_load). */
int daemon_policies_load(struct engine *e, bool start);
/* pols.c: every policy freed (at the end of a run or the daemon). */
void pols_free(struct engine *e);

/* plan.c: one pass over every target (scan, plan, move). */
void plan_pass(struct engine *e, bool force_full);
/* moving.c: target t's planned moves (e->moves) carried out, or in a dry run said. */
int move_target(struct engine *e, struct target *t);
int dry_target(struct engine *e, struct target *t);

/* report.c */
void report_publish(struct engine *e);
/*
 * Mid-pass, between move calls, at most once an interval: the move counters
 * so far into status's map, and the regions a waiting recorder wants.
 */
void report_midpass(struct engine *e);
/* Between passes: a weights change pending or refused shows in status at once. */
void report_weights_state(struct engine *e);
void report_interval(struct engine *e, double secs);
/* " n0=PAGES n1=PAGES ..." for nodes with pages or a weight, cut to fit len. */
size_t report_nodes_line(char *buf, size_t len, const __u64 *pages, const uint32_t *w);
void report_startup(struct engine *e, uint64_t first_pass_ns);
void report_json_pass(struct engine *e, double secs);

#endif
