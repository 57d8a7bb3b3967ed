// SPDX-License-Identifier: GPL-2.0-only
/*
 * The main thread's loop while the guest runs: console input (the terminal,
 * a pipe, or an attached `vmm console` client), signals (signalfd), events
 * from vCPU threads, the control socket, --timeout, and the periodic drain
 * of coalesced console output.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "uart16550.h"
#include "vmm/vm.h"

#define SERIAL_FLUSH_MS 20 /* latency bound for coalesced console output */

struct console_in {
	uint8_t buf[256];
	size_t len, off;
	bool blocked; /* the UART is full: wait for rx_ready */
};

static void console_help(void)
{
	static const char help[] = "\r\nvmm console: Ctrl-A x quit, Ctrl-A Ctrl-A send Ctrl-A, "
				   "Ctrl-A h this help\r\n";

	console_write((const uint8_t *)help, sizeof(help) - 1);
}

/* Feed what we hold to the UART; the rest waits for rx_ready. */
static void console_push(struct vm *vm, struct console_in *in)
{
	size_t n = devices_console_rx(vm, in->buf + in->off, in->len - in->off);

	in->off += n;
	if (in->off == in->len) {
		in->off = in->len = 0;
		in->blocked = false;
	} else {
		in->blocked = true;
	}
}

/* Read console input from fd; returns a VM event when the user asked to quit. */
static enum vm_event console_read(struct vm *vm, struct console_in *in, int fd)
{
	uint8_t raw[sizeof(in->buf) / 2];
	enum console_action act;
	size_t used, done = 0;
	ssize_t n = read(fd, raw, sizeof(raw));

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return VM_EV_NONE;
		if (fd == vm->pty.master)
			vm->pty.connected = false; /* EIO: pty_check sees it too */
		if (fd == vm->console.client_fd)
			ctl_console_detach(vm); /* the client left; the guest runs on */
		else {
			console_router_input_ended(&vm->console, fd);
			if (fd == STDIN_FILENO)
				devices_console_eof(vm);
		}
		return VM_EV_NONE;
	}
	in->len = in->off = 0;
	/* raw holds half of buf, so the escaped output always fits. */
	while (done < (size_t)n) {
		in->len += console_router_input(&vm->console, fd, raw + done, (size_t)n - done,
						in->buf + in->len, &used, &act);
		done += used;
		if (act == CONSOLE_QUIT)
			return VM_EV_QUIT;
		if (act == CONSOLE_HELP)
			console_help();
	}
	if (in->len)
		console_push(vm, in);
	return VM_EV_NONE;
}

int signal_fd_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

void terminal_size_changed(struct vm *vm)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		devices_console_size(vm, ws.ws_col, ws.ws_row);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A program opened or closed the pty's slave, or resized it: output goes to
 * the pty only while somebody reads it (an attached `vmm console` client
 * takes precedence), and a virtio console follows the slave's size.
 */
static void pty_check(struct vm *vm)
{
	bool resized;

	if (vm->pty.master < 0)
		return;
	if (console_pty_check(&vm->pty, &resized)) {
		/* The router writes to the pty only while connected and no client is attached. */
		console_router_pty_connected(&vm->console, vm->pty.connected);
		if (!console_router_attached(&vm->console))
			log_info("console: %s %s", vm->pty.path,
				 vm->pty.connected ? "opened" : "closed");
	}
	if (resized)
		devices_console_size(vm, vm->pty.cols, vm->pty.rows);
}

enum vm_event main_loop(struct vm *vm, int sfd, double deadline)
{
	static struct console_in in; /* survives reboots: typed-ahead input too */

	for (;;) {
		struct pollfd pfd[4 + CTL_MAX_CLIENTS];
		int cfd, nctl, timeout = SERIAL_FLUSH_MS;
		enum vm_event ev;

		pty_check(vm);
		cfd = console_router_input_fd(&vm->console);
		pfd[0] = (struct pollfd){ .fd = vm->event_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		/* While the UART is full, wait for room instead of reading more. */
		pfd[2] = (struct pollfd){ .fd = in.blocked ? vm->rx_ready_fd : cfd, .events = POLLIN };
		nctl = ctl_pollfds(vm, pfd + 3);
		if (deadline > 0) {
			double left = deadline - mono_s();

			if (left <= 0)
				return VM_EV_TIMEOUT;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		/* A guest that printed and went idle leaves output in the ring. */
		bus_drain(&vm->bus);
		if (poll(pfd, (nfds_t)(3 + nctl), timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_errno("poll");
			vm_post_event(vm, VM_EV_ERROR);
		}
		ev = (enum vm_event)atomic_load(&vm->event);
		if (ev != VM_EV_NONE)
			return ev;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH) {
					if (!vm->console.on_socket)
						terminal_size_changed(vm);
				} else {
					vm->exit_signal = (int)si.ssi_signo;
					return VM_EV_SIGNAL;
				}
			}
		}
		if (in.blocked && (pfd[2].revents & POLLIN)) {
			uint64_t v;

			if (read(vm->rx_ready_fd, &v, sizeof(v)) < 0) {
				/* eventfd reads only fail when not ready: poll said it was */
			}
			console_push(vm, &in);
		} else if (!in.blocked && pfd[2].fd >= 0 &&
			   (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			ev = console_read(vm, &in, pfd[2].fd);
			if (ev != VM_EV_NONE)
				return ev;
		}
		ev = ctl_handle(vm, pfd + 3, nctl);
		if (ev != VM_EV_NONE)
			return ev;
	}
}

int exit_status(struct vm *vm, enum vm_event ev)
{
	switch (ev) {
	case VM_EV_POWEROFF:
		return VMM_OK;
	case VM_EV_RESET:
		return VMM_GUEST_RESET;
	case VM_EV_CRASH:
		return VMM_GUEST_CRASH;
	case VM_EV_QUIT:
		return VMM_USER_QUIT;
	case VM_EV_SIGNAL:
		return 128 + vm->exit_signal;
	case VM_EV_KILLED:
		return VMM_KILLED;
	case VM_EV_TIMEOUT:
		log_error("--timeout %u: the guest was still running; stopped it",
			  vm->cfg->timeout);
		return VMM_TIMEOUT;
	case VM_EV_PANIC:
		log_error("guest: kernel panic");
		return VMM_GUEST_PANIC;
	default:
		return VMM_ERR_INTERNAL;
	}
}
