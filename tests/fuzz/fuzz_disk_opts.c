// SPDX-License-Identifier: GPL-2.0-only
/* The --disk SPEC parser (devices/disk.c): any string, parsed or refused. */
#include <stdio.h>

#include "disk.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	struct disk_opts o;

	if (disk_opts_parse(s, &o) == 0) {
		/* What a parsed spec promises: a NUL-terminated non-empty path and serial. */
		if (!o.path[0] || strnlen(o.path, sizeof(o.path)) == sizeof(o.path) ||
		    strnlen(o.serial, sizeof(o.serial)) == sizeof(o.serial) ||
		    o.queues > DISK_MAX_QUEUES || !disk_io_name(o.io))
			abort();
	}
	free(s);
	return 0;
}
