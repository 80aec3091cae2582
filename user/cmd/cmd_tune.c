// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_tune.c — `numaweave tune --dry-run --weights auto:SENSOR`: the
 * bandwidth controller of `run --weights auto:SENSOR` without targets, BPF or
 * moves. Each interval it reads the sensor and prints what it would set and
 * why (a line, or one JSON object per line with --json), so a policy can be
 * checked against a machine's real counters before it moves a page. Nothing
 * is migrated, so no migration traffic is taken out of the readings.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "autow.h"
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "nodes.h"
#include "parse.h"
#include "placement.h"
#include "sensors.h"

#define TUNE_BAD(...) cmd_bad("tune", __VA_ARGS__)

static volatile sig_atomic_t tune_stop;

static void on_stop(int sig)
{
	(void)sig;
	tune_stop = 1;
}

struct tune_args {
	const char *weights;
	uint64_t interval_us;
	long count;		/* decisions to print, 0: until stopped */
	int home;		/* -1: the first node with memory and CPUs */
	bool dry_run, json;
};

static int tune_parse(int argc, char **argv, struct tune_args *a)
{
	const struct option *opts = nw_tune_opts;
	char err[NW_ERRLEN], *end;
	int c, rc;

	*a = (struct tune_args){ .interval_us = 1000000, .home = -1 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 'n': a->dry_run = true; break;
		case 'w': a->weights = optarg; break;
		case 'j': a->json = true; break;
		case 'i':
			if (parse_duration(optarg, &a->interval_us, err) || a->interval_us < 10000)
				return TUNE_BAD("bad --interval '%s': %s", optarg,
						a->interval_us < 10000 ? "at least 10ms" : err);
			break;
		case 'c':
			errno = 0;
			a->count = strtol(optarg, &end, 10);
			if (errno || *end || a->count < 1)
				return TUNE_BAD("bad --count '%s': a number of decisions, 1 or more",
						optarg);
			break;
		case 'H':
			errno = 0;
			a->home = (int)strtol(optarg, &end, 10);
			if (errno || *end || a->home < 0 || a->home >= NW_MAX_NODES ||
			    !node_has_memory(a->home))
				return TUNE_BAD("bad --home '%s': not a node with memory", optarg);
			break;
		case '?':
			return TUNE_BAD("unknown option '%s'", argv[optind - 1]);
		default:
			if ((rc = cmd_common_opt("tune", c)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return TUNE_BAD("unexpected argument '%s'", argv[optind]);
	if (!a->dry_run)
		return TUNE_BAD("tune moves nothing and writes no weights: give --dry-run "
				"(run --weights auto:SENSOR is the controller that acts)");
	if (!a->weights || strncmp(a->weights, "auto", 4) ||
	    (a->weights[4] && a->weights[4] != ':'))
		return TUNE_BAD("give --weights auto[:SENSOR] (the sensor whose readings to decide "
				"on; auto alone: the one this machine offers)");
	return -1;
}

static void print_text(double t, const struct autow *a, const struct sensor *s,
		       const double *traffic, const uint32_t *w, bool changed)
{
	char buf[512], why[512];

	printf("%7.1f s  ", t);
	for (int n = 0; n < NW_MAX_NODES; n++)
		if (s->capacity[n] > 0)
			printf("node %d %.2f/%.2f GiB/s  ", n, traffic[n] / 1073741824.0,
			       s->capacity[n] / 1073741824.0);
	format_weights(w, buf, sizeof(buf));
	autow_describe(a, why, sizeof(why));
	printf("%s -> %s%s\n", why, buf, changed ? " (change)" : "");
	fflush(stdout);
}

static void print_json(double t, const struct autow *a, const struct sensor *s,
		       const double *traffic, const uint32_t *w, bool changed)
{
	struct jw jw;

	jw_init(&jw, stdout);
	jw_start_object(&jw);
	json_header(&jw, "tune");
	jw_string_field(&jw, "sensor", s->name);
	jw_float_field(&jw, "seconds", t);
	jw_uint_field(&jw, "home", (uint64_t)a->home);
	jw_name(&jw, "nodes");
	jw_start_object(&jw);
	for (int n = 0; n < NW_MAX_NODES; n++) {
		char key[8];

		if (s->capacity[n] <= 0)
			continue;
		snprintf(key, sizeof(key), "%d", n);
		jw_name(&jw, key);
		jw_start_object(&jw);
		jw_float_field(&jw, "traffic_bytes_per_s", traffic[n]);
		jw_float_field(&jw, "capacity_bytes_per_s", s->capacity[n]);
		if (s->has_latency)
			jw_float_field(&jw, "latency_ns", s->latency[n]);
		jw_end_object(&jw);
	}
	jw_end_object(&jw);
	jw_string_field(&jw, "law", a->by_latency ? "latency" : "bandwidth");
	jw_float_field(&jw, "u_home", a->u_home);
	jw_float_field(&jw, "u_others", a->u_others);
	if (a->by_latency) {
		jw_float_field(&jw, "latency_home_ns", a->l_home);
		jw_float_field(&jw, "latency_others_ns", isfinite(a->l_others) ? a->l_others : 0);
	}
	jw_string_field(&jw, "why", a->why);
	json_weights(&jw, "weights", w);
	jw_bool_field(&jw, "change", changed);
	jw_float_field(&jw, "spill", a->s);
	jw_end_object(&jw);
	fflush(stdout);
}

int cmd_tune(int argc, char **argv)
{
	struct autow_params ap;
	struct tune_args a;
	struct sensor s;
	struct autow ctl;
	struct timespec t0, now;
	uint32_t w[NW_MAX_NODES];
	char err[1024];
	int rc = tune_parse(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (sensor_open(&s, a.weights, err, sizeof(err)))
		return TUNE_BAD("bad --weights: %s", err);
	sensor_log(&s);
	autow_defaults(&ap);
	autow_init(&ctl, &ap, a.home >= 0 ? a.home : nodes_home());
	autow_weights(&ctl, s.capacity, 0, w);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; !tune_stop && (!a.count || i < a.count); i++) {
		double traffic[NW_MAX_NODES] = {0}, t;
		struct timespec d = { .tv_sec = a.interval_us / 1000000,
				      .tv_nsec = (long)(a.interval_us % 1000000) * 1000 };
		bool changed;

		while (nanosleep(&d, &d) && errno == EINTR && !tune_stop)
			;
		if (tune_stop)
			break;
		if (sensor_read(&s, traffic, err, sizeof(err))) {
			nw_err("sensor %s: %s", s.name, err);
			sensor_close(&s);
			return 1;
		}
		changed = autow_decide_by(&ctl, &s, traffic, NULL, w);
		if (!changed)
			autow_weights(&ctl, s.capacity, ctl.s, w);
		clock_gettime(CLOCK_MONOTONIC, &now);
		t = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
		(a.json ? print_json : print_text)(t, &ctl, &s, traffic, w, changed);
	}
	sensor_close(&s);
	return 0;
}
