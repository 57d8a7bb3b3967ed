// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmm-modload: load the kernel modules vmm appended to its built-in
 * initramfs (vmm/kmod.h): /vmm-modules/order names the files, one a line,
 * dependencies first. Each is handed to the kernel as it is, with
 * finit_module(2); a compressed one (.xz, .zst, .gz) with
 * MODULE_INIT_COMPRESSED_FILE, so the kernel decompresses it itself
 * (CONFIG_MODULE_DECOMPRESS, which distributions that compress their
 * modules enable). No modprobe and no decompressor needed in the guest.
 *
 * Exits 0 when every module loaded or was already there (EEXIST), or when
 * there is no order file (a kernel that needs nothing); otherwise one line
 * per failure on stderr ("vmm-modload: overlay.ko.xz: CAUSE") and exit 1.
 * The rest are still tried: a module that fails may not be needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4 /* linux/module.h, Linux 5.17 */
#endif

#define DIR "/vmm-modules"

static int compressed(const char *name)
{
	static const char *const suffix[] = { ".xz", ".zst", ".gz" };
	size_t n = strlen(name);

	for (unsigned int i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		size_t k = strlen(suffix[i]);

		if (n > k && !strcmp(name + n - k, suffix[i]))
			return 1;
	}
	return 0;
}

static int load(const char *name)
{
	char path[300];
	int fd, flags = compressed(name) ? MODULE_INIT_COMPRESSED_FILE : 0;
	long r;

	if (!*name || strchr(name, '/') || snprintf(path, sizeof(path), DIR "/%s", name) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "vmm-modload: '%.100s': not a module file name\n", name);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vmm-modload: %s: %s\n", name, strerror(errno));
		return -1;
	}
	r = syscall(SYS_finit_module, fd, "", flags);
	if (r && errno == EEXIST)
		r = 0;
	if (r && flags && (errno == EOPNOTSUPP || errno == EINVAL))
		fprintf(stderr, "vmm-modload: %s: %s (this kernel cannot decompress modules: "
			"it needs CONFIG_MODULE_DECOMPRESS with this compressor)\n", name,
			strerror(errno));
	else if (r)
		fprintf(stderr, "vmm-modload: %s: %s\n", name, strerror(errno));
	close(fd);
	return r ? -1 : 0;
}

int main(void)
{
	FILE *f = fopen(DIR "/order", "re");
	char line[256];
	int failed = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "vmm-modload: " DIR "/order: %s\n", strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (*line && load(line))
			failed = 1;
	}
	fclose(f);
	return failed;
}
