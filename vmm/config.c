// SPDX-License-Identifier: GPL-2.0-only
/* Command line of `vmm run`: parsed into struct vm_config, syntax checked. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "status.h"
#include "arm64/layout.h"
#include "vmm/cmd_mode.h"
#include "vmm/opts.h"
#include "vmm/runtime.h"

/* The largest IPA size of the architecture (FEAT_LPA): no host goes beyond it. */
#define ARM64_MAX_IPA_BITS 52

enum {
	OPT_IPA_BITS = 256,
	OPT_IRQCHIP,
	OPT_REBOOT,
	OPT_DTB_DUMP,
	OPT_NAME,
	OPT_DETACH,
	OPT_CONSOLE_LOG,
	OPT_TIMEOUT,
	OPT_CONSOLE,
	OPT_CONSOLE_PTY,
	OPT_SANDBOX,
	OPT_STATS,
	OPT_SHARE,
	OPT_RNG,
	OPT_NODEFAULTS,
	OPT_SVE,
	OPT_SVE_MAX_VL,
	OPT_PTRAUTH,
	OPT_PMU,
	OPT_MTE,
	OPT_STEAL_TIME,
	OPT_ENV,
	OPT_ROOT,
	OPT_RWDIR,
	OPT_RODIR,
	OPT_ROOTFS,
};

static const struct option run_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "params", required_argument, NULL, 'p' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "mem", required_argument, NULL, 'm' },
	{ "disk", required_argument, NULL, 'd' },
	{ "ipa-bits", required_argument, NULL, OPT_IPA_BITS },
	{ "irqchip", required_argument, NULL, OPT_IRQCHIP },
	{ "reboot", required_argument, NULL, OPT_REBOOT },
	{ "dtb-dump", required_argument, NULL, OPT_DTB_DUMP },
	{ "dump-dtb", required_argument, NULL, OPT_DTB_DUMP }, /* lkvm's name */
	{ "name", required_argument, NULL, OPT_NAME },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "console-log", required_argument, NULL, OPT_CONSOLE_LOG },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "console-pty", no_argument, NULL, OPT_CONSOLE_PTY },
	{ "sandbox", required_argument, NULL, OPT_SANDBOX },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "rng", required_argument, NULL, OPT_RNG },
	{ "nodefaults", no_argument, NULL, OPT_NODEFAULTS },
	{ "sve", optional_argument, NULL, OPT_SVE },
	{ "sve-max-vl", required_argument, NULL, OPT_SVE_MAX_VL },
	{ "ptrauth", optional_argument, NULL, OPT_PTRAUTH },
	{ "pmu", optional_argument, NULL, OPT_PMU },
	{ "mte", optional_argument, NULL, OPT_MTE },
	{ "steal-time", optional_argument, NULL, OPT_STEAL_TIME },
	{ "network", required_argument, NULL, 'n' },
	{ "share", required_argument, NULL, OPT_SHARE },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "root", no_argument, NULL, OPT_ROOT },
	{ "rwdir", required_argument, NULL, OPT_RWDIR },
	{ "rodir", required_argument, NULL, OPT_RODIR },
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *const irqchip_names[] = {
	[IRQCHIP_AUTO] = "auto",
	[IRQCHIP_GICV3] = "gicv3",
	[IRQCHIP_GICV3_ITS] = "gicv3-its",
	[IRQCHIP_GICV2] = "gicv2",
};

const char *config_irqchip_name(enum irqchip_kind k)
{
	return irqchip_names[k];
}

void config_usage(void)
{
	printf("usage: vmm run [--kernel IMAGE] [options]\n"
	       "       vmm run [options] IMAGE    (as lkvm run: the same as --kernel IMAGE)\n"
	       "       vmm run [options] -- CMD [ARGS...]  run CMD in a guest over the host's\n"
	       "                         files; exit with its status (COMMAND MODE in vmm(1))\n"
	       "\n"
	       "  -k, --kernel FILE      arm64 Linux Image, Image.gz or EFI zboot (gzip) to\n"
	       "                         boot (default: the host's, /boot/vmlinuz-$(uname -r))\n"
	       "  -i, --initrd FILE      initial ramdisk (default without --disk: vmm's\n"
	       "                         built-in busybox shell)\n"
	       "  -p, --params ARGS      kernel command line (console=ttyS0 earlycon added\n"
	       "                         unless ARGS has console=; 2047 bytes in all)\n"
	       "  -c, --cpus N           vCPUs (default 1)\n"
	       "  -m, --mem SIZE         guest RAM, MiB or with K/M/G/T suffix (default 256M)\n"
	       "  -d, --disk PATH[,ro][,direct][,io=io_uring|aio|sync][,serial=ID][,queues=N]\n"
	       "                         a virtio-blk disk (repeatable: vda, vdb, ...); the\n"
	       "                         first is the root file system unless --params has root=\n"
	       "  -n, --network tap[,ifname=NAME][,mac=MAC][,vhost=on|off][,queues=N][,fd=N]\n"
	       "                 [,link=up|down]  a virtio-net NIC on a tap (repeatable);\n"
	       "                         --network none: no NIC\n"
	       "      --share DIR,tag=TAG[,ro]  share the host directory DIR (virtio-fs;\n"
	       "                         repeatable); the guest mounts it with\n"
	       "                         mount -t virtiofs TAG /mnt\n"
	       "      --ipa-bits N       guest physical address size, 32 to 52 (default: what\n"
	       "                         the memory map needs, at least 32)\n"
	       "      --irqchip KIND     auto, gicv3, gicv3-its or gicv2 (default auto)\n"
	       "      --reboot WHAT      on guest reset: reboot (default) or exit\n"
	       "      --dtb-dump FILE    write the generated device tree to FILE (also\n"
	       "                         --dump-dtb, as lkvm calls it)\n"
	       "      --name NAME        the VM's name for vmm list/stop/console (default\n"
	       "                         vm-PID)\n"
	       "      --detach           run in the background once the guest runs; the\n"
	       "                         console is then on the VM's socket (vmm console NAME)\n"
	       "      --console DEVICE   serial (16550, ttyS0; default) or virtio (hvc0, its\n"
	       "                         size following the terminal)\n"
	       "      --console-pty      put the console on a new pty and print its path\n"
	       "      --console-log FILE append everything the guest prints to FILE\n"
	       "      --timeout SECONDS  end the VM after SECONDS (exit status 8)\n"
	       "      --sandbox on|off   seccomp filters and no capabilities once the VM is\n"
	       "                         built (default on; off for debugging)\n"
	       "      --stats            at exit, print the exits by kind and the device\n"
	       "                         accesses of the run to stderr\n"
	       "      --nodefaults       nothing implicit: the kernel command line exactly as\n"
	       "                         --params gives it, no built-in initramfs\n"
	       "      --rng on|off       virtio-rng, the guest's /dev/hwrng fed from the\n"
	       "                         host's getrandom() (default on)\n"
	       "      --sve [on|off]     SVE with every vector length the host has (default\n"
	       "                         on where the host has SVE)\n"
	       "      --sve-max-vl BITS  no SVE vector longer than BITS (128 to 2048, a\n"
	       "                         multiple of 128 the host offers)\n"
	       "      --ptrauth [on|off] pointer authentication (default on where available)\n"
	       "      --pmu [on|off]     PMUv3 performance counters (default on where\n"
	       "                         available)\n"
	       "      --mte [on|off]     memory tagging (default off)\n"
	       "      --steal-time [on|off]  paravirtual steal time (default on where\n"
	       "                         available)\n"
	       "  Command mode only (after them: -- CMD [ARGS...]):\n"
	       "      --env NAME[=VALUE] set NAME in CMD's environment (without =VALUE: the\n"
	       "                         host's value; repeatable)\n"
	       "      --root             run CMD as root (default: as the invoking user)\n"
	       "      --rwdir DIR        DIR read-write at the same path (repeatable)\n"
	       "      --rodir DIR        DIR read-only at the same path (repeatable)\n"
	       "      --rootfs DIR       the guest's root is DIR (default: the host's /)\n"
	       "  -v, --verbose          say more about what vmm does\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Long options are spelled out in full. Console: Ctrl-A x quits, Ctrl-A Ctrl-A\n"
	       "sends Ctrl-A. See vmm(1).\n");
}

int config_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v, shift = 20;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default:
		return -1;
	}
	if (*end && strcasecmp(end, "iB") && strcasecmp(end, "B"))
		return -1;
	if (v == 0 || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *config_format_size(uint64_t bytes, char *buf, unsigned int len)
{
	static const char units[] = "TGMK";
	int i;

	for (i = 0; i < 4; i++) {
		unsigned int shift = 40 - 10 * (unsigned int)i;

		if (bytes && bytes % (1ULL << shift) == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", bytes >> shift, units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64 "B", bytes);
	return buf;
}

/* A decimal in [lo, hi] and nothing else; -1 otherwise. */
static long parse_uint(const char *s, long lo, long hi)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	return v;
}

static int lookup(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/*
 * A CPU feature switch: bare (--pmu) means on; the value may be joined
 * (--pmu=off) or the next word (--pmu off), as long as that word is on or
 * off (anything else is left alone: it may be the kernel, as in
 * `vmm run --pmu Image`). Returns 0 or VMM_ERR_USAGE after one line.
 */
static int parse_feat(int argc, char **argv, const char *opt, enum feat_req *out)
{
	const char *v = optarg;

	if (!v && optind < argc && (!strcmp(argv[optind], "on") || !strcmp(argv[optind], "off")))
		v = argv[optind++];
	if (!v || !strcmp(v, "on")) {
		*out = FEAT_ON;
		return 0;
	}
	if (!strcmp(v, "off")) {
		*out = FEAT_OFF;
		return 0;
	}
	log_error("--%s %s: expected on or off", opt, v);
	return VMM_ERR_USAGE;
}

static void config_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem = CONFIG_DEFAULT_MEM;
	cfg->cpus = 1;
	cfg->irqchip = IRQCHIP_AUTO;
	cfg->reboot = REBOOT_RESTART;
}

int config_check_mem_host(uint64_t mem, uint64_t host_bytes, int overcommit)
{
	char sz[32];

	/* Mode 1 allocates anything; modes 0 and 2 refuse more than RAM and swap. */
	if (overcommit == 1 || !host_bytes || mem <= host_bytes)
		return 0;
	log_error("--mem %s: more than this host's RAM and swap (%.1f GiB), so guest RAM cannot "
		  "be allocated", config_format_size(mem, sz, sizeof(sz)),
		  (double)host_bytes / (1 << 30));
	return VMM_ERR_HOST;
}

/* An empty file name: a malformed value, like any other (status 2). */
static int empty_name(const char *what)
{
	log_error("%s: empty file name", what);
	return VMM_ERR_USAGE;
}

/* One --network: a NIC to add, or none (which no NIC may accompany). */
static int parse_network(struct vm_config *cfg, const char *spec, bool *none)
{
	struct net_opts o;

	if (net_opts_parse(spec, &o))
		return VMM_ERR_USAGE;
	if (o.none)
		*none = true;
	else if (cfg->nnets == NET_MAX_NICS) {
		log_error("--network %s: more than %d NICs", spec, NET_MAX_NICS);
		return VMM_ERR_USAGE;
	} else
		cfg->nets[cfg->nnets++] = o;
	if (*none && cfg->nnets) {
		log_error("--network %s: --network none and a NIC both given", spec);
		return VMM_ERR_USAGE;
	}
	return 0;
}

/* One --share: a directory for the guest under a tag no other share has. */
static int parse_share(struct vm_config *cfg, const char *spec)
{
	struct fs_opts *o;
	unsigned int i;

	if (cfg->nshares == FS_MAX_SHARES) {
		log_error("--share %s: more than %d shares", spec, FS_MAX_SHARES);
		return VMM_ERR_USAGE;
	}
	o = &cfg->shares[cfg->nshares];
	if (fs_opts_parse(spec, o))
		return VMM_ERR_USAGE;
	for (i = 0; i < cfg->nshares; i++)
		if (!strcmp(cfg->shares[i].tag, o->tag)) {
			log_error("--share %s: tag %s given twice", spec, o->tag);
			return VMM_ERR_USAGE;
		}
	cfg->nshares++;
	return 0;
}

int config_parse_run(struct vm_config *cfg, int argc, char **argv)
{
	static const char *const reboot_names[] = { "reboot", "exit" };
	bool net_none = false;
	const char *why, *optarg_mem = NULL;
	char sz[32];
	int c, v, r;
	long n;

	config_defaults(cfg);
	/* Command mode: everything after the first -- is CMD, never an option. */
	for (c = 1; c < argc; c++)
		if (!strcmp(argv[c], "--")) {
			cfg->cmd_argv = argv + c + 1;
			argc = c;
			break;
		}
	optind = 0; /* 0, not 1: a full reset of getopt's state in glibc and musl */
	opterr = 0;
	while ((c = opts_next(argc, argv, ":k:i:p:c:m:d:n:vh", run_options, "run")) != -1) {
		switch (c) {
		case 'k':
			if (!*optarg)
				return empty_name("--kernel");
			cfg->kernel = optarg;
			break;
		case 'i':
			if (!*optarg)
				return empty_name("--initrd");
			cfg->initrd = optarg;
			break;
		case 'p':
			cfg->params = optarg;
			break;
		case 'c':
			n = parse_uint(optarg, 0, INT_MAX);
			if (n < 1) {
				log_error("--cpus %s: expected a number of vCPUs, at least 1", optarg);
				return VMM_ERR_USAGE;
			}
			if (n > CONFIG_MAX_CPUS) {
				log_error("--cpus %s: more than KVM's limit of %d vCPUs", optarg,
					  CONFIG_MAX_CPUS);
				return VMM_ERR_HOST;
			}
			cfg->cpus = (unsigned int)n;
			break;
		case 'm':
			optarg_mem = optarg;
			if (config_parse_size(optarg, &cfg->mem)) {
				log_error("--mem %s: expected a size above zero in MiB or with a "
					  "K, M, G or T suffix", optarg);
				return VMM_ERR_USAGE;
			}
			break;
		case 'd':
			if (cfg->ndisks == CONFIG_MAX_DISKS) {
				log_error("--disk %s: more than %d disks", optarg, CONFIG_MAX_DISKS);
				return VMM_ERR_USAGE;
			}
			if (disk_opts_parse(optarg, &cfg->disks[cfg->ndisks]))
				return VMM_ERR_USAGE;
			cfg->ndisks++;
			break;
		case OPT_IPA_BITS:
			/* The architecture's range: no host allows less or more. */
			n = parse_uint(optarg, LAYOUT_MIN_IPA_BITS, ARM64_MAX_IPA_BITS);
			if (n < 0) {
				log_error("--ipa-bits %s: expected a number of bits from %d to %d (leave "
					  "it out for what --mem needs)", optarg, LAYOUT_MIN_IPA_BITS,
					  ARM64_MAX_IPA_BITS);
				return VMM_ERR_USAGE;
			}
			cfg->ipa_bits = (unsigned int)n;
			break;
		case OPT_IRQCHIP:
			v = lookup(optarg, irqchip_names, 4);
			if (v < 0) {
				log_error("--irqchip %s: expected auto, gicv3, gicv3-its or gicv2", optarg);
				return VMM_ERR_USAGE;
			}
			cfg->irqchip = (enum irqchip_kind)v;
			break;
		case OPT_REBOOT:
			v = lookup(optarg, reboot_names, 2);
			if (v < 0) {
				log_error("--reboot %s: expected reboot or exit", optarg);
				return VMM_ERR_USAGE;
			}
			cfg->reboot = (enum reboot_policy)v;
			break;
		case OPT_DTB_DUMP:
			if (!*optarg)
				return empty_name("--dtb-dump");
			cfg->dtb_dump = optarg;
			break;
		case OPT_NAME:
			why = rt_name_valid(optarg);
			if (why) {
				log_error("--name %s: not a valid VM name (%s)", optarg, why);
				return VMM_ERR_USAGE;
			}
			cfg->name = optarg;
			break;
		case OPT_DETACH:
			cfg->detach = true;
			break;
		case OPT_CONSOLE_LOG:
			if (!*optarg)
				return empty_name("--console-log");
			cfg->console_log = optarg;
			break;
		case OPT_CONSOLE:
			if (!strcmp(optarg, "serial") || !strcmp(optarg, "virtio")) {
				cfg->console_virtio = !strcmp(optarg, "virtio");
				break;
			}
			log_error("--console %s: expected serial or virtio", optarg);
			return VMM_ERR_USAGE;
		case OPT_CONSOLE_PTY:
			cfg->console_pty = true;
			break;
		case OPT_STATS:
			cfg->stats = true;
			break;
		case OPT_SANDBOX:
			if (!strcmp(optarg, "on") || !strcmp(optarg, "off")) {
				cfg->sandbox_off = !strcmp(optarg, "off");
				break;
			}
			log_error("--sandbox %s: expected on or off", optarg);
			return VMM_ERR_USAGE;
		case OPT_SHARE:
			r = parse_share(cfg, optarg);
			if (r)
				return r;
			break;
		case OPT_NODEFAULTS:
			cfg->nodefaults = true;
			break;
		case OPT_RNG:
			if (!strcmp(optarg, "on") || !strcmp(optarg, "off")) {
				cfg->rng_off = !strcmp(optarg, "off");
				break;
			}
			log_error("--rng %s: expected on or off", optarg);
			return VMM_ERR_USAGE;
		case OPT_SVE:
			r = parse_feat(argc, argv, "sve", &cfg->sve);
			if (r)
				return r;
			break;
		case OPT_SVE_MAX_VL:
			n = parse_uint(optarg, CONFIG_SVE_VL_MIN, CONFIG_SVE_VL_MAX);
			if (n < 0 || n % 128) {
				log_error("--sve-max-vl %s: expected a vector length in bits, a multiple "
					  "of 128 from %d to %d", optarg, CONFIG_SVE_VL_MIN,
					  CONFIG_SVE_VL_MAX);
				return VMM_ERR_USAGE;
			}
			cfg->sve_max_vl = (unsigned int)n;
			break;
		case OPT_PTRAUTH:
			r = parse_feat(argc, argv, "ptrauth", &cfg->ptrauth);
			if (r)
				return r;
			break;
		case OPT_PMU:
			r = parse_feat(argc, argv, "pmu", &cfg->pmu);
			if (r)
				return r;
			break;
		case OPT_MTE:
			r = parse_feat(argc, argv, "mte", &cfg->mte);
			if (r)
				return r;
			break;
		case OPT_STEAL_TIME:
			r = parse_feat(argc, argv, "steal-time", &cfg->steal_time);
			if (r)
				return r;
			break;
		case 'n':
			r = parse_network(cfg, optarg, &net_none);
			if (r)
				return r;
			break;
		case OPT_TIMEOUT:
			n = parse_uint(optarg, 1, 100000000);
			if (n < 0) {
				log_error("--timeout %s: expected a number of seconds, at least 1", optarg);
				return VMM_ERR_USAGE;
			}
			cfg->timeout = (unsigned int)n;
			break;
		case OPT_ENV:
			if (cfg->ncmd_env == CONFIG_MAX_CMD_ENV) {
				log_error("--env %s: more than %d variables", optarg,
					  CONFIG_MAX_CMD_ENV);
				return VMM_ERR_USAGE;
			}
			if (!*optarg || *optarg == '=') {
				log_error("--env %s: expected NAME=VALUE or NAME", optarg);
				return VMM_ERR_USAGE;
			}
			cfg->cmd_env[cfg->ncmd_env++] = optarg;
			break;
		case OPT_ROOT:
			cfg->cmd_root = true;
			break;
		case OPT_RWDIR:
		case OPT_RODIR:
			if (!*optarg)
				return empty_name(c == OPT_RWDIR ? "--rwdir" : "--rodir");
			if (cfg->ncmd_dirs == CONFIG_MAX_CMD_DIRS) {
				log_error("%s %s: more than %d directories", c == OPT_RWDIR ?
					  "--rwdir" : "--rodir", optarg, CONFIG_MAX_CMD_DIRS);
				return VMM_ERR_USAGE;
			}
			cfg->cmd_dir_ro[cfg->ncmd_dirs] = c == OPT_RODIR;
			cfg->cmd_dirs[cfg->ncmd_dirs++] = optarg;
			break;
		case OPT_ROOTFS:
			if (!*optarg)
				return empty_name("--rootfs");
			cfg->rootfs = optarg;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'h':
			config_usage();
			return -1;
		default: /* opts_next printed what is wrong */
			return VMM_ERR_USAGE;
		}
	}
	/* `lkvm run [kernel]`: one word left over is the kernel, unless --kernel named it. */
	if (optind < argc && !cfg->kernel) {
		if (!*argv[optind])
			return empty_name("kernel");
		cfg->kernel = argv[optind++];
	}
	if (optind < argc) {
		log_error("%s: unexpected argument (see vmm run --help)", argv[optind]);
		return VMM_ERR_USAGE;
	}
	/* No --kernel: the host's own, found by phase_files (vmm/host_kernel.h). */
	r = cmd_config_finish(cfg);
	if (r)
		return r;

	if (cfg->sve_max_vl && cfg->sve == FEAT_OFF) {
		log_error("--sve-max-vl %u: --sve off leaves no vector length to cap",
			  cfg->sve_max_vl);
		return VMM_ERR_USAGE;
	}

	/* What no host can do is refused here, before /dev/kvm is opened. */
	if (cfg->mem > (1ULL << ARM64_MAX_IPA_BITS) - LAYOUT_RAM_BASE) {
		log_error("--mem %s: more than any arm64 guest can address (at most %s with the "
			  "largest, %d-bit, IPA size)", optarg_mem ? optarg_mem : "?",
			  config_format_size((1ULL << ARM64_MAX_IPA_BITS) - LAYOUT_RAM_BASE, sz,
					     sizeof(sz)), ARM64_MAX_IPA_BITS);
		return VMM_ERR_USAGE;
	}
	if (cfg->ipa_bits && cfg->ipa_bits < layout_ipa_bits(LAYOUT_RAM_BASE + cfg->mem)) {
		log_error("--ipa-bits %u: too small for --mem %s, the memory map needs %u bits",
			  cfg->ipa_bits, config_format_size(cfg->mem, sz, sizeof(sz)),
			  layout_ipa_bits(LAYOUT_RAM_BASE + cfg->mem));
		return VMM_ERR_USAGE;
	}
	return 0;
}
