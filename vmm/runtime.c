// SPDX-License-Identifier: GPL-2.0-only
/* The per-user runtime directory, VM names and their liveness locks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/runtime.h"

/* mkdir -p for the last component only; then insist it is private and ours. */
static int private_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		log_errno("runtime directory %s", path);
		return VMM_ERR_HOST;
	}
	if (lstat(path, &st) < 0) {
		log_errno("runtime directory %s", path);
		return VMM_ERR_HOST;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
		log_error("runtime directory %s: not a directory owned by you (uid %u); refusing it",
			  path, (unsigned int)getuid());
		return VMM_ERR_HOST;
	}
	if (st.st_mode & 077) {
		log_error("runtime directory %s: others can enter it (mode %03o); refusing it",
			  path, (unsigned int)(st.st_mode & 0777));
		return VMM_ERR_HOST;
	}
	return 0;
}

int rt_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char run_user[64];
	struct stat st;
	int n;

	snprintf(run_user, sizeof(run_user), "/run/user/%u", (unsigned int)getuid());
	if (xdg && *xdg == '/')
		n = snprintf(buf, len, "%s/vmm", xdg);
	else if (stat(run_user, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid())
		n = snprintf(buf, len, "%s/vmm", run_user);
	else
		n = snprintf(buf, len, "/tmp/vmm-%u", (unsigned int)getuid());
	if (n < 0 || (size_t)n >= len) {
		log_error("runtime directory: path too long");
		return VMM_ERR_HOST;
	}
	return private_dir(buf);
}

const char *rt_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0)
		return "empty";
	if (n > RT_NAME_MAX)
		return "longer than 64 bytes";
	if (name[0] == '.' || name[0] == '-')
		return "starts with '.' or '-'";
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return c == '/' ? "contains '/'" : "may hold only letters, digits, '.', '_' and '-'";
	}
	return NULL;
}

void rt_name_default(char *buf, size_t len, pid_t pid)
{
	snprintf(buf, len, "vm-%ld", (long)pid);
}

int rt_path(char *buf, size_t len, const char *dir, const char *name, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s.%s", dir, name, suffix);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void remove_files(const char *dir, const char *name)
{
	static const char *const suffixes[] = { "sock", "lock" };
	char path[4096];
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (!rt_path(path, sizeof(path), dir, name, suffixes[i]))
			unlink(path);
}

static pid_t read_pid(int fd)
{
	char buf[32] = { 0 };
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? (pid_t)atol(buf) : -1;
}

pid_t rt_probe(const char *dir, const char *name)
{
	char path[4096];
	pid_t pid;
	int fd;

	if (rt_path(path, sizeof(path), dir, name, "lock"))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		/* Nobody holds it: that vmm is gone. Clean up after it. */
		remove_files(dir, name);
		close(fd);
		return 0;
	}
	pid = read_pid(fd);
	close(fd);
	return pid > 0 ? pid : -1;
}

int rt_claim(const char *dir, const char *name)
{
	char path[4096], pid[32];
	int fd, n;

	if (rt_path(path, sizeof(path), dir, name, "lock")) {
		log_error("--name %s: runtime path too long", name);
		return -VMM_ERR_USAGE;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_errno("--name %s: %s", name, path);
		return -VMM_ERR_HOST;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_error("--name %s: a VM of that name is running (pid %ld)", name, (long)read_pid(fd));
		close(fd);
		return -VMM_ERR_USAGE;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn("--name %s: cannot record the pid in %s", name, path);
	/* A socket left by a vmm that died before us would block bind(). */
	if (!rt_path(path, sizeof(path), dir, name, "sock"))
		unlink(path);
	return fd;
}

void rt_release(const char *dir, const char *name, int lock_fd)
{
	if (lock_fd < 0)
		return;
	/* Unlink while still holding the lock: nobody can claim a half-removed name. */
	remove_files(dir, name);
	close(lock_fd);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rt_list(const char *dir, void (*fn)(const char *name, void *ctx), void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || strcmp(e->d_name + len - 5, ".lock"))
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*names));

			if (!grown)
				break;
			names = grown;
		}
		names[n] = strndup(e->d_name, len - 5);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n) /* names is NULL when nothing was found: qsort wants an array */
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		fn(names[i], ctx);
		free(names[i]);
	}
	free(names);
	return (int)n;
}
