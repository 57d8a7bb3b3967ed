// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket's request side (vmm/ctl_proto.c): the input is cut
 * into recv(2)-sized pieces (first byte of each piece: its length) fed to
 * ctl_line_room/ctl_line_received, and each line that completes is parsed,
 * as vmm/ctl.c does.
 */
#include "vmm/ctl_proto.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct ctl_line l;
	struct ctl_req req;
	char *line;

	memset(&l, 0, sizeof(l));
	while (fz_left(&f)) {
		size_t room, n = fz_u8(&f) % 40 + 1;
		char *at = ctl_line_room(&l, &room);

		if (room < 1)
			abort(); /* promised while not TOO_LONG */
		if (n > room)
			n = room;
		if (n > fz_left(&f))
			n = fz_left(&f);
		fz_bytes(&f, at, n);
		switch (ctl_line_received(&l, n, &line)) {
		case CTL_LINE_PARTIAL:
			break;
		case CTL_LINE_DONE:
			ctl_parse(line, &req);
			memset(&l, 0, sizeof(l)); /* ctl.c answers one line per connection */
			break;
		case CTL_LINE_TOO_LONG:
			return 0;
		}
	}
	/* The whole input as one line, too. */
	line = fz_str(data, size);
	ctl_parse(line, &req);
	free(line);
	return 0;
}
