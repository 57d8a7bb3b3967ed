// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command mode's device and exit: the agent's channel (a virtio-console
 * whose host end is vmm/cmd_relay.c, hvc0 in the guest and its only one),
 * the serial's ring, and vmm's exit status from how the run ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "virtio_console.h"
#include "vmm/cmd_mode.h"
#include "vmm/cmd_relay.h"
#include "vmm/vm.h"

/* The channel's state: the hvc0 entry's priv. */
struct cmd_mode {
	struct vm *vm;
	struct virtio_console *con;
	struct cmd_relay relay;
	struct cmd_ring ring;
};

static size_t to_guest(void *ctx, const uint8_t *buf, size_t len)
{
	struct cmd_mode *m = ctx;

	return virtio_console_rx(m->con, buf, len);
}

static void wake_input(void *ctx)
{
	struct cmd_mode *m = ctx;
	uint64_t one = 1;

	if (write(m->vm->rx_ready_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write only fails on overflow, which a latch cannot reach */
	}
}

static void end(void *ctx)
{
	struct cmd_mode *m = ctx;

	/* The first event wins: a power-off racing EXIT still reads the relay. */
	vm_post_event(m->vm, VM_EV_POWEROFF);
}

static void chan_tx(void *ctx, const uint8_t *buf, size_t len)
{
	struct cmd_mode *m = ctx;

	cmd_relay_from_guest(&m->relay, buf, len);
}

static void chan_rx_ready(void *ctx)
{
	struct cmd_mode *m = ctx;

	/* The relay wakes the main loop itself once its queue drained. */
	cmd_relay_guest_ready(&m->relay);
	wake_input(m);
}

static void ring_tap(void *ctx, const uint8_t *buf, size_t len)
{
	cmd_ring_put(ctx, buf, len);
}

static int chan_model(struct vm_device *d, void *arg, unsigned int *nqueues)
{
	struct cmd_mode *m = arg;
	struct virtio_console_host host = { .tx = chan_tx, .rx_ready = chan_rx_ready, .ctx = m };
	int r = virtio_console_new(&host, &m->con);

	if (r)
		return r;
	d->model = m->con;
	d->priv = m;
	*nqueues = VIRTIO_CONSOLE_NUM_QUEUES;
	return VMM_OK;
}

static void chan_destroy(struct vm_device *d)
{
	struct cmd_mode *m = d->priv;

	virtio_console_free(d->model);
	if (!m)
		return;
	console_router_set_tap(&d->vm->console, NULL, NULL);
	cmd_relay_fini(&m->relay);
	if (d->vm->cmd == m)
		d->vm->cmd = NULL;
	free(m);
}

static size_t chan_console_rx(struct vm_device *d, const uint8_t *buf, size_t len)
{
	struct cmd_mode *m = d->priv;

	return cmd_relay_stdin(&m->relay, buf, len);
}

static void chan_console_size(struct vm_device *d, unsigned int cols, unsigned int rows)
{
	struct cmd_mode *m = d->priv;

	if (cols && rows && cols < 65536 && rows < 65536)
		cmd_relay_winsize(&m->relay, (uint16_t)rows, (uint16_t)cols);
}

static void chan_console_eof(struct vm_device *d)
{
	struct cmd_mode *m = d->priv;

	cmd_relay_stdin_eof(&m->relay);
}

static const struct vm_device_ops chan_ops = {
	.destroy = chan_destroy,
	.console = "command",
	.console_rx = chan_console_rx,
	.console_size = chan_console_size,
	.console_eof = chan_console_eof,
};

int dev_cmd_create(struct vm *vm)
{
	struct cmd_relay_ops ops = { .to_guest = to_guest, .wake_input = wake_input, .end = end };
	struct virtio_wire_desc w = {
		.name = "hvc0", .what = "command channel", .ops = &chan_ops,
		.vops = &virtio_console_dev_ops, .qmax = VIRTIO_CONSOLE_QUEUE_MAX,
		.create = chan_model,
	};
	static char cwd[4096];
	struct cmd_host h;
	struct cmd_mode *m;
	uint8_t *spec;
	size_t spec_len;
	int r;

	r = cmd_host_get(&h, cwd, sizeof(cwd));
	if (!r)
		r = cmd_spec_build(vm->cfg, &h, &spec, &spec_len);
	if (r)
		return r;
	m = calloc(1, sizeof(*m));
	ops.ctx = m;
	if (!m || cmd_relay_init(&m->relay, &ops, STDOUT_FILENO, STDERR_FILENO, spec, spec_len,
				 h.tty)) {
		log_error("command channel: no memory");
		free(spec);
		free(m);
		return VMM_ERR_INTERNAL;
	}
	m->vm = vm;
	w.arg = m;
	r = virtio_wire(vm, &w, NULL);
	if (r) {
		/* The entry's destroy freed m once the model existed. */
		if (!m->con) {
			cmd_relay_fini(&m->relay);
			free(m);
		}
		return r;
	}
	vm->cmd = m;
	console_router_set_tap(&vm->console, ring_tap, &m->ring);
	return VMM_OK;
}

/* Why the guest ended before CMD did, for the one line. */
static const char *guest_end_cause(enum vm_event ev)
{
	switch (ev) {
	case VM_EV_POWEROFF:
		return "the guest powered off";
	case VM_EV_RESET:
		return "the guest reset";
	case VM_EV_PANIC:
		return "the guest kernel panicked";
	case VM_EV_CRASH:
		return "the guest crashed";
	default:
		return "running the guest failed";
	}
}

int cmd_mode_exit(struct vm *vm, int event)
{
	enum vm_event ev = (enum vm_event)event;
	struct cmd_mode *m = vm->cmd;
	struct cmd_relay *rl = m ? &m->relay : NULL;
	static char tail[CMD_RING_BYTES + 1];
	enum cmd_outcome o;
	unsigned int value = 0;

	/* Plain lines from here on, not raw mode's: the terminal is back. */
	console_restore();
	if (rl && rl->ended && rl->exited) {
		o = cmd_outcome_of_exit(rl->how);
		value = rl->value;
		if (o == CMD_OUT_SETUP)
			log_error("guest agent: %s", rl->msg[0] ? rl->msg : "setting the guest up failed");
		/* As a shell says it: "vmm: CMD: command not found", then 127. */
		else if (o == CMD_OUT_NOTFOUND || o == CMD_OUT_NOEXEC)
			log_error("%s", rl->msg[0] ? rl->msg : vm->cfg->cmd_argv[0]);
		return cmd_status(o, value);
	}
	if (rl && rl->ended) {
		log_error("guest agent: %s", rl->msg);
		return cmd_status(CMD_OUT_BROKEN, 0);
	}
	switch (ev) {
	case VM_EV_TIMEOUT:
		log_error("--timeout %u: %s was still running; stopped the guest",
			  vm->cfg->timeout, vm->cfg->cmd_argv[0]);
		return cmd_status(CMD_OUT_TIMEOUT, 0);
	case VM_EV_QUIT:
		return cmd_status(CMD_OUT_QUIT, 0);
	case VM_EV_SIGNAL:
		return cmd_status(CMD_OUT_VMM_SIGNAL, (unsigned int)vm->exit_signal);
	case VM_EV_KILLED:
		log_error("vmm kill: stopped the guest before %s finished", vm->cfg->cmd_argv[0]);
		return cmd_status(CMD_OUT_VMM_FAILED, 0);
	default:
		break;
	}
	log_error("%s before %s finished%s", guest_end_cause(ev), vm->cfg->cmd_argv[0],
		  m && !vm->cfg->console_log && !vm->cfg->verbose ? "; its last console lines:" :
		  "");
	/* Nobody saw the kernel's messages: they tell why. */
	if (m && !vm->cfg->console_log && !vm->cfg->verbose &&
	    cmd_ring_tail(&m->ring, CMD_RING_LINES, tail, sizeof(tail))) {
		fputs(tail, stderr);
		if (tail[strlen(tail) - 1] != '\n')
			fputc('\n', stderr);
	}
	return cmd_status(CMD_OUT_GUEST_ENDED, 0);
}
