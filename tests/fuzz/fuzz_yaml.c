// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the damo YAML loader. */
#include <stdio.h>
#include "config.h"

static void quiet(const char *msg)
{
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nw_config c;
	char err[512];

	config_defaults(&c);
	config_load_yaml_buf((const char *)data, size, &c, quiet, err, sizeof(err));
	return 0;
}
