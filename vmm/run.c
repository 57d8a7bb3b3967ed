// SPDX-License-Identifier: GPL-2.0-only
/*
 * `vmm run`: the start-up phases in order, the guest's life, and the exit
 * status. Each phase undoes its own work on failure through vm_teardown(),
 * which copes with a partly built VM.
 *
 * Threads: see the table in vmm/vcpu.c. The main thread runs
 * main_loop(): console input, signals (signalfd), and events from vCPUs.
 * Once the VM is built and before its vCPUs first run, the sandbox goes on
 * (vmm/sandbox.c): whatever opens files comes before that point.
 */
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "arm64/dt.h"
#include "log.h"
#include "sandbox.h"
#include "status.h"
#include "vmm/builtin_initrd.h"
#include "vmm/cmd_mode.h"
#include "vmm/host_kernel.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

#define KVM_DEV "/dev/kvm"
#define SERIAL_FLUSH_MS 20 /* latency bound for coalesced console output */

/* --- loading the guest -------------------------------------------------- */

/* Everything a boot puts in RAM: kernel, initrd, a fresh device tree. */
static int guest_load(struct vm *vm)
{
	struct dev_desc devs[VM_MAX_DEVICES];
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
	p.pmu_intid = vm->kvm.feat.pmu ? ARM64_PMU_PPI : 0;
	p.psci_version = vm->kvm.psci_version;
	p.bootargs = vm->bootargs;
	p.devs = devs;
	p.ndevs = devices_dt(vm, devs);
	/* Fresh seeds each boot: KASLR and the guest's entropy pool depend on them. */
	if (getrandom(&p.kaslr_seed, sizeof(p.kaslr_seed), 0) != sizeof(p.kaslr_seed) ||
	    getrandom(p.rng_seed, sizeof(p.rng_seed), 0) != sizeof(p.rng_seed))
		log_warn("getrandom: %s; the guest gets no seeds from vmm", strerror(errno));
	fdt = gm_ptr(&vm->mem, vm->layout.fdt_addr, LAYOUT_FDT_MAX);
	size = fdt ? dt_build(fdt, LAYOUT_FDT_MAX, &p) : -1;
	free(mpidr);
	if (size < 0)
		return VMM_ERR_INTERNAL;
	/* A reboot's tree differs only in its seeds; the sandbox allows no open. */
	if (vm->cfg->dtb_dump && !vm->reboots) {
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

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The control socket is required when the user named the VM or detaches it. */
static bool r_needs_name(const struct vm_config *cfg)
{
	return cfg->name || cfg->detach;
}

static int phase_files(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const char *kernel = cfg->kernel;
	long page = sysconf(_SC_PAGESIZE);
	char sz[32];
	unsigned int i;
	int r;

	if (cfg->cmd_argv) {
		/* Command mode: the agent is the guest's first program; its disks are no root. */
		char params[2048];

		snprintf(params, sizeof(params), "%s%s%s", CMD_AGENT_PARAMS, cfg->params ? " " : "",
			 cfg->params ? cfg->params : "");
		vm->bootargs = loader_bootargs(params, false, "ttyS0");
	} else {
		vm->bootargs = loader_bootargs(cfg->params, cfg->ndisks > 0 && !cfg->nodefaults,
					       cfg->nodefaults ? NULL :
					       cfg->console_virtio ? "hvc0" : "ttyS0");
	}
	if (!vm->bootargs)
		return VMM_ERR_USAGE;
	/* A missing image or a directory is told before /dev/kvm is opened. */
	for (i = 0; i < cfg->ndisks; i++) {
		r = disk_opts_check(&cfg->disks[i]);
		if (r)
			return r;
	}
	/* So is RAM this host could never allocate. */
	{
		struct sysinfo si;
		FILE *f = fopen("/proc/sys/vm/overcommit_memory", "re");
		int mode = 0;

		if (f && fscanf(f, "%d", &mode) != 1)
			mode = 0;
		if (f)
			fclose(f);
		if (sysinfo(&si) == 0) {
			r = config_check_mem_host(cfg->mem, ((uint64_t)si.totalram +
					si.totalswap) * si.mem_unit, mode);
			if (r)
				return r;
		}
	}
	if (cfg->mem % (uint64_t)page) {
		log_error("--mem %s: not a multiple of the host page size (%ld KiB)",
			  config_format_size(cfg->mem, sz, sizeof(sz)), page >> 10);
		return VMM_ERR_USAGE;
	}
	/* Zero configuration: the host's own kernel, the built-in shell. */
	if (!kernel) {
		kernel = host_kernel_path(&r);
		if (!kernel)
			return r;
		log_info("kernel %s: the host's own (--kernel chooses another)", kernel);
	}
	r = loader_open_ex(&vm->files, kernel, cfg->initrd, cfg->kernel_raw_ok);
	if (r)
		return r;
	if (!cfg->initrd && (!cfg->ndisks || cfg->cmd_argv) && !cfg->nodefaults) {
		r = loader_set_initrd(&vm->files, BUILTIN_INITRD_NAME, builtin_initrd_start,
				      (size_t)(builtin_initrd_end - builtin_initrd_start));
		if (r)
			return r;
	}
	if (layout_compute(&vm->layout, cfg->mem, (uint64_t)page, &vm->files.img, kernel,
			   vm->files.initrd_size, vm->files.initrd_path))
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
	/* Before devices: the serial's THR zone is registered at its creation. */
	arm64_coalescer_init(&vm->kvm.coalescer, &vm->kvm, &vm->vcpus[0].cpu, &vm->bus);
	r = arm64_gic_init(&vm->kvm);
	/* The PMU's init needs an initialised vGIC; steal time needs its memslot. */
	for (i = 0; !r && i < vm->nvcpus; i++)
		r = arm64_cpu_features_finish(&vm->kvm, &vm->vcpus[i].cpu);
	return r;
}

/*
 * Every device of the guest, into the device table (vmm/devices.h): after
 * the vGIC is initialised and guest RAM registered. The board's devices
 * first (the serial port is the device tree's stdout-path), then the
 * virtio-mmio slots in the order the guest probes them: disks in
 * command-line order (vda, vdb, ...), NICs (eth0, ...), the console. On
 * failure vm_teardown() destroys what was made.
 */
static int phase_devices(struct vm *vm)
{
	unsigned int i;
	int r;

	dev_kvm_host(&vm->devices.host, &vm->kvm);
	r = dev_board_create(vm);
	for (i = 0; !r && i < vm->cfg->ndisks; i++)
		r = dev_disk_create(vm, i);
	for (i = 0; !r && i < vm->cfg->nnets; i++)
		r = dev_nic_create(vm, i);
	for (i = 0; !r && i < vm->cfg->nshares; i++)
		r = dev_fs_create(vm, i);
	if (!r && vm->cfg->console_virtio)
		r = dev_console_create(vm);
	if (!r && vm->cfg->cmd_argv)
		r = dev_cmd_create(vm);
	if (!r && !vm->cfg->rng_off)
		r = dev_rng_create(vm);
	return r;
}

static void vm_teardown(struct vm *vm)
{
	unsigned int i;

	vcpu_stop_all(vm);
	/* Devices first: the console drains vCPU 0's coalesced ring on the way out. */
	devices_destroy(vm);
	arm64_coalescer_fini(&vm->kvm.coalescer, &vm->bus);
	for (i = 0; i < vm->nvcpus; i++)
		arm64_vcpu_destroy(&vm->kvm, &vm->vcpus[i].cpu);
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nvcpus = 0;
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

/*
 * --detach: fork before anything else exists (no threads, no KVM fds), so
 * the child builds the whole VM itself. The parent waits for the child's
 * word through a pipe: "0 NAME" once the guest runs (the parent prints NAME
 * and exits 0), or the status of the failure the child already printed.
 * Returns -1 in the child (go on), else the parent's exit status.
 */
static int detach_fork(int *ready_fd)
{
	char msg[128] = { 0 };
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		log_errno("--detach: pipe");
		return VMM_ERR_INTERNAL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_errno("--detach: fork");
		return VMM_ERR_INTERNAL;
	}
	if (pid == 0) {
		close(p[0]);
		setsid(); /* no terminal's signals reach the VM from now on */
		*ready_fd = p[1];
		return -1;
	}
	close(p[1]);
	do
		n = read(p[0], msg, sizeof(msg) - 1);
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n <= 0) {
		log_error("--detach: vmm ended before the guest ran (pid %ld)", (long)pid);
		return VMM_ERR_INTERNAL;
	}
	status = atoi(msg);
	if (status == 0 && strchr(msg, ' '))
		printf("%s", strchr(msg, ' ') + 1);
	return status;
}

/* What a detached vmm's stdio becomes, opened before the sandbox is on. */
static int detach_null = -1, detach_log = -1;

static void detach_prepare(struct vm *vm, int ready_fd)
{
	char path[4096];

	if (ready_fd < 0)
		return;
	detach_null = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* vmm's own messages from now on: RUNDIR/NAME.log */
	if (detach_null >= 0 && !rt_path(path, sizeof(path), vm->ctl.dir, vm->ctl.name, "log"))
		detach_log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

/* Tell the waiting parent how it went; on success, leave the terminal. */
static void detach_done(struct vm *vm, int ready_fd, int status)
{
	char msg[128];
	int n, null = detach_null, log = detach_log;

	if (ready_fd < 0)
		return;
	n = snprintf(msg, sizeof(msg), "%d %s\n", status, vm->ctl.name);
	if (write(ready_fd, msg, (size_t)n) != n) {
		/* the parent is gone; nobody to tell */
	}
	close(ready_fd);
	detach_null = detach_log = -1;
	if (status) {
		if (null >= 0)
			close(null);
		if (log >= 0)
			close(log);
		return;
	}
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(log >= 0 ? log : null, STDERR_FILENO);
		if (log >= 0)
			close(log);
		close(null);
	}
}

/* The console router's sinks (vmm/console_router.h). */
static int console_outputs(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	if (cfg->console_log) {
		/* 0600 like RUNDIR/NAME.log: the guest's console may show secrets. */
		int fd = open(cfg->console_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd < 0) {
			log_errno("--console-log %s", cfg->console_log);
			return VMM_ERR_INPUT;
		}
		console_router_set_log(&vm->console, fd);
	}
	if (cfg->console_pty) {
		int r = console_pty_open(&vm->pty);

		if (r) {
			errno = -r;
			log_errno("--console-pty: a new pty");
			return VMM_ERR_HOST;
		}
		/* Its path is printed once the guest runs (vmm_run). */
		/* Nobody has it open yet: the main loop connects it (console_pty_check). */
		console_router_set_pty(&vm->console, vm->pty.master);
		return 0;
	}
	if (cfg->cmd_argv) {
		/* The kernel's messages: stderr with --verbose, else only the log and the ring. */
		console_router_set_term(&vm->console, cfg->verbose ? STDERR_FILENO : -1);
		return 0;
	}
	vm->console.on_socket = cfg->detach;
	/* Detached, output goes to the log and whoever attaches, never blocking. */
	console_router_set_term(&vm->console, cfg->detach ? -1 : STDOUT_FILENO);
	return 0;
}

/* The filters, with KVM's ioctls, and then the sandbox for the whole process. */
static int sandbox_on(void)
{
	const struct sandbox_ioctl *kvm;
	size_t n = arm64_sandbox_ioctls(&kvm);
	unsigned int s[SANDBOX_KINDS], io[SANDBOX_KINDS];
	int k, r;

	r = sandbox_build(kvm, n);
	if (r)
		return r;
	for (k = 0; k < SANDBOX_KINDS; k++)
		sandbox_counts((enum sandbox_kind)k, &s[k], &io[k]);
	if (getenv("VMM_SANDBOX_SELFTEST"))
		sandbox_selftest();
	r = sandbox_start();
	if (!r)
		log_info("sandbox: on; system calls/ioctls allowed: main %u/%u, vcpu %u/%u, "
			 "device %u/%u", s[SANDBOX_MAIN], io[SANDBOX_MAIN], s[SANDBOX_VCPU],
			 io[SANDBOX_VCPU], s[SANDBOX_DEVICE], io[SANDBOX_DEVICE]);
	return r;
}

int vmm_run(const struct vm_config *cfg)
{
	struct vm vm;
	enum vm_event ev = VM_EV_NONE;
	sigset_t block;
	int r, sfd = -1, ready_fd = -1;
	double deadline = 0;

	if (cfg->detach) {
		r = detach_fork(&ready_fd);
		if (r >= 0)
			return r;
	}
	/*
	 * One malloc arena for every thread, set before the first thread: the
	 * C library trims a thread arena's heap only after reading
	 * /proc/sys/vm/overcommit_memory, an open the sandbox forbids, at
	 * whatever free() happens to shrink it.
	 */
	if (!cfg->sandbox_off)
		mallopt(M_ARENA_MAX, 1);
	memset(&vm, 0, sizeof(vm));
	vm.cfg = cfg;
	vm.host.kvm_fd = -1;
	vm.kvm.fd = vm.kvm.gic_fd = vm.kvm.its_fd = -1;
	vm.files.kernel_fd = vm.files.initrd_fd = -1;
	vm.ctl.listen_fd = vm.ctl.lock_fd = -1;
	console_router_init(&vm.console);
	console_router_install(&vm.console);
	vm.pty.master = -1;
	for (r = 0; r < CTL_MAX_CLIENTS; r++)
		vm.ctl.clients[r].fd = -1;
	vm.event_fd = eventfd(0, EFD_CLOEXEC);
	vm.rx_ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	log_verbosity = cfg->verbose;

	/* Signals are taken by the main loop; vCPU threads inherit the mask. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
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
	/* Never destroyed: device threads may use it until the process ends. */
	if (dev_gate_init(&vm.gate)) {
		log_error("vm: cannot set up the device pause gate");
		r = VMM_ERR_INTERNAL;
		goto out;
	}

	r = phase_files(&vm);
	if (!r) {
		r = ctl_open(&vm);
		if (r && !r_needs_name(cfg)) {
			/* Without --name or --detach the socket is a convenience: warn, go on. */
			log_warn("no control socket: vmm list/stop will not see this VM");
			r = 0;
		}
	}
	if (!r)
		r = console_outputs(&vm);
	if (!r)
		r = phase_vm(&vm);
	if (!r)
		r = phase_memory(&vm);
	if (!r)
		r = phase_vcpus(&vm);
	if (!r)
		r = phase_devices(&vm);
	if (!r)
		r = guest_load(&vm);
	if (!r)
		r = vcpus_reset(&vm);
	if (r)
		goto out;

	if (!cfg->detach && !cfg->console_pty) {
		vm.console.escapes = console_setup();
		terminal_size_changed(&vm);
	}
	detach_prepare(&vm, ready_fd);
	if (!cfg->sandbox_off) {
		r = sandbox_on();
		if (r) {
			console_restore();
			goto out;
		}
	}
	if (cfg->timeout)
		deadline = mono_now() + cfg->timeout;
	for (;;) {
		r = vcpu_start_all(&vm);
		/*
		 * Always printed, once the guest runs (never for a VM that failed to
		 * start), before --detach returns: it is what the user connects to.
		 */
		if (!r && cfg->console_pty && !vm.reboots) {
			fprintf(stderr, "vmm: console on %s\n", vm.pty.path);
			fflush(stderr);
		}
		detach_done(&vm, ready_fd, r);
		ready_fd = -1;
		if (r)
			break;
		ev = main_loop(&vm, sfd, deadline);
		vcpu_stop_all(&vm);
		if (ev == VM_EV_RESET && cfg->reboot == REBOOT_RESTART) {
			uint64_t v;

			atomic_store(&vm.event, VM_EV_NONE);
			if (read(vm.event_fd, &v, sizeof(v)) < 0) {
				/* the event was posted, so the counter is non-zero */
			}
			vm.reboots++;
			r = guest_reboot(&vm);
			if (r)
				break;
			continue;
		}
		r = cfg->cmd_argv ? cmd_mode_exit(&vm, ev) : exit_status(&vm, ev);
		break;
	}
	console_restore();
	/* After the terminal is back to normal: plain lines, not raw mode's. */
	if (cfg->stats && vm.nvcpus)
		vm_stats_print(&vm, stderr);
out:
	detach_done(&vm, ready_fd, r ? r : VMM_ERR_INTERNAL);
	vm_teardown(&vm);
	ctl_close(&vm);
	/* No writer is left: vCPUs and device threads are gone. */
	console_router_install(NULL);
	console_router_destroy(&vm.console);
	console_pty_close(&vm.pty);
	if (sfd >= 0)
		close(sfd);
	/* Command mode: vmm's own failures are one status, 125 (CMD owns the others). */
	if (cfg->cmd_argv && ev == VM_EV_NONE && r)
		r = CMD_STATUS_VMM;
	if (r > 128 && r < 128 + 65 && (!cfg->cmd_argv || ev == VM_EV_SIGNAL)) {
		/* Die of the signal that stopped us, as the shell expects. */
		signal(r - 128, SIG_DFL);
		pthread_sigmask(SIG_UNBLOCK, &block, NULL);
		raise(r - 128);
	}
	return r;
}
