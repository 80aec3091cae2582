// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: sizes, durations, percents and pids. */
#include <stdlib.h>
#include <string.h>
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[NW_ERRLEN];
	uint64_t v;
	double d;
	int pct, pid;

	memcpy(s, data, size);
	s[size] = 0;
	parse_size(s, &v, err);
	parse_duration(s, &v, err);
	parse_percent_or_count(s, &d, &pct, err);
	parse_pid(s, &pid, err);
	free(s);
	return 0;
}
