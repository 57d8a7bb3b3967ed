// SPDX-License-Identifier: GPL-2.0-only
/* Command mode's options after parsing, and the SPEC built from them and the host. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/cmd_mode.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What makes no sense with a command, and why: one line each. */
static int refuse(const char *opt, const char *why)
{
	log_error("%s: not with a command (%s)", opt, why);
	return VMM_ERR_USAGE;
}

/* DIR as an absolute path without symbolic links, which must be a directory. */
static int real_dir(const char *opt, const char *dir, char out[PATH_MAX])
{
	struct stat st;

	if (!realpath(dir, out) || stat(out, &st) < 0) {
		log_errno("%s %s", opt, dir);
		return VMM_ERR_INPUT;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_error("%s %s: not a directory", opt, dir);
		return VMM_ERR_INPUT;
	}
	return 0;
}

static int add_share(struct vm_config *cfg, const char *opt, const char *dir, const char *tag,
		     bool ro)
{
	struct fs_opts *o;
	unsigned int i;

	for (i = 0; i < cfg->nshares; i++)
		if (!strcmp(cfg->shares[i].tag, tag)) {
			log_error("--share %s: tag %s is command mode's own", cfg->shares[i].dir, tag);
			return VMM_ERR_USAGE;
		}
	if (cfg->nshares == FS_MAX_SHARES) {
		log_error("%s %s: more than %d shares in all (--share, --rwdir, --rodir and the "
			  "root)", opt, dir, FS_MAX_SHARES);
		return VMM_ERR_USAGE;
	}
	o = &cfg->shares[cfg->nshares++];
	memset(o, 0, sizeof(*o));
	if (real_dir(opt, dir, o->dir))
		return VMM_ERR_INPUT;
	snprintf(o->tag, sizeof(o->tag), "%s", tag);
	o->ro = ro;
	return 0;
}

int cmd_config_finish(struct vm_config *cfg)
{
	char tag[FS_TAG_MAX + 1];
	unsigned int i;
	int r;

	if (!cfg->cmd_argv) {
		const char *opt = cfg->ncmd_env ? "--env" : cfg->cmd_root ? "--root" :
				  cfg->ncmd_dirs ? (cfg->cmd_dir_ro[0] ? "--rodir" : "--rwdir") :
				  cfg->rootfs ? "--rootfs" : NULL;

		if (opt) {
			log_error("%s: only with a command (vmm run [options] -- CMD [ARGS...])", opt);
			return VMM_ERR_USAGE;
		}
		return 0;
	}
	if (!cfg->cmd_argv[0] || !*cfg->cmd_argv[0]) {
		log_error("--: no command after it (vmm run [options] -- CMD [ARGS...])");
		return VMM_ERR_USAGE;
	}
	if (cfg->initrd)
		return refuse("--initrd", "the guest runs vmm's agent from its built-in initramfs");
	if (cfg->console_virtio)
		return refuse("--console virtio", "the virtio console is the agent's channel");
	if (cfg->console_pty)
		return refuse("--console-pty", "CMD's stdio is vmm's");
	if (cfg->detach)
		return refuse("--detach", "vmm's exit status is CMD's");
	if (cfg->nodefaults)
		return refuse("--nodefaults", "the agent needs vmm's initramfs and command line");
	if (cfg->params && strstr(cfg->params, "root="))
		return refuse("--params root=", "the root is the host's tree or --rootfs DIR");
	/* The guest resetting is the guest ending before CMD did. */
	cfg->reboot = REBOOT_EXIT;
	cfg->cmd_share0 = cfg->nshares;
	r = add_share(cfg, "--rootfs", cfg->rootfs ? cfg->rootfs : "/", CMD_ROOT_TAG, true);
	for (i = 0; !r && i < cfg->ncmd_dirs; i++) {
		snprintf(tag, sizeof(tag), "vmm-dir%u", i + 1);
		r = add_share(cfg, cfg->cmd_dir_ro[i] ? "--rodir" : "--rwdir", cfg->cmd_dirs[i],
			      tag, cfg->cmd_dir_ro[i]);
	}
	return r;
}

int cmd_host_get(struct cmd_host *h, char *cwd_buf, size_t cwd_len)
{
	extern char **environ;
	struct winsize ws;
	gid_t groups[CMD_SPEC_MAX_GROUPS];
	int n;

	memset(h, 0, sizeof(*h));
	h->environ = environ;
	h->cwd = getcwd(cwd_buf, cwd_len) ? cwd_buf : "/";
	h->uid = getuid();
	h->gid = getgid();
	n = getgroups(CMD_SPEC_MAX_GROUPS, groups);
	if (n < 0) {
		log_errno("command: the user's groups (at most %d are passed)",
			  CMD_SPEC_MAX_GROUPS);
		return VMM_ERR_HOST;
	}
	memcpy(h->groups, groups, (size_t)n * sizeof(groups[0]));
	h->ngroups = (size_t)n;
	h->tty = isatty(STDIN_FILENO);
	if (h->tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		h->rows = ws.ws_row;
		h->cols = ws.ws_col;
	}
	return 0;
}

/* The host's NAME=VALUE entry for name (len bytes), or NULL. */
static const char *host_var(char *const *env, const char *name, size_t len)
{
	for (; env && *env; env++)
		if (!strncmp(*env, name, len) && (*env)[len] == '=')
			return *env;
	return NULL;
}

/* Add "NAME=VALUE" to envp, replacing an earlier entry of the same name. */
static void env_set(const char **envp, size_t *n, const char *var)
{
	size_t len = strcspn(var, "="), i;

	for (i = 0; i < *n; i++)
		if (!strncmp(envp[i], var, len) && envp[i][len] == '=') {
			envp[i] = var;
			return;
		}
	envp[(*n)++] = var;
}

static bool is_dir(const char *root, const char *path)
{
	char full[PATH_MAX * 2];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", strcmp(root, "/") ? root : "", path);
	return stat(full, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_spec_build(const struct vm_config *cfg, const struct cmd_host *h, uint8_t **out,
		   size_t *out_len)
{
	static const char *const keep[] = { "PATH", "HOME", "TERM", "LANG", "USER", "LOGNAME" };
	static const char *const root_env[] = { "HOME=/root", "USER=root", "LOGNAME=root" };
	const struct fs_opts *root = &cfg->shares[cfg->cmd_share0];
	struct cmd_spec spec;
	const char **envp;
	char why[128];
	size_t nenv = 0, cap = 16 + cfg->ncmd_env, i;
	char *const *e;
	int r;

	for (e = h->environ; e && *e; e++)
		cap++;
	envp = calloc(cap, sizeof(*envp));
	if (!envp) {
		log_errno("command: its environment");
		return VMM_ERR_INTERNAL;
	}
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = host_var(h->environ, keep[i], strlen(keep[i]));

		if (v)
			envp[nenv++] = v;
		else if (!strcmp(keep[i], "PATH"))
			envp[nenv++] = "PATH=" DEFAULT_PATH;
	}
	for (e = h->environ; e && *e; e++)
		if (!strncmp(*e, "LC_", 3) && strchr(*e, '='))
			env_set(envp, &nenv, *e);
	if (cfg->cmd_root)
		for (i = 0; i < sizeof(root_env) / sizeof(root_env[0]); i++)
			env_set(envp, &nenv, root_env[i]);
	for (i = 0; i < cfg->ncmd_env; i++) {
		const char *v = cfg->cmd_env[i];

		if (!strchr(v, '='))
			v = host_var(h->environ, v, strlen(v)); /* unset on the host: not passed */
		if (v)
			env_set(envp, &nenv, v);
	}

	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char **)cfg->cmd_argv;
	spec.envp = envp;
	spec.cwd = cfg->rootfs && !is_dir(root->dir, h->cwd) ? "/" : h->cwd;
	spec.root_tag = CMD_ROOT_TAG;
	spec.hostname = cfg->name ? cfg->name : "vmm";
	if (!cfg->cmd_root) {
		spec.uid = h->uid;
		spec.gid = h->gid;
		spec.ngroups = h->ngroups;
		memcpy(spec.groups, h->groups, h->ngroups * sizeof(spec.groups[0]));
	}
	spec.tty = h->tty;
	spec.rows = h->rows;
	spec.cols = h->cols;
	for (i = cfg->cmd_share0 + 1; i < cfg->nshares; i++) {
		struct cmd_mount *m = &spec.mounts[spec.nmounts++];

		m->tag = cfg->shares[i].tag;
		m->path = cfg->shares[i].dir;
		m->ro = cfg->shares[i].ro;
	}
	r = cmd_spec_encode(&spec, out, out_len, why, sizeof(why));
	free(envp);
	if (r) {
		log_error("command %s: %s", cfg->cmd_argv[0], why);
		return VMM_ERR_USAGE;
	}
	return 0;
}
