// SPDX-License-Identifier: GPL-2.0-only
/* The size parser behind --mem (vmm/config.c), and its formatter. */
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	uint64_t v;
	char buf[32];

	if (config_parse_size(s, &v) == 0)
		config_format_size(v, buf, sizeof(buf));
	free(s);
	return 0;
}
