/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CMD_PROTO_H
#define VMM_CMD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The command-mode wire protocol (`vmm run -- CMD`): what vmm and its guest
 * agent (guest/agent/, the /init of command mode) say to each other over
 * one virtio-console port (the guest's /dev/hvc0, put in raw mode by the
 * agent). Shared by both sides: vmm/cmd_proto.c is compiled into vmm and
 * into the agent.
 *
 * One byte stream each way, cut into frames:
 *
 *   u32 len (little-endian)   payload bytes that follow, <= CMD_PROTO_MAX
 *   u8  type                  enum cmd_frame_type
 *   u8  pad[3]                zero
 *   payload[len]
 *
 * Why frames over one port rather than a port per stream: stdin's EOF,
 * the exit status and the window size must stay ordered with the data
 * around them, which separate ports cannot promise; and one device costs
 * one virtio-mmio slot and one thread.
 *
 * A conversation:
 *   agent: HELLO (u32 CMD_PROTO_VERSION) once its port is raw
 *   vmm:   SPEC (the command, its environment and the mounts)
 *   vmm:   STDIN ... STDIN with len 0 (EOF), WINSIZE at any time
 *   agent: STDOUT, STDERR ... then EXIT, after which it powers off
 *
 * Either side treats bytes that do not parse (len > CMD_PROTO_MAX, an
 * unknown type, a short fixed-size payload) as the end of the
 * conversation: the decoder fails and stays failed. vmm then reports the
 * guest's agent as broken (status 125 in command mode); a guest cannot make
 * vmm read or write out of bounds.
 */

#define CMD_PROTO_VERSION 1
#define CMD_FRAME_HDR 8
/* Bounds every payload, so a decoder's buffer; the SPEC is the largest. */
#define CMD_PROTO_MAX (256u * 1024)
/* Data frames (STDIN/STDOUT/STDERR) are cut at this size by senders. */
#define CMD_PROTO_DATA_MAX (32u * 1024)
/* EXIT's message text, at most. */
#define CMD_EXIT_MSG_MAX 512

enum cmd_frame_type {
	CMD_HELLO = 1,   /* guest -> vmm: u32 version */
	CMD_SPEC = 2,    /* vmm -> guest: NUL-terminated "key=value" items */
	CMD_STDIN = 3,   /* vmm -> guest: bytes for CMD's stdin; len 0 is EOF */
	CMD_STDOUT = 4,  /* guest -> vmm: bytes CMD wrote to stdout */
	CMD_STDERR = 5,  /* guest -> vmm: bytes CMD wrote to stderr */
	CMD_WINSIZE = 6, /* vmm -> guest: u16 rows, u16 cols (terminal mode) */
	CMD_EXIT = 7,    /* guest -> vmm: u8 how, u8 value, u16 0, message */
};

/* EXIT's `how`. vmm's status for each is in man/vmm.1 (COMMAND MODE). */
enum cmd_exit_how {
	CMD_EXITED = 0,    /* value: CMD's exit status, 0-255 */
	CMD_SIGNALED = 1,  /* value: the signal that ended CMD */
	CMD_NOTFOUND = 2,  /* CMD was not found in PATH (status 127) */
	CMD_NOEXEC = 3,    /* CMD was found but could not run (status 126) */
	CMD_SETUP = 4,     /* the agent could not set the guest up; message says why */
};

/*
 * cmd_frame_header - write the 8-byte header of a frame of `type` with a
 * payload of len bytes to out. Returns CMD_FRAME_HDR, or 0 when len exceeds
 * CMD_PROTO_MAX (nothing written).
 */
size_t cmd_frame_header(uint8_t out[CMD_FRAME_HDR], enum cmd_frame_type type, size_t len);

/*
 * A streaming frame decoder: bytes go in as they arrive, in chunks of any
 * size; whole frames come out through a callback. Not thread-safe: one
 * thread feeds it.
 */
typedef void cmd_frame_fn(void *ctx, enum cmd_frame_type type, const uint8_t *payload,
			  size_t len);

struct cmd_decoder {
	uint8_t hdr[CMD_FRAME_HDR];
	size_t hdr_got;
	uint8_t *buf;       /* payload so far; grown up to CMD_PROTO_MAX */
	size_t cap, len, got;
	uint8_t type;
	bool failed;
	char why[80];       /* why it failed: for the one error line */
};

/* cmd_decoder_init - an empty decoder (owns no memory until fed). */
void cmd_decoder_init(struct cmd_decoder *d);

/* cmd_decoder_free - release its buffer; it may be re-initialised. */
void cmd_decoder_free(struct cmd_decoder *d);

/*
 * cmd_decoder_feed - consume buf[0..len), calling fn(ctx, ...) for each
 * frame completed, in order (payload valid only during the call). Returns
 * 0, or -1 when the stream is malformed (d->why says how: "frame of N
 * bytes, more than 262144", "unknown frame type N", "HELLO of N bytes") or
 * memory ran out; the decoder then stays failed and ignores further input.
 */
int cmd_decoder_feed(struct cmd_decoder *d, const uint8_t *buf, size_t len, cmd_frame_fn *fn,
		     void *ctx);

/*
 * The command to run, as SPEC carries it. Items, each "key=value\0":
 *   arg=STRING       argv, in order (at least one)
 *   env=NAME=VALUE   the environment, in order
 *   cwd=PATH         working directory (absolute)
 *   uid=N, gid=N     credentials CMD runs with; group=N per supplementary group
 *   tty=1            stdin is a terminal: give CMD a pty (rows=N, cols=N)
 *   root=TAG         the virtio-fs tag of the tree that becomes / (read-only,
 *                    under a tmpfs overlay)
 *   mount=TAG:rw:PATH or mount=TAG:ro:PATH
 *                    another virtio-fs share, mounted at PATH (absolute;
 *                    the part after the second ':' so PATH may hold ':')
 *   hostname=NAME
 * Unknown keys are ignored, so an older agent runs a newer vmm's SPEC.
 */
#define CMD_SPEC_MAX_MOUNTS 64
#define CMD_SPEC_MAX_GROUPS 64

struct cmd_mount {
	const char *tag;
	const char *path;
	bool ro;
};

struct cmd_spec {
	const char **argv;      /* NULL-terminated */
	const char **envp;      /* NULL-terminated */
	size_t argc, envc;
	const char *cwd;        /* NULL: "/" */
	const char *root_tag;   /* NULL: no shared root (agent keeps initramfs) */
	const char *hostname;   /* NULL: the agent's default */
	uint32_t uid, gid;
	uint32_t groups[CMD_SPEC_MAX_GROUPS];
	size_t ngroups;
	bool tty;
	uint16_t rows, cols;
	struct cmd_mount mounts[CMD_SPEC_MAX_MOUNTS];
	size_t nmounts;
	/* private: the storage all the strings above point into */
	char *storage_;
};

/*
 * cmd_spec_encode - the SPEC payload for spec (argv/envp NULL-terminated;
 * argc/envc ignored) into a malloc()ed buffer: *out, *out_len. Returns 0,
 * or -1 when it would exceed CMD_PROTO_MAX ("arguments and environment are
 * N bytes, more than 262144" in why[whylen]), an item holds a NUL it cannot
 * (a mount tag with ':'), or memory ran out.
 */
int cmd_spec_encode(const struct cmd_spec *spec, uint8_t **out, size_t *out_len, char *why,
		    size_t whylen);

/*
 * cmd_spec_decode - parse a SPEC payload into *spec (which then owns a
 * copy: free with cmd_spec_free). Returns 0, or -1 with why[whylen] set:
 * the payload does not end in NUL, an item has no '=', a number is not a
 * number, no arg, a relative cwd or mount path, a malformed mount, more
 * than CMD_SPEC_MAX_MOUNTS mounts or CMD_SPEC_MAX_GROUPS groups.
 */
int cmd_spec_decode(const uint8_t *payload, size_t len, struct cmd_spec *spec, char *why,
		    size_t whylen);

/* cmd_spec_free - what cmd_spec_decode allocated; *spec is zeroed. */
void cmd_spec_free(struct cmd_spec *spec);

#endif
