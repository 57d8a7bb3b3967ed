// SPDX-License-Identifier: GPL-2.0-only
/* Opening, validating and loading the kernel Image and the initrd. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/kernel_format.h"
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

/* The first bytes of fd, for the format checks; -1 with errno on a read error. */
static ssize_t probe_read(int fd, uint8_t *buf, size_t len)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * A compressed kernel: swap its descriptor for a memfd holding the Image, so
 * that image_parse() and every later loader_load() see a plain Image. The
 * compressed file is closed; the user's path stays for messages.
 */
static int kernel_inflate(struct boot_files *f, const struct kfmt *k, uint64_t *ksize)
{
	char why[160];
	uint64_t size;
	int mfd = kfmt_decompress(f->kernel_fd, k, KFMT_MAX_IMAGE, &size, why, sizeof(why));

	if (mfd < 0) {
		log_error("kernel %s: %s", f->kernel_path, why);
		return -mfd;
	}
	close(f->kernel_fd);
	f->kernel_fd = mfd;
	log_info("kernel %s: %s payload decompressed, %llu KiB", f->kernel_path, k->name,
		 (unsigned long long)(size >> 10));
	*ksize = size;
	return 0;
}

/*
 * A kernel file with no arm64 Image header, booted as lkvm boots one: the
 * whole file at the start of RAM plus 0x80000 (the text_offset of kernels
 * before 3.17, kvmtool's default), entered at its first byte. ELF files
 * (vmlinux) are still refused: their first byte is no entry point.
 */
static bool raw_kernel(const uint8_t *probe, size_t n, uint64_t ksize, struct arm64_image *img)
{
	if (ksize == 0 || (n >= 4 && !memcmp(probe, "\177ELF", 4)))
		return false;
	if (n >= IMAGE_HDR_SIZE && probe[56] == 'A' && probe[57] == 'R' && probe[58] == 'M' &&
	    probe[59] == 0x64)
		return false; /* an Image with a bad header: image_parse() says why */
	image_raw(ksize, img);
	return true;
}

int loader_open(struct boot_files *f, const char *kernel, const char *initrd)
{
	return loader_open_ex(f, kernel, initrd, false);
}

int loader_open_ex(struct boot_files *f, const char *kernel, const char *initrd, bool raw_ok)
{
	uint8_t probe[IMAGE_PROBE_SIZE];
	const char *why, *inside = NULL;
	struct kfmt k;
	uint64_t ksize;
	ssize_t n;
	int r = VMM_ERR_INPUT;

	memset(f, 0, sizeof(*f));
	f->kernel_fd = f->initrd_fd = -1;
	f->kernel_path = kernel;
	f->initrd_path = initrd;
	f->kernel_fd = open_input("kernel", kernel, &ksize);
	if (f->kernel_fd < 0)
		return VMM_ERR_INPUT;
	n = probe_read(f->kernel_fd, probe, sizeof(probe));
	if (n < 0) {
		log_errno("kernel %s", kernel);
		goto fail;
	}
	if (kfmt_detect(probe, (size_t)n, ksize, &k) == KFMT_REFUSED) {
		if (!raw_ok || !k.unknown) {
			log_error("kernel %s: %s", kernel, k.why);
			goto fail;
		}
		k.kind = KFMT_IMAGE; /* a bare binary: raw_kernel() below */
	}
	if (k.kind != KFMT_IMAGE) {
		struct kfmt in;

		r = kernel_inflate(f, &k, &ksize);
		if (r)
			goto fail;
		r = VMM_ERR_INPUT;
		inside = k.name;
		n = probe_read(f->kernel_fd, probe, sizeof(probe));
		if (n < 0) {
			log_errno("kernel %s", kernel);
			goto fail;
		}
		if (kfmt_detect(probe, (size_t)n, ksize, &in) != KFMT_IMAGE) {
			log_error("kernel %s: %s payload: %s", kernel, inside,
				  in.kind == KFMT_REFUSED ? in.why : "compressed twice");
			goto fail;
		}
	}
	if (image_parse(probe, (size_t)n, ksize, &f->img, &why)) {
		if (!inside && raw_ok && raw_kernel(probe, (size_t)n, ksize, &f->img)) {
			log_info("kernel %s: no arm64 Image header: loaded whole at RAM + 0x%llx "
				 "and entered there, as lkvm does", kernel,
				 (unsigned long long)f->img.text_offset);
		} else {
			if (inside)
				log_error("kernel %s: %s payload: %s", kernel, inside, why);
			else
				log_error("kernel %s: %s", kernel, why);
			goto fail;
		}
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
	return r;
}

int loader_set_initrd(struct boot_files *f, const char *name, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t left = len;
	int fd;

	if (!len) {
		log_error("initrd %s: empty", name);
		return VMM_ERR_INPUT;
	}
	/* A memfd, sealed: loader_load() reads it at every boot like a file. */
	fd = memfd_create("vmm-initrd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		log_errno("initrd %s: memfd_create", name);
		return VMM_ERR_HOST;
	}
	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_errno("initrd %s", name);
			close(fd);
			return VMM_ERR_HOST;
		}
		p += n;
		left -= (size_t)n;
	}
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	if (f->initrd_fd >= 0)
		close(f->initrd_fd);
	f->initrd_fd = fd;
	f->initrd_path = name;
	f->initrd_size = len;
	return 0;
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

/* Does the command line have a word starting with key ("netconsole=" is not "console=")? */
static bool has_param(const char *params, const char *key)
{
	const char *p = params;

	while (p && (p = strstr(p, key)) != NULL) {
		if (p == params || p[-1] == ' ')
			return true;
		p++;
	}
	return false;
}

char *loader_bootargs(const char *params, bool root_disk, const char *console_dev)
{
	char console[64] = "";
	
	const char *root = root_disk && !has_param(params, "root=") ? "root=/dev/vda rw " : "";
	char *s;
	int n;

	/* earlycon stays on the UART (stdout-path) whichever device is the console. */
	if (console_dev && !has_param(params, "console="))
		snprintf(console, sizeof(console), "console=%s earlycon ", console_dev);

	n = asprintf(&s, "%s%s%s", console, root, params ? params : "");
	if (n < 0)
		return NULL;
	/* No trailing blank when nothing follows the defaults (--nodefaults: as given). */
	while (console_dev && n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	if (n >= ARM64_COMMAND_LINE_SIZE) {
		/* The limit is the kernel's, on the whole line: name both parts. */
		int added = (int)(strlen(console) + strlen(root));

		if (added)
			log_error("--params: %zu bytes, and with the %d that vmm puts in front "
				  "('%s%s') the kernel command line has %d; arm64 Linux takes at "
				  "most %d (so --params at most %d here)", params ? strlen(params) : 0,
				  added, console, root, n, ARM64_COMMAND_LINE_SIZE - 1,
				  ARM64_COMMAND_LINE_SIZE - 1 - added);
		else
			log_error("--params: %d bytes; arm64 Linux takes a kernel command line of "
				  "at most %d", n, ARM64_COMMAND_LINE_SIZE - 1);
		free(s);
		return NULL;
	}
	return s;
}
