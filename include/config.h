/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "disk.h"
#include "fuse_server.h"
#include "net.h"

/*
 * Everything `vmm run` was asked to do, parsed and checked for syntax before
 * /dev/kvm is opened. Checks that need the host (its IPA limit, its vCPU
 * limit, its GIC) come later and name the option they refuse.
 */
enum irqchip_kind {
	IRQCHIP_AUTO,
	IRQCHIP_GICV3,
	IRQCHIP_GICV3_ITS,
	IRQCHIP_GICV2,
};

enum reboot_policy {
	REBOOT_RESTART, /* --reboot reboot: a guest reset boots it again */
	REBOOT_EXIT,    /* --reboot exit: a guest reset ends vmm (VMM_GUEST_RESET) */
};

/*
 * A guest CPU feature as asked for: by default the guest gets it where the
 * host offers it (silently off elsewhere); asked for explicitly, a host
 * without it is an error (VMM_ERR_HOST). arm64/cpu_features.h decides.
 */
enum feat_req {
	FEAT_DEFAULT,
	FEAT_ON,
	FEAT_OFF,
};

#define CONFIG_SVE_VL_MIN 128  /* bits: the architecture's smallest vector */
#define CONFIG_SVE_VL_MAX 2048 /* and its largest */

#define CONFIG_DEFAULT_MEM (256ULL << 20)
#define CONFIG_MAX_CPUS 512 /* KVM's own arm64 limit; the host may allow fewer */
#define CONFIG_MAX_DISKS 32
#define CONFIG_MAX_CMD_ENV 256
#define CONFIG_MAX_CMD_DIRS 7 /* FS_MAX_SHARES, less the root share */

struct vm_config {
	const char *kernel;      /* NULL: the host's own kernel (vmm/host_kernel.c) */
	const char *initrd;
	const char *params;      /* user's --params, NULL when not given */
	const char *dtb_dump;
	uint64_t mem;            /* bytes */
	unsigned int cpus;
	unsigned int ipa_bits;   /* 0: computed from the memory map */
	enum irqchip_kind irqchip;
	enum reboot_policy reboot;
	int verbose;
	const char *name;        /* --name; NULL: vm-PID */
	bool detach;             /* --detach: run in the background once the guest runs */
	const char *console_log; /* --console-log FILE */
	bool console_virtio;     /* --console virtio: hvc0 instead of ttyS0 */
	bool console_pty;        /* --console-pty: the console on a new pty */
	unsigned int timeout;    /* --timeout SECONDS; 0: none */
	bool sandbox_off;        /* --sandbox off: no seccomp filters, capabilities kept */
	bool stats;              /* --stats: exit and access counts on stderr at the end */
	bool rng_off;            /* --rng off: no virtio-rng */
	bool nodefaults;         /* --nodefaults: nothing implicit (command line, initramfs) */
	bool kernel_raw_ok;      /* lkvm personality: a headerless kernel loads raw */
	enum feat_req sve;       /* --sve on|off; default: on where the host has it */
	unsigned int sve_max_vl; /* --sve-max-vl BITS; 0: every length the host has */
	enum feat_req ptrauth;   /* --ptrauth on|off (address and generic together) */
	enum feat_req pmu;       /* --pmu [on|off]; default: on where the host has it */
	enum feat_req mte;       /* --mte [on|off]; default off (FEAT_DEFAULT is off) */
	enum feat_req steal_time; /* --steal-time on|off; default: on where available */
	struct disk_opts disks[CONFIG_MAX_DISKS]; /* --disk, in command-line order */
	unsigned int ndisks;
	struct net_opts nets[NET_MAX_NICS]; /* --network tap..., in command-line order */
	unsigned int nnets;      /* 0 also after --network none */
	struct fs_opts shares[FS_MAX_SHARES]; /* --share, in command-line order */
	unsigned int nshares;
	/* Command mode, `vmm run [options] -- CMD` (vmm/cmd_mode.h); cmd_argv NULL: none */
	char **cmd_argv;         /* NULL-terminated: CMD and its arguments */
	const char *cmd_env[CONFIG_MAX_CMD_ENV]; /* --env NAME=VALUE or NAME */
	unsigned int ncmd_env;
	bool cmd_root;           /* --root: CMD runs as root */
	const char *rootfs;      /* --rootfs DIR: the guest's root; NULL: / */
	const char *cmd_dirs[CONFIG_MAX_CMD_DIRS]; /* --rwdir / --rodir, in order */
	bool cmd_dir_ro[CONFIG_MAX_CMD_DIRS];
	unsigned int ncmd_dirs;
	unsigned int cmd_share0; /* shares[cmd_share0] is vmm-root, then vmm-dir1... */
};

/*
 * config_parse_run - parse the arguments of `vmm run` (argv[0] is "run") into
 * cfg, with defaults for whatever is not given. Long options must be spelled
 * out (vmm/opts.h); one word that is no option is the kernel, as with
 * `lkvm run`, unless --kernel names it. On a bad option or value it prints
 * one line naming the option and the cause and returns VMM_ERR_USAGE
 * (VMM_ERR_HOST for --cpus above KVM's own limit of CONFIG_MAX_CPUS); so
 * are values that no arm64 host can take: --ipa-bits outside 32..52, --mem
 * beyond a 52-bit IPA space, --ipa-bits too small for --mem. Returns 0 on
 * success, or -1 when --help was printed (exit 0). May be called more than
 * once (getopt is reset).
 */
int config_parse_run(struct vm_config *cfg, int argc, char **argv);

/*
 * config_parse_size - parse a memory size: a number of MiB, or a number with
 * a K, M, G or T suffix (powers of 1024, optional trailing "iB"/"B"; letters
 * in any case). Returns
 * 0 and sets *out, or -1 for junk, zero, or overflow.
 */
int config_parse_size(const char *s, uint64_t *out);

/*
 * config_check_mem_host - can a host with host_bytes of RAM and swap, whose
 * vm.overcommit_memory is overcommit, allocate mem bytes of guest RAM? The
 * kernel refuses a private mapping larger than RAM and swap in modes 0 and
 * 2, so that is told before /dev/kvm is opened. Returns 0 (also when
 * host_bytes is 0: unknown), or VMM_ERR_HOST after printing one line naming
 * --mem and the host's size.
 */
int config_check_mem_host(uint64_t mem, uint64_t host_bytes, int overcommit);

/* config_format_size - "256M", "1G", "1536K" ...: the shortest exact form. */
const char *config_format_size(uint64_t bytes, char *buf, unsigned int len);

/* config_irqchip_name - the --irqchip spelling of k. */
const char *config_irqchip_name(enum irqchip_kind k);

/* config_usage - the help text of `vmm run`, printed to stdout. */
void config_usage(void);

#endif
