// SPDX-License-Identifier: GPL-2.0-only
/*
 * `vmm run`: the start-up phases in order, the guest's life, and the exit
 * status. Each phase undoes its own work on failure through vm_teardown(),
 * which copes with a partly built VM.
 *
 * Threads: see the table in vmm/kvm_vcpu.c. The main thread runs
 * main_loop(): console input, signals (signalfd), and events from vCPUs.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "arm64/dt.h"
#include "log.h"
#include "status.h"
#include "pl031.h"
#include "uart16550.h"
#include "vmm/vm.h"

#define KVM_DEV "/dev/kvm"

/* --- devices ------------------------------------------------------------ */

static void uart_tx(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	console_write(buf, len);
}

static void uart_rx_ready(void *ctx)
{
	struct vm *vm = ctx;
	uint64_t one = 1;

	if (write(vm->rx_ready_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write only fails on overflow, which a latch cannot reach */
	}
}

static void add_desc(struct vm *vm, enum dev_kind kind, uint64_t base, uint64_t size,
		     unsigned int spi)
{
	struct dev_desc *d = &vm->devs[vm->ndevs++];

	d->kind = kind;
	d->base = base;
	d->size = size;
	d->spi = spi;
	d->edge = 0;
}

static int add_to_bus(struct vm *vm, struct bus_dev *bd, const char *name, uint64_t base,
		      uint64_t size, const struct bus_dev_ops *ops, void *opaque)
{
	int r;

	bd->name = name;
	bd->base = base;
	bd->size = size;
	bd->ops = ops;
	bd->opaque = opaque;
	r = bus_add(&vm->bus, bd);
	if (r) {
		errno = -r;
		log_errno("%s: adding it at 0x%llx", name, (unsigned long long)base);
		return VMM_ERR_INTERNAL;
	}
	return 0;
}

static int devices_create(struct vm *vm)
{
	struct uart16550_host host = { .tx = uart_tx, .rx_ready = uart_rx_ready, .ctx = vm };
	int r;

	arm64_irq_line_init(&vm->irq_uart, &vm->kvm, LAYOUT_SPI_UART);
	vm->uart = uart16550_new(&vm->irq_uart, &host);
	if (!vm->uart) {
		log_errno("serial port: creating the 16550");
		return VMM_ERR_INTERNAL;
	}
	r = add_to_bus(vm, &vm->bus_uart, "uart0", LAYOUT_UART, 0x1000, &uart16550_ops, vm->uart);
	if (r)
		return r;
	add_desc(vm, DEV_UART16550, LAYOUT_UART, 0x1000, LAYOUT_SPI_UART);

	arm64_irq_line_init(&vm->irq_rtc, &vm->kvm, LAYOUT_SPI_RTC);
	vm->rtc = pl031_new(&vm->irq_rtc, NULL, NULL);
	if (!vm->rtc) {
		log_errno("rtc: creating the PL031");
		return VMM_ERR_INTERNAL;
	}
	r = add_to_bus(vm, &vm->bus_rtc, "rtc0", LAYOUT_RTC, PL031_MMIO_SIZE, &pl031_ops, vm->rtc);
	if (r)
		return r;
	add_desc(vm, DEV_PL031, LAYOUT_RTC, PL031_MMIO_SIZE, LAYOUT_SPI_RTC);
	return 0;
}

static void devices_reset(struct vm *vm)
{
	uart16550_reset(vm->uart);
	pl031_reset(vm->rtc);
}

static void devices_destroy(struct vm *vm)
{
	uart16550_free(vm->uart);
	vm->uart = NULL;
	pl031_free(vm->rtc);
	vm->rtc = NULL;
}

/* --- loading the guest -------------------------------------------------- */

/* Everything a boot puts in RAM: kernel, initrd, a fresh device tree. */
static int guest_load(struct vm *vm)
{
	struct dt_params p;
	uint64_t *mpidr;
	void *fdt;
	unsigned int i;
	int size, r;

	r = loader_load(&vm->files, &vm->mem, &vm->layout);
	if (r)
		return r;
	mpidr = calloc(vm->nvcpus, sizeof(*mpidr));
	if (!mpidr)
		return VMM_ERR_INTERNAL;
	for (i = 0; i < vm->nvcpus; i++)
		mpidr[i] = vm->vcpus[i].cpu.mpidr;
	memset(&p, 0, sizeof(p));
	p.layout = &vm->layout;
	p.cpus = vm->nvcpus;
	p.mpidr = mpidr;
	p.gic = vm->kvm.gic;
	p.its = vm->kvm.its;
	p.psci_version = vm->kvm.psci_version;
	p.bootargs = vm->bootargs;
	p.devs = vm->devs;
	p.ndevs = vm->ndevs;
	/* Fresh seeds each boot: KASLR and the guest's entropy pool depend on them. */
	if (getrandom(&p.kaslr_seed, sizeof(p.kaslr_seed), 0) != sizeof(p.kaslr_seed) ||
	    getrandom(p.rng_seed, sizeof(p.rng_seed), 0) != sizeof(p.rng_seed))
		log_warn("getrandom: %s; the guest gets no seeds from vmm", strerror(errno));
	fdt = gm_ptr(&vm->mem, vm->layout.fdt_addr, LAYOUT_FDT_MAX);
	size = fdt ? dt_build(fdt, LAYOUT_FDT_MAX, &p) : -1;
	free(mpidr);
	if (size < 0)
		return VMM_ERR_INTERNAL;
	if (vm->cfg->dtb_dump) {
		FILE *f = fopen(vm->cfg->dtb_dump, "wb");

		if (!f || fwrite(fdt, (size_t)size, 1, f) != 1 || fclose(f)) {
			log_errno("--dtb-dump %s", vm->cfg->dtb_dump);
			if (f)
				fclose(f);
			return VMM_ERR_INPUT;
		}
	}
	return 0;
}

/* Architectural reset of every vCPU, counter back to zero. */
static int vcpus_reset(struct vm *vm)
{
	unsigned int i;
	int r;

	for (i = 0; i < vm->nvcpus; i++) {
		r = arm64_vcpu_reset(&vm->kvm, &vm->vcpus[i].cpu, vm->layout.kernel_addr,
				     vm->layout.fdt_addr);
		if (r)
			return r;
	}
	return arm64_counter_zero(&vm->kvm, &vm->vcpus[0].cpu);
}

/* A guest reset: same VM, same devices, fresh RAM and vCPU state. */
static int guest_reboot(struct vm *vm)
{
	int r;

	log_info("guest reset: booting again");
	devices_reset(vm);
	gm_discard(&vm->mem);
	r = guest_load(vm);
	if (!r)
		r = vcpus_reset(vm);
	return r;
}

/* --- the start-up phases ------------------------------------------------ */

static int phase_files(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	long page = sysconf(_SC_PAGESIZE);
	char sz[32];
	int r;

	vm->bootargs = loader_bootargs(cfg->params);
	if (!vm->bootargs)
		return VMM_ERR_USAGE;
	if (cfg->mem % (uint64_t)page) {
		log_error("--mem %s: not a multiple of the host page size (%ld KiB)",
			  config_format_size(cfg->mem, sz, sizeof(sz)), page >> 10);
		return VMM_ERR_USAGE;
	}
	r = loader_open(&vm->files, cfg->kernel, cfg->initrd);
	if (r)
		return r;
	if (layout_compute(&vm->layout, cfg->mem, (uint64_t)page, &vm->files.img, cfg->kernel,
			   vm->files.initrd_size, cfg->initrd))
		return VMM_ERR_INPUT;
	return 0;
}

static int phase_vm(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	int r;

	r = arm64_kvm_open(&vm->host, KVM_DEV);
	if (r)
		return r;
	if (cfg->cpus > vm->host.max_vcpus) {
		log_error("--cpus %u: this host allows at most %u vCPUs per VM", cfg->cpus,
			  vm->host.max_vcpus);
		return VMM_ERR_HOST;
	}
	return arm64_vm_create(&vm->kvm, &vm->host, cfg, vm->layout.ipa_bits);
}

static int phase_memory(struct vm *vm)
{
	char sz[32];
	int r = gm_init(&vm->mem, vm->layout.ram_base, vm->layout.ram_size);

	if (r) {
		errno = -r;
		log_errno("--mem %s: cannot allocate guest RAM",
			  config_format_size(vm->layout.ram_size, sz, sizeof(sz)));
		return VMM_ERR_HOST;
	}
	return arm64_vm_add_ram(&vm->kvm, &vm->mem);
}

static int phase_vcpus(struct vm *vm)
{
	unsigned int i;
	int r;

	r = arm64_gic_create(&vm->kvm, vm->cfg->irqchip, vm->cfg->cpus);
	if (r)
		return r;
	vm->vcpus = calloc(vm->cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return VMM_ERR_INTERNAL;
	for (i = 0; i < vm->cfg->cpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].cpu.fd = -1;
		r = arm64_vcpu_create(&vm->kvm, &vm->vcpus[i].cpu, i);
		if (r)
			return r;
		vm->nvcpus = i + 1;
	}
	return arm64_gic_init(&vm->kvm);
}

static void vm_teardown(struct vm *vm)
{
	unsigned int i;

	vcpu_stop_all(vm);
	for (i = 0; i < vm->nvcpus; i++)
		arm64_vcpu_destroy(&vm->kvm, &vm->vcpus[i].cpu);
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nvcpus = 0;
	devices_destroy(vm);
	arm64_vm_destroy(&vm->kvm);
	gm_destroy(&vm->mem);
	arm64_kvm_close(&vm->host);
	loader_close(&vm->files);
	free(vm->bootargs);
	vm->bootargs = NULL;
	if (vm->event_fd >= 0)
		close(vm->event_fd);
	if (vm->rx_ready_fd >= 0)
		close(vm->rx_ready_fd);
}

/* --- the guest's life --------------------------------------------------- */

struct console_in {
	uint8_t buf[256];
	size_t len, off;
	bool eof;
	bool blocked; /* the UART is full: wait for rx_ready */
	struct console_esc esc;
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
	size_t n = uart16550_rx(vm->uart, in->buf + in->off, in->len - in->off);

	in->off += n;
	if (in->off == in->len) {
		in->off = in->len = 0;
		in->blocked = false;
	} else {
		in->blocked = true;
	}
}

/* Read stdin; returns a VM event when the user asked to quit. */
static enum vm_event console_read(struct vm *vm, struct console_in *in)
{
	uint8_t raw[sizeof(in->buf) / 2];
	enum console_action act;
	size_t used, done = 0;
	ssize_t n = read(STDIN_FILENO, raw, sizeof(raw));

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return VM_EV_NONE;
		/* EOF or a dead stdin: the guest keeps running without input. */
		in->eof = true;
		return VM_EV_NONE;
	}
	in->len = in->off = 0;
	if (!vm->raw_console) {
		memcpy(in->buf, raw, (size_t)n);
		in->len = (size_t)n;
	}
	/* Escapes only on a terminal; raw holds half of buf, so the output fits. */
	while (vm->raw_console && done < (size_t)n) {
		in->len += console_escape(&in->esc, raw + done, (size_t)n - done,
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

static int signal_fd_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Wait for the event that ends this run of the guest. */
static enum vm_event main_loop(struct vm *vm, int sfd)
{
	struct console_in in = { 0 };

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = vm->event_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = (in.eof || in.blocked) ? -1 : STDIN_FILENO, .events = POLLIN },
		};
		struct pollfd rfd = { .fd = vm->rx_ready_fd, .events = POLLIN };
		enum vm_event ev;

		if (in.blocked) {
			pfd[2] = rfd;
		}
		if (poll(pfd, 3, -1) < 0) {
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
				vm->exit_signal = (int)si.ssi_signo;
				vm_post_event(vm, VM_EV_SIGNAL);
			}
			continue;
		}
		if (in.blocked && (pfd[2].revents & POLLIN)) {
			uint64_t v;

			if (read(vm->rx_ready_fd, &v, sizeof(v)) < 0) {
				/* eventfd reads only fail when not ready: poll said it was */
			}
			console_push(vm, &in);
		} else if (!in.blocked && pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ev = console_read(vm, &in);
			if (ev != VM_EV_NONE)
				vm_post_event(vm, ev);
		}
	}
}

static int exit_status(struct vm *vm, enum vm_event ev)
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
	default:
		return VMM_ERR_INTERNAL;
	}
}

int vmm_run(const struct vm_config *cfg)
{
	struct vm vm;
	enum vm_event ev;
	sigset_t block;
	int r, sfd = -1;

	memset(&vm, 0, sizeof(vm));
	vm.cfg = cfg;
	vm.host.kvm_fd = -1;
	vm.kvm.fd = vm.kvm.gic_fd = vm.kvm.its_fd = -1;
	vm.files.kernel_fd = vm.files.initrd_fd = -1;
	vm.event_fd = eventfd(0, EFD_CLOEXEC);
	vm.rx_ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	log_verbosity = cfg->verbose;

	/* Signals are taken by the main loop; vCPU threads inherit the mask. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	signal(SIGPIPE, SIG_IGN);
	vcpu_signals_init();
	sfd = signal_fd_open();
	if (vm.event_fd < 0 || vm.rx_ready_fd < 0 || sfd < 0) {
		log_errno("eventfd/signalfd");
		r = VMM_ERR_INTERNAL;
		goto out;
	}

	r = phase_files(&vm);
	if (!r)
		r = phase_vm(&vm);
	if (!r)
		r = phase_memory(&vm);
	if (!r)
		r = phase_vcpus(&vm);
	if (!r)
		r = devices_create(&vm);
	if (!r)
		r = guest_load(&vm);
	if (!r)
		r = vcpus_reset(&vm);
	if (r)
		goto out;

	vm.raw_console = console_setup();
	for (;;) {
		r = vcpu_start_all(&vm);
		if (r)
			break;
		ev = main_loop(&vm, sfd);
		vcpu_stop_all(&vm);
		if (ev == VM_EV_RESET && cfg->reboot == REBOOT_RESTART) {
			uint64_t v;

			atomic_store(&vm.event, VM_EV_NONE);
			if (read(vm.event_fd, &v, sizeof(v)) < 0) {
				/* the event was posted, so the counter is non-zero */
			}
			r = guest_reboot(&vm);
			if (r)
				break;
			continue;
		}
		r = exit_status(&vm, ev);
		break;
	}
	console_restore();
out:
	vm_teardown(&vm);
	if (sfd >= 0)
		close(sfd);
	if (r > 128 && r < 128 + 65) {
		/* Die of the signal that stopped us, as the shell expects. */
		signal(r - 128, SIG_DFL);
		pthread_sigmask(SIG_UNBLOCK, &block, NULL);
		raise(r - 128);
	}
	return r;
}
