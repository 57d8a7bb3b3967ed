// SPDX-License-Identifier: GPL-2.0-only
/* Command mode's exit statuses, and the ring of the kernel's last lines. */
#include <string.h>

#include "vmm/cmd_mode.h"

/* vmm's status for each outcome: base, plus the outcome's value where it has one. */
static const struct {
	int base;
	bool add_value;
} status_of[CMD_OUT_COUNT] = {
	[CMD_OUT_EXITED] = { 0, true },
	[CMD_OUT_SIGNALED] = { 128, true },
	[CMD_OUT_NOTFOUND] = { CMD_STATUS_NOTFOUND, false },
	[CMD_OUT_NOEXEC] = { CMD_STATUS_NOEXEC, false },
	[CMD_OUT_SETUP] = { CMD_STATUS_VMM, false },
	[CMD_OUT_BROKEN] = { CMD_STATUS_VMM, false },
	[CMD_OUT_GUEST_ENDED] = { CMD_STATUS_VMM, false },
	[CMD_OUT_TIMEOUT] = { CMD_STATUS_TIMEOUT, false },
	[CMD_OUT_QUIT] = { CMD_STATUS_QUIT, false },
	[CMD_OUT_VMM_SIGNAL] = { 128, true },
	[CMD_OUT_VMM_FAILED] = { CMD_STATUS_VMM, false },
};

int cmd_status(enum cmd_outcome o, unsigned int value)
{
	if ((unsigned int)o >= CMD_OUT_COUNT)
		return CMD_STATUS_VMM;
	if (!status_of[o].add_value)
		return status_of[o].base;
	/* A status is one byte; a signal number beyond 127 cannot be told apart. */
	if (value > (status_of[o].base ? 127u : 255u))
		return CMD_STATUS_VMM;
	return status_of[o].base + (int)value;
}

enum cmd_outcome cmd_outcome_of_exit(uint8_t how)
{
	switch (how) {
	case CMD_EXITED:
		return CMD_OUT_EXITED;
	case CMD_SIGNALED:
		return CMD_OUT_SIGNALED;
	case CMD_NOTFOUND:
		return CMD_OUT_NOTFOUND;
	case CMD_NOEXEC:
		return CMD_OUT_NOEXEC;
	default:
		return CMD_OUT_SETUP;
	}
}

void cmd_ring_put(struct cmd_ring *ring, const uint8_t *p, size_t len)
{
	while (len) {
		size_t n = CMD_RING_BYTES - ring->head;

		if (n > len)
			n = len;
		memcpy(ring->buf + ring->head, p, n);
		ring->head += n;
		p += n;
		len -= n;
		if (ring->head == CMD_RING_BYTES) {
			ring->head = 0;
			ring->wrapped = true;
		}
	}
}

size_t cmd_ring_tail(const struct cmd_ring *ring, unsigned int lines, char *out, size_t outlen)
{
	size_t total = ring->wrapped ? CMD_RING_BYTES : ring->head;
	size_t start = ring->wrapped ? ring->head : 0, i, from = 0, o = 0;
	unsigned int seen = 0;

	if (!outlen)
		return 0;
	/* Walk back from the end (a last line without \n counts) to the lines' start. */
	for (i = total; i > 0; i--) {
		char c = ring->buf[(start + i - 1) % CMD_RING_BYTES];

		if (c == '\n' && i != total && ++seen == lines) {
			from = i;
			break;
		}
	}
	for (i = from; i < total && o + 1 < outlen; i++) {
		char c = ring->buf[(start + i) % CMD_RING_BYTES];

		if (c != '\r')
			out[o++] = c;
	}
	out[o] = 0;
	return o;
}
