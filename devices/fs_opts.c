// SPDX-License-Identifier: GPL-2.0-only
/*
 * The --share option: HOSTDIR,tag=TAG[,ro]. Checked before anything is
 * opened; the directory itself is opened by fuse_server_new().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fuse_server.h"
#include "log.h"
#include "status.h"

static int fs_bad(const char *spec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fs_bad(const char *spec, const char *fmt, ...)
{
	char cause[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	log_error("--share %s: %s", spec, cause);
	return VMM_ERR_USAGE;
}

/* Tags are what the guest types after mount -t virtiofs: plain words. */
static bool tag_ok(const char *t, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= '0' && t[i] <= '9') || strchr("-_.:", t[i])))
			return false;
	return len > 0;
}

int fs_opts_parse(const char *spec, struct fs_opts *out)
{
	const char *p = strchr(spec, ','), *item, *end;
	size_t dirlen = p ? (size_t)(p - spec) : strlen(spec), len;
	bool has_ro = false;

	memset(out, 0, sizeof(*out));
	if (!dirlen)
		return fs_bad(spec, "expected HOSTDIR,tag=TAG[,ro] (no directory given)");
	if (dirlen >= sizeof(out->dir))
		return fs_bad(spec, "directory name longer than %zu bytes", sizeof(out->dir) - 1);
	memcpy(out->dir, spec, dirlen);
	for (item = p; item; item = end) {
		item++;
		end = strchr(item, ',');
		len = end ? (size_t)(end - item) : strlen(item);
		if (len == 2 && !strncmp(item, "ro", 2)) {
			if (has_ro)
				return fs_bad(spec, "ro given twice");
			has_ro = out->ro = true;
		} else if (len >= 4 && !strncmp(item, "tag=", 4)) {
			if (out->tag[0])
				return fs_bad(spec, "tag given twice");
			if (len - 4 > FS_TAG_MAX)
				return fs_bad(spec, "tag longer than %d bytes", FS_TAG_MAX);
			if (!tag_ok(item + 4, len - 4))
				return fs_bad(spec, "tag must be letters, digits and -_.: (1 to %d)",
					      FS_TAG_MAX);
			memcpy(out->tag, item + 4, len - 4);
		} else {
			return fs_bad(spec, "unknown option '%.*s' (expected tag=TAG or ro)",
				      (int)len, item);
		}
	}
	if (!out->tag[0])
		return fs_bad(spec, "tag=TAG missing (the name the guest mounts)");
	return 0;
}
