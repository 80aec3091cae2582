// SPDX-License-Identifier: GPL-2.0
/*
 * sim_autow: the weights controller (user/rules/autow.c) on the model, the cover
 * letter's toy example: one job from 0 to 300 s, a second from 100 to 200 s,
 * each demanding 75 of a 100 node (DRAM) beside a 50 node (CXL), 100 resident
 * each, migration at MIG_RATE/s (20 default); background traffic on node 1 as
 * given (0 default). No decision while pages move, as the controller
 * (autow_hold).
 * With LAT_K > 0 the nodes have latency curves (100 and 200 ns unloaded, see
 * struct sim) and the controller uses the loaded-latency law.
 * CSV on stdout, one row a second: t, w0, w1, traffic0, traffic1, served,
 * migrated so far, latency0, latency1. Plotted into docs/img/auto-toy.png
 * (and auto-toy-latency.png) by tests/bench/plot_autow.sh.
 *   build/sim_autow [BG1 [LAT_K [MIG_RATE]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "autow.h"

int main(int argc, char **argv)
{
	struct sim m = { .nodes = 2, .cap = { 100, 50 }, .mig_rate = 20, .njobs = 2 };
	double acc[NW_MAX_NODES] = {0}, own[NW_MAX_NODES] = {0}, lat[NW_MAX_NODES] = {0};
	struct autow_params p;
	uint32_t w[NW_MAX_NODES];
	double migrated = 0;
	struct autow a;

	m.bg[1] = argc > 1 ? atof(argv[1]) : 0;
	m.lat_k = argc > 2 ? atof(argv[2]) : 0;
	m.mig_rate = argc > 3 ? atof(argv[3]) : 20;
	m.lat0[0] = 100;
	m.lat0[1] = 200;
	m.job[0] = (struct sim_job){ .demand = 75, .size = 100, .start = 0, .end = 1e9 };
	m.job[1] = (struct sim_job){ .demand = 75, .size = 100, .start = 100, .end = 200 };
	m.job[0].frac[0] = m.job[1].frac[0] = 1;
	autow_defaults(&p);
	autow_init(&a, &p, 0);
	autow_weights(&a, m.cap, 0, w);
	printf("t,w0,w1,traffic0,traffic1,served,migrated,latency0,latency1\n");
	for (int i = 1; i <= 3000; i++) {
		sim_step(&m, 0.1, w, 0);
		for (int n = 0; n < 2; n++) {
			acc[n] += m.traffic[n] / 10;
			own[n] += m.own[n] / 10;
			lat[n] += m.lat[n] / 10;
		}
		if (i % 10)
			continue;
		if (sim_hold(&a, &m, &migrated))
			;
		else if (m.lat_k > 0)
			autow_decide_latency(&a, lat, acc, m.cap, own, w);
		else
			autow_decide(&a, acc, m.cap, own, w);
		printf("%.0f,%u,%u,%.2f,%.2f,%.2f,%.2f,%.0f,%.0f\n", m.t, w[0], w[1], acc[0], acc[1],
		       m.served, m.migrated, lat[0], lat[1]);
		memset(acc, 0, sizeof(acc));
		memset(own, 0, sizeof(own));
		memset(lat, 0, sizeof(lat));
	}
	return 0;
}
