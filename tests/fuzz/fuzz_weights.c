// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the weights/node-list parser; a parsed table must format and parse back. */
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "placement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[NW_ERRLEN], buf[1024];
	uint32_t w[NW_MAX_NODES], w2[NW_MAX_NODES];

	/* "all" and "!" stand for nodes 0, 1, 3, 62 here: sparse, with a gap and the top */
	const uint64_t all = 0x400000000000000bull;

	memcpy(s, data, size);
	s[size] = 0;
	if (!parse_weights(s, all, w, err) && !weights_zero(w)) {
		struct wtable t;

		format_weights(w, buf, sizeof(buf));
		if (parse_weights(buf, all, w2, err) || memcmp(w, w2, sizeof(w)))
			abort();
		if (wtable_init(&t, w))
			abort();
		for (uint64_t i = 0; i < 64; i++)
			if (wtable_node(&t, i) != wtable_node_ref(w, i))
				abort();
		wtable_free(&t);
	}
	free(s);
	return 0;
}
