// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command mode's wire protocol (vmm/cmd_proto.c), as vmm reads what the
 * guest's agent sends: the input is cut into pieces (first byte of each:
 * its length) fed to the decoder, and every SPEC frame that completes is
 * decoded too (the agent's side), then re-encoded and decoded again, which
 * must give the same command.
 */
#include "cmd_proto.h"
#include "fuzz.h"

static void check_spec(const uint8_t *p, size_t len)
{
	struct cmd_spec a, b;
	uint8_t *enc;
	size_t enc_len;
	char why[128];

	if (cmd_spec_decode(p, len, &a, why, sizeof(why)))
		return;
	if (cmd_spec_encode(&a, &enc, &enc_len, why, sizeof(why)) == 0) {
		if (cmd_spec_decode(enc, enc_len, &b, why, sizeof(why)))
			abort(); /* what we encode, we decode */
		if (a.argc != b.argc || a.envc != b.envc || a.nmounts != b.nmounts ||
		    strcmp(a.argv[0], b.argv[0]))
			abort();
		cmd_spec_free(&b);
		free(enc);
	}
	cmd_spec_free(&a);
}

static void on_frame(void *ctx, enum cmd_frame_type type, const uint8_t *p, size_t len)
{
	(void)ctx;
	if (type == CMD_SPEC)
		check_spec(p, len);
	else if (len && p[len - 1] == 0xff)
		(void)p[0]; /* touch both ends: ASan checks the bounds */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct cmd_decoder d;
	uint8_t piece[256];

	cmd_decoder_init(&d);
	while (fz_left(&f)) {
		size_t n = fz_u8(&f);

		if (n > fz_left(&f))
			n = fz_left(&f);
		fz_bytes(&f, piece, n);
		if (cmd_decoder_feed(&d, piece, n, on_frame, NULL))
			break;
	}
	cmd_decoder_free(&d);
	return 0;
}
