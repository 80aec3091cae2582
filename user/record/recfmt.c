// SPDX-License-Identifier: GPL-2.0
/* recfmt.c — reading a line of numaweave's recording format (recfmt.h). Pure. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "recfmt.h"

/* "a,b,c": up to max numbers into v; how many, or -1 if malformed */
static int num_list(const char *s, uint64_t *v, int max)
{
	int n = 0;
	char *end;

	for (;;) {
		if (n >= max || *s < '0' || *s > '9')
			return -1;
		v[n++] = strtoull(s, &end, 10);
		if (*end != ',')
			return (*end == 0 || *end == ' ' || *end == '\n') ? n : -1;
		s = end + 1;
	}
}

static int parse_region(const char *s, int nodes, struct rec_item *it)
{
	unsigned int pid, cls, src, nr, heat, age, dage, pages;
	uint64_t on[NW_MAX_NODES] = {}, sum = 0;
	unsigned long long addr;
	int used = 0, n, named = nodes < NW_REC_NODES ? nodes : NW_REC_NODES;

	if (sscanf(s, "%u %llx %u %u %u %u %u %u %u %n", &pid, &addr, &cls, &src, &nr, &heat,
		   &age, &dage, &pages, &used) != 9 || !used)
		return -EINVAL;
	n = num_list(s + used, on, NW_MAX_NODES);
	if (n < 1 || cls >= NW_CLS_MAX || src >= NW_RSRC_MAX || nr > 0xff || pages > 0xffff)
		return -EINVAL;
	memset(&it->r, 0, sizeof(it->r));
	it->r.pid = pid;
	it->r.addr = addr;
	it->r.cls = (uint8_t)cls;
	it->r.src = (uint8_t)src;
	it->r.nr_accesses = (uint8_t)nr;
	it->r.heat_x100 = heat;
	it->r.age_ms = age;
	it->r.damon_age = dage;
	it->r.pages = (uint16_t)pages;
	for (int i = 0; i < n; i++) {
		if (on[i] > pages)
			return -EINVAL;
		if (i < named)
			it->r.on[i] = (uint16_t)on[i];
		sum += on[i];
	}
	if (sum > pages)
		return -EINVAL;
	it->other = pages - sum;
	return 0;
}

int rec_parse_line(const char *line, int nodes, struct rec_item *it)
{
	unsigned long long a, b, c, d;
	uint64_t v[NW_MAX_NODES];
	const char *sp;
	int n;

	it->kind = REC_NONE;
	if (!line[0] || line[0] == '\n' || line[1] != ' ')
		return line[0] && line[0] != '\n' && strncmp(line, REC_MAGIC, strlen(REC_MAGIC)) ? -EINVAL : 0;
	switch (line[0]) {
	case 'H':
	case 'E':
		it->kind = line[0] == 'H' ? REC_HDR : REC_END;
		snprintf(it->text, sizeof(it->text), "%s", line + 2);
		it->text[strcspn(it->text, "\n")] = 0;
		return 0;
	case 'F':
		if (sscanf(line + 2, "%llu %llu %llu %llu", &a, &b, &c, &d) != 4)
			return -EINVAL;
		it->kind = REC_FRAME;
		it->t_ms = a, it->pass = b, it->nreg = c, it->dropped = d;
		return 0;
	case 'W':
	case 'P':
		sp = line + 2;
		if (line[0] == 'P') {	/* a policy's name: no space in it (pins.c) */
			size_t k = strcspn(sp, " \n");

			if (!k || k >= sizeof(it->text) || sp[k] != ' ')
				return -EINVAL;
			memcpy(it->text, sp, k);
			it->text[k] = 0;
			sp += k + 1;
		}
		if ((n = num_list(sp, v, NW_MAX_NODES)) < 1)
			return -EINVAL;
		memset(it->w, 0, sizeof(it->w));
		for (int i = 0; i < n; i++)
			it->w[i] = v[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)v[i];
		it->kind = line[0] == 'W' ? REC_WEIGHTS : REC_POLICY;
		return 0;
	case 'C':
		memset(it->moved, 0, sizeof(it->moved));
		memset(it->failed, 0, sizeof(it->failed));
		if ((n = num_list(line + 2, it->moved, NW_MAX_NODES)) < 1 ||
		    !(sp = strchr(line + 2, ' ')) || num_list(sp + 1, it->failed, NW_FAIL_MAX) < 1)
			return -EINVAL;
		it->kind = REC_COUNTS;
		return 0;
	case 'R':
		if (parse_region(line + 2, nodes, it))
			return -EINVAL;
		it->kind = REC_REGION;
		return 0;
	case 'X':
		if (sscanf(line + 2, "%llu %llx", &a, &b) != 2)
			return -EINVAL;
		memset(&it->r, 0, sizeof(it->r));
		it->r.pid = (uint32_t)a;
		it->r.addr = b;
		it->kind = REC_GONE;
		return 0;
	}
	return -EINVAL;
}

uint64_t rec_hdr_num(const char *text, const char *key, uint64_t def)
{
	size_t k = strlen(key);

	for (const char *p = text; (p = strstr(p, key)); p += k)
		if ((p == text || p[-1] == ' ') && p[k] == '=')
			return strtoull(p + k + 1, NULL, 10);
	return def;
}
