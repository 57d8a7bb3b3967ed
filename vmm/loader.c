// SPDX-License-Identifier: GPL-2.0-only
/* Opening, validating and loading the kernel Image and the initrd. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/loader.h"

#define ARM64_COMMAND_LINE_SIZE 2048

/* Open path for reading as a regular file; prints the cause on failure. */
static int open_input(const char *what, const char *path, uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		log_errno("%s %s", what, path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		log_errno("%s %s", what, path);
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		log_error("%s %s: Is a directory", what, path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("%s %s: not a regular file", what, path);
		goto fail;
	}
	*size = (uint64_t)st.st_size;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Read exactly len bytes at off; -1 with errno (0 for a short file) otherwise. */
static int read_full(int fd, void *buf, uint64_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		size_t chunk = len > (1u << 30) ? (1u << 30) : (size_t)len;
		ssize_t n = pread(fd, p, chunk, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

int loader_open(struct boot_files *f, const char *kernel, const char *initrd)
{
	uint8_t probe[IMAGE_PROBE_SIZE];
	uint64_t ksize;
	const char *why;
	ssize_t n;

	memset(f, 0, sizeof(*f));
	f->kernel_fd = f->initrd_fd = -1;
	f->kernel_path = kernel;
	f->initrd_path = initrd;
	f->kernel_fd = open_input("kernel", kernel, &ksize);
	if (f->kernel_fd < 0)
		return VMM_ERR_INPUT;
	do
		n = pread(f->kernel_fd, probe, sizeof(probe), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		log_errno("kernel %s", kernel);
		goto fail;
	}
	if (image_parse(probe, (size_t)n, ksize, &f->img, &why)) {
		log_error("kernel %s: %s", kernel, why);
		goto fail;
	}
	if (initrd) {
		f->initrd_fd = open_input("initrd", initrd, &f->initrd_size);
		if (f->initrd_fd < 0)
			goto fail;
		if (!f->initrd_size) {
			log_error("initrd %s: empty file", initrd);
			goto fail;
		}
	}
	return 0;
fail:
	loader_close(f);
	return VMM_ERR_INPUT;
}

void loader_close(struct boot_files *f)
{
	if (f->kernel_fd >= 0)
		close(f->kernel_fd);
	if (f->initrd_fd >= 0)
		close(f->initrd_fd);
	f->kernel_fd = f->initrd_fd = -1;
}

static int load_one(const char *what, const char *path, int fd, const struct guest_mem *gm,
		    uint64_t gpa, uint64_t len)
{
	void *dst = gm_ptr(gm, gpa, len);

	if (!dst) {
		log_error("%s %s: does not fit in guest RAM at 0x%llx", what, path,
			  (unsigned long long)gpa);
		return VMM_ERR_INPUT;
	}
	if (read_full(fd, dst, len, 0)) {
		if (errno)
			log_errno("%s %s", what, path);
		else
			log_error("%s %s: file shrank while vmm was using it", what, path);
		return VMM_ERR_INPUT;
	}
	return 0;
}

int loader_load(const struct boot_files *f, const struct guest_mem *gm,
		const struct arm64_layout *l)
{
	int r = load_one("kernel", f->kernel_path, f->kernel_fd, gm, l->kernel_addr,
			 f->img.file_size);

	if (!r && f->initrd_path)
		r = load_one("initrd", f->initrd_path, f->initrd_fd, gm, l->initrd_addr,
			     f->initrd_size);
	return r;
}

/* Does the command line choose a console itself ("netconsole=" does not)? */
static bool has_console(const char *params)
{
	const char *p = params;

	while ((p = strstr(p, "console=")) != NULL) {
		if (p == params || p[-1] == ' ')
			return true;
		p++;
	}
	return false;
}

char *loader_bootargs(const char *params)
{
	static const char dflt[] = "console=ttyS0 earlycon";
	char *s;
	int n;

	if (!params || !*params)
		n = asprintf(&s, "%s", dflt);
	else if (has_console(params))
		n = asprintf(&s, "%s", params);
	else
		n = asprintf(&s, "%s %s", dflt, params);
	if (n < 0)
		return NULL;
	if (n >= ARM64_COMMAND_LINE_SIZE) {
		log_error("--params: kernel command line of %d bytes, arm64 Linux takes at most %d",
			  n, ARM64_COMMAND_LINE_SIZE - 1);
		free(s);
		return NULL;
	}
	return s;
}
