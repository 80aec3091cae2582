// SPDX-License-Identifier: GPL-2.0
/*
 * tier_relay DEV FILE [BWFILE] — in the guest: read the tier model's reports from the
 * serial line DEV (the second serial port) and keep FILE in the format of
 * `numaweave run --weights auto:file:FILE`:
 *     # tier SEQ MS
 *     NODE BYTES_PER_S CAPACITY LATENCYns
 * (SEQ and MS: the report's number and time on the model's clock), and
 * BWFILE, if given, the same without the latency column (auto's bandwidth
 * law decides on it; with latencies the latency law does). A block is written (to FILE.tmp, then renamed) only when it arrived whole
 * and every line parsed; any other block is counted and dropped. The
 * calibration's answer is printed on stdout; other lines are counted. On
 * SIGTERM it prints how many blocks it took and dropped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MAX_NODES 8

static volatile sig_atomic_t done;
static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

static int serial_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return -1;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t))
		return -1;
	/* what arrived before: half blocks, echoed by the cooked tty */
	return tcflush(fd, TCIOFLUSH);
}

/* "N BYTES CAP LATns", every field a whole number */
static int node_line(const char *l, unsigned want)
{
	unsigned long long n, b, c, lat;
	char ns[4];
	int end = 0;

	if (sscanf(l, "%llu %llu %llu %llu%2[ns]%n", &n, &b, &c, &lat, ns, &end) != 5 ||
	    strcmp(ns, "ns") || l[end] || n != want || !c)
		return -1;
	return 0;
}

/* BWFILE: the block without its latencies */
static int write_bw(const char *path, char (*block)[256], unsigned nodes,
		    unsigned long long seq, unsigned long long ms)
{
	char tmp[4096];
	unsigned i;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "w")))
		return -1;
	fprintf(f, "# tier %llu %llu\n", seq, ms);
	for (i = 0; i < nodes; i++) {
		unsigned long long n, b, c;

		sscanf(block[i], "%llu %llu %llu", &n, &b, &c);
		fprintf(f, "%llu %llu %llu\n", n, b, c);
	}
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	char tmp[4096], line[256], block[MAX_NODES][256];
	unsigned long long seq = 0, block_ms = 0, good = 0, bad = 0, other = 0;
	unsigned nodes = 0;
	int in_block = 0, skipping = 0, fd;
	size_t have = 0;
	FILE *in;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: tier_relay DEV FILE [BWFILE]\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_NOCTTY);
	if (fd < 0 || serial_raw(fd)) {
		fprintf(stderr, "tier_relay: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	in = fdopen(fd, "r");
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!done && fgets(line + have, (int)(sizeof(line) - have), in)) {
		size_t n = strlen(line);
		unsigned long long s, ms;

		if (n && line[n - 1] != '\n' && n < sizeof(line) - 1) {
			have = n; /* a partial line: read on */
			continue;
		}
		have = 0;
		line[strcspn(line, "\r\n")] = 0;
		if (sscanf(line, "tier %llu %llu", &s, &ms) == 2) {
			if (in_block)
				bad++;
			in_block = 1;
			skipping = 0;
			seq = s;
			block_ms = ms;
			nodes = 0;
		} else if (in_block && sscanf(line, "end %llu", &s) == 1) {
			FILE *f;
			unsigned i;

			in_block = 0;
			if (s != seq || !nodes || !(f = fopen(tmp, "w"))) {
				bad++;
				continue;
			}
			fprintf(f, "# tier %llu %llu\n", seq, block_ms);
			for (i = 0; i < nodes; i++)
				fprintf(f, "%s\n", block[i]);
			if (fclose(f) || rename(tmp, argv[2]) ||
			    (argc == 4 && write_bw(argv[3], block, nodes, seq, block_ms)))
				bad++;
			else
				good++;
		} else if (in_block) {
			if (nodes >= MAX_NODES || node_line(line, nodes)) {
				in_block = 0;
				skipping = 1; /* the rest of this block */
				bad++;
			} else {
				memcpy(block[nodes++], line, strlen(line) + 1);
			}
		} else if (!strncmp(line, "calib ", 6)) {
			printf("%s\n", line);
		} else if (*line && !skipping) {
			other++;
		}
	}
	printf("tier_relay: %llu reports taken, %llu dropped, %llu other lines\n", good, bad, other);
	return 0;
}
