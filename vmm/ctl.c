// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket of a running VM: RUNDIR/NAME.sock (vmm/runtime.h).
 *
 * Protocol: a client connects, sends one line, and gets one JSON line back:
 *   info                 the VM's configuration, state, uptime and counters
 *   pause | resume       stop or restart every vCPU (the guest's clock
 *                        does not jump over the pause)
 *   stop                 press the guest's power button
 *   kill                 end the VM now
 *   console [COLS ROWS]  {"ok":true} and then the connection is the guest's
 *                        console, both ways, until either side closes it
 *   resize COLS ROWS     the attached terminal's size (virtio console)
 * Errors come back as {"ok":false,"error":"..."}.
 *
 * Everything here runs on the main thread, from main_loop(): the socket is
 * polled with the rest, so commands are serialised with guest events and
 * reboots, and pause/resume can stop and start vCPU threads directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/ctl_proto.h"
#include "vmm/json.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ctl_open(struct vm *vm)
{
	struct vm_ctl *c = &vm->ctl;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[4096];
	int i, r;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	c->listen_fd = c->lock_fd = -1;
	c->started = now_s();
	r = rt_dir(c->dir, sizeof(c->dir));
	if (r)
		return r;
	if (vm->cfg->name)
		snprintf(c->name, sizeof(c->name), "%s", vm->cfg->name);
	else
		rt_name_default(c->name, sizeof(c->name), getpid());
	c->lock_fd = rt_claim(c->dir, c->name);
	if (c->lock_fd < 0) {
		r = -c->lock_fd;
		c->lock_fd = -1;
		return r;
	}
	if (rt_path(path, sizeof(path), c->dir, c->name, "sock") ||
	    strlen(path) >= sizeof(sa.sun_path)) {
		log_error("--name %s: socket path %s/%s.sock too long", c->name, c->dir, c->name);
		return VMM_ERR_USAGE;
	}
	strcpy(sa.sun_path, path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(c->listen_fd, 8) < 0) {
		log_errno("control socket %s", path);
		return VMM_ERR_HOST;
	}
	log_info("vm %s: control socket %s", c->name, path);
	return 0;
}

void ctl_close(struct vm *vm)
{
	struct vm_ctl *c = &vm->ctl;
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			close(c->clients[i].fd);
	console_router_detach_client(&vm->console);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	c->listen_fd = -1;
	rt_release(c->dir, c->name, c->lock_fd);
	c->lock_fd = -1;
}

static void reply(int fd, const char *json_line)
{
	ctl_reply(fd, json_line);
}

/* The guest's CPU features: what it was given, not what the host has. */
static void info_cpu_features(const struct cpu_features *f, struct json *j)
{
	unsigned int vq;

	json_object_begin(j, "cpu_features");
	json_bool(j, "sve", f->sve);
	if (f->sve) {
		json_array_begin(j, "sve_vector_lengths");
		for (vq = 1; vq <= CPU_SVE_VLS_WORDS * 64; vq++)
			if (cpu_features_has_vl(f->sve_vls, vq * 128))
				json_uint(j, NULL, vq * 128);
		json_array_end(j);
	} else {
		json_null(j, "sve_vector_lengths");
	}
	json_bool(j, "ptrauth", f->ptrauth);
	json_bool(j, "pmu", f->pmu);
	json_bool(j, "mte", f->mte);
	json_bool(j, "steal_time", f->steal_time);
	json_object_end(j);
}

/* The `info` answer; kept in step with what `vmm info NAME` prints. */
static void reply_info(struct vm *vm, int fd)
{
	const struct vm_config *cfg = vm->cfg;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	unsigned int i;

	if (!f)
		return;
	json_begin(&j, f);
	json_bool(&j, "ok", true);
	json_string(&j, "name", vm->ctl.name);
	json_int(&j, "pid", getpid());
	json_string(&j, "state", vm->ctl.paused ? "paused" : "running");
	json_uint(&j, "uptime_s", (unsigned long long)(now_s() - vm->ctl.started));
	json_string(&j, "kernel", vm->files.kernel_path);
	json_string(&j, "initrd", vm->files.initrd_path);
	json_string(&j, "cmdline", vm->bootargs);
	json_uint(&j, "cpus", vm->nvcpus);
	json_uint(&j, "mem_mib", vm->layout.ram_size >> 20);
	json_uint(&j, "ipa_bits", vm->kvm.ipa_bits);
	json_string(&j, "irqchip", vm->kvm.gic == DT_GIC_V3 ? (vm->kvm.its ? "gicv3-its" : "gicv3")
							    : "gicv2");
	info_cpu_features(&vm->kvm.feat, &j);
	json_uint(&j, "reboots", vm->reboots);
	json_object_begin(&j, "console");
	json_string(&j, "device", devices_console_name(vm));
	json_bool(&j, "attached", console_router_attached(&vm->console));
	json_string(&j, "pty", vm->pty.master >= 0 ? vm->pty.path : NULL);
	json_string(&j, "log", cfg->console_log);
	devices_info(vm, &j, "console");
	json_object_end(&j);
	devices_info_lists(vm, &j);
	vm_stats_json(vm, &j);
	json_end(&j);
	fclose(f);
	if (buf) {
		/* One line on the wire: the client reads up to the newline. */
		for (i = 0; i + 1 < len; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		reply(fd, buf);
	}
	free(buf);
}

static int do_pause(struct vm *vm)
{
	if (vm->ctl.paused)
		return 0;
	vcpu_stop_all(vm);
	bus_drain(&vm->bus);
	/* Device threads finish their batch and in-flight I/O, then wait. */
	dev_gate_close(&vm->gate);
	devices_pause(vm, true);
	if (arm64_counter_pause(&vm->kvm, &vm->vcpus[0].cpu)) {
		devices_pause(vm, false);
		dev_gate_open(&vm->gate);
		return -1;
	}
	vm->ctl.paused = true;
	log_info("vm %s: paused", vm->ctl.name);
	return 0;
}

static int do_resume(struct vm *vm)
{
	uint64_t one = 1;

	if (!vm->ctl.paused)
		return 0;
	if (arm64_counter_resume(&vm->kvm, &vm->vcpus[0].cpu))
		return -1;
	devices_pause(vm, false);
	dev_gate_open(&vm->gate);
	if (vcpu_start_all(vm))
		return -1;
	/* Console input held back while paused (virtio-console): offer it again. */
	if (write(vm->rx_ready_fd, &one, sizeof(one)) < 0) {
		/* a saturated counter still wakes the main loop */
	}
	vm->ctl.paused = false;
	log_info("vm %s: resumed", vm->ctl.name);
	return 0;
}

/* The console request: the connection becomes the console, or an error. */
static bool attach_console(struct vm *vm, int fd, const struct ctl_req *req)
{
	bool attached = console_router_attached(&vm->console);

	if (req->has_size && !attached)
		devices_console_size(vm, req->cols, req->rows);
	if (attached) {
		ctl_reply_error(fd, "a console is already attached");
	} else if (vm->pty.master >= 0) {
		char why[128];

		snprintf(why, sizeof(why), "this VM's console is on %s (--console-pty)",
			 vm->pty.path);
		ctl_reply_error(fd, why);
	} else if (!vm->console.on_socket) {
		ctl_reply_error(fd, "this VM's console is not on its socket (started without "
				    "--detach)");
	} else {
		reply(fd, "{\"ok\": true}\n");
		console_router_attach_client(&vm->console, fd);
		log_info("vm %s: console attached", vm->ctl.name);
		return true;
	}
	return false;
}

/* One request line from a client; returns an event that ends the VM, if any. */
static enum vm_event handle_request(struct vm *vm, struct ctl_client *cl, const char *line)
{
	int fd = cl->fd;
	enum vm_event ev = VM_EV_NONE;
	struct ctl_req req;

	ctl_parse(line, &req);
	switch (req.kind) {
	case CTL_REQ_INFO:
		reply_info(vm, fd);
		break;
	case CTL_REQ_PAUSE:
		if (do_pause(vm))
			ctl_reply_error(fd, "pause failed");
		else
			ctl_reply_ok(fd, "paused");
		break;
	case CTL_REQ_RESUME:
		if (do_resume(vm))
			ctl_reply_error(fd, "resume failed");
		else
			ctl_reply_ok(fd, "running");
		break;
	case CTL_REQ_STOP:
		if (vm->ctl.paused && do_resume(vm)) {
			ctl_reply_error(fd, "resume before stop failed");
		} else {
			devices_power_button(vm);
			ctl_reply_ok(fd, "stopping");
		}
		break;
	case CTL_REQ_KILL:
		ctl_reply_ok(fd, "killed");
		ev = VM_EV_KILLED;
		break;
	case CTL_REQ_RESIZE:
		if (req.has_size)
			devices_console_size(vm, req.cols, req.rows);
		ctl_reply_ok(fd, vm->ctl.paused ? "paused" : "running");
		break;
	case CTL_REQ_CONSOLE:
		if (attach_console(vm, fd, &req)) {
			/* The connection is the console now: out of the request table. */
			cl->fd = -1;
			return VM_EV_NONE;
		}
		break;
	default:
		ctl_reply_error(fd, "unknown command");
		break;
	}
	close(fd);
	cl->fd = -1;
	return ev;
}

int ctl_pollfds(struct vm *vm, struct pollfd *pfd)
{
	struct vm_ctl *c = &vm->ctl;
	int i, n = 0;

	if (c->listen_fd < 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		pfd[n++] = (struct pollfd){ .fd = c->clients[i].fd, .events = POLLIN };
	return n;
}

enum vm_event ctl_handle(struct vm *vm, const struct pollfd *pfd, int n)
{
	struct vm_ctl *c = &vm->ctl;
	enum vm_event ev = VM_EV_NONE;
	int i;

	if (n == 0)
		return VM_EV_NONE;
	for (i = 0; i < CTL_MAX_CLIENTS && ev == VM_EV_NONE; i++) {
		struct ctl_client *cl = &c->clients[i];
		enum ctl_line_state st;
		char *room, *line;
		size_t nroom;
		ssize_t r;

		if (cl->fd < 0 || !(pfd[1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		room = ctl_line_room(&cl->in, &nroom);
		r = recv(cl->fd, room, nroom, MSG_DONTWAIT);
		st = r > 0 ? ctl_line_received(&cl->in, (size_t)r, &line) : CTL_LINE_TOO_LONG;
		if (st == CTL_LINE_TOO_LONG) {
			close(cl->fd); /* gone, or a line longer than any command */
			cl->fd = -1;
			continue;
		}
		if (st == CTL_LINE_PARTIAL)
			continue;
		ev = handle_request(vm, cl, line);
	}
	if (pfd[0].revents & POLLIN) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		for (i = 0; fd >= 0 && i < CTL_MAX_CLIENTS; i++) {
			if (c->clients[i].fd < 0) {
				c->clients[i].fd = fd;
				c->clients[i].in.len = 0;
				fd = -1;
			}
		}
		if (fd >= 0) {
			ctl_reply_error(fd, "busy: too many control connections");
			close(fd);
		}
	}
	return ev;
}

void ctl_console_detach(struct vm *vm)
{
	/* The router closes the fd once no vCPU can be writing to it. */
	if (!console_router_detach_client(&vm->console))
		return;
	log_info("vm %s: console detached", vm->ctl.name);
}
