// SPDX-License-Identifier: GPL-2.0-only
/* Kernel modules for the built-in initramfs: reading /lib/modules (vmm/kmod_files.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/kmod_files.h"

/*
 * Read a whole file of at most max bytes into a NUL-terminated heap buffer.
 * Returns 0; 1 when it does not exist (ENOENT, ENOTDIR); VMM_ERR_INPUT after
 * printing why (unreadable, too big).
 */
static int slurp(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		log_errno("modules: %s", path);
		return VMM_ERR_INPUT;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		log_error("modules: %s: not a regular file", path);
		close(fd);
		return VMM_ERR_INPUT;
	}
	if ((uint64_t)st.st_size > max) {
		log_error("modules: %s: %llu bytes, more than the %zu MiB vmm takes", path,
			  (unsigned long long)st.st_size, max >> 20);
		close(fd);
		return VMM_ERR_INPUT;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		log_error("modules: %s: out of memory", path);
		close(fd);
		return VMM_ERR_INTERNAL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				log_errno("modules: %s", path);
			else
				log_error("modules: %s: file shrank while vmm read it", path);
			free(buf);
			close(fd);
			return VMM_ERR_INPUT;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* The module files of order[] and the order list, into out. */
static int pack(const char *dir, const struct kmod_db *db, const size_t *order, size_t n,
		struct kmod_buf *out)
{
	struct kmod_buf list = { 0 };
	uint64_t total = 0;
	size_t i;
	int r = VMM_ERR_INTERNAL;

	if (kmod_cpio_add(out, "vmm-modules", 0040755, 1, NULL, 0))
		goto nomem;
	for (i = 0; i < n; i++) {
		const char *p = db->mods[order[i]].path, *b = base_name(p);
		char path[2 * PATH_MAX + 2], name[PATH_MAX];
		char *data;
		size_t len;

		/* depmod writes paths relative to dir; older ones wrote them absolute. */
		if (p[0] == '/')
			snprintf(path, sizeof(path), "%s", p);
		else
			snprintf(path, sizeof(path), "%s/%s", dir, p);
		r = slurp(path, KMOD_MAX_ARCHIVE, &data, &len);
		if (r == 1) {
			log_error("modules: %s: listed in %s/modules.dep but missing", path, dir);
			r = VMM_ERR_INPUT;
		}
		if (r)
			goto fail;
		total += len;
		if (total > KMOD_MAX_ARCHIVE) {
			free(data);
			log_error("modules: %s: the modules vmm needs exceed %u MiB", dir,
				  KMOD_MAX_ARCHIVE >> 20);
			r = VMM_ERR_INPUT;
			goto fail;
		}
		snprintf(name, sizeof(name), "vmm-modules/%s", b);
		r = kmod_cpio_add(out, name, 0100644, (uint32_t)i + 2, data, len);
		free(data);
		if (r || kmod_buf_line(&list, b))
			goto nomem;
	}
	if (kmod_cpio_add(out, "vmm-modules/order", 0100644, (uint32_t)n + 2, list.data, list.len) ||
	    kmod_cpio_end(out))
		goto nomem;
	kmod_buf_free(&list);
	return 0;
nomem:
	log_error("modules: %s: out of memory", dir);
	r = VMM_ERR_INTERNAL;
fail:
	kmod_buf_free(&list);
	kmod_buf_free(out);
	return r;
}

int kmod_archive(const char *modroot, const char *release, struct kmod_buf *out, bool *missing)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], why[256];
	char *dep = NULL, *builtin = NULL;
	size_t deplen, builtinlen = 0, roots[16], nroots = 0, n, i;
	size_t *order = NULL;
	struct kmod_db db = { 0 };
	int r;

	memset(out, 0, sizeof(*out));
	*missing = false;
	snprintf(dir, sizeof(dir), "%s/%s", modroot, release);
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	r = slurp(path, KMOD_MAX_INDEX, &dep, &deplen);
	if (r == 1) {
		*missing = true;
		return 0;
	}
	if (r)
		return r;
	if (kmod_dep_parse(dep, deplen, &db, why, sizeof(why))) {
		log_error("modules: %s: %s", path, why);
		free(dep);
		return VMM_ERR_INPUT;
	}
	free(dep);
	/* Older kernels have no modules.builtin: nothing is known built in then. */
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	r = slurp(path, KMOD_MAX_INDEX, &builtin, &builtinlen);
	if (r > 1)
		goto out;
	for (i = 0; i < kmod_nwanted; i++) {
		long m = kmod_db_find(&db, kmod_wanted[i]);

		if (builtin && kmod_builtin_has(builtin, builtinlen, kmod_wanted[i]))
			log_info("modules: %s is built into kernel %s", kmod_wanted[i], release);
		else if (m < 0)
			log_info("modules: kernel %s has no %s", release, kmod_wanted[i]);
		else if (nroots < sizeof(roots) / sizeof(roots[0]))
			roots[nroots++] = (size_t)m;
	}
	order = calloc(db.nmods ? db.nmods : 1, sizeof(*order));
	if (!order || kmod_closure(&db, roots, nroots, order, &n)) {
		log_error("modules: %s: out of memory", dir);
		r = VMM_ERR_INTERNAL;
		goto out;
	}
	r = n ? pack(dir, &db, order, n, out) : 0;
	if (!r && n)
		log_info("modules: %zu from %s (%zu KiB) appended to the initramfs", n, dir,
			 out->len >> 10);
out:
	free(order);
	free(builtin);
	kmod_db_free(&db);
	return r;
}

/* The Image of f, mapped: the release and the virtio-mmio check read it. */
static const uint8_t *map_image(const struct boot_files *f, size_t *len)
{
	struct stat st;
	void *p;

	if (fstat(f->kernel_fd, &st) || st.st_size <= 0)
		return NULL;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, f->kernel_fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return p;
}

int kmod_builtin_initrd(struct boot_files *f, bool host_kernel, const char *name,
			const void *data, size_t len)
{
	return kmod_builtin_initrd_at(f, "/lib/modules", host_kernel, name, data, len);
}

int kmod_builtin_initrd_at(struct boot_files *f, const char *modroot, bool host_kernel,
			   const char *name, const void *data, size_t len)
{
	char release[80] = "";
	size_t ilen = 0, pad = (4 - len % 4) % 4;
	const uint8_t *img = map_image(f, &ilen);
	bool found = img && kmod_release_find(img, ilen, release, sizeof(release));
	/* The driver's name is in the Image only when it is built in. */
	bool has_mmio = img && memmem(img, ilen, "virtio-mmio", 11);
	struct kmod_buf mods;
	struct utsname u;
	bool missing;
	uint8_t *all;
	int r;

	if (img)
		munmap((void *)img, ilen);
	if (!found && host_kernel && !uname(&u))
		found = snprintf(release, sizeof(release), "%s", u.release) < (int)sizeof(release);
	if (!found) {
		log_info("kernel %s: no release string found: no modules added", f->kernel_path);
		return loader_set_initrd(f, name, data, len);
	}
	r = kmod_archive(modroot, release, &mods, &missing);
	if (r)
		return r;
	if (missing && !has_mmio)
		log_warn("modules: %s/%s/modules.dep does not exist: kernel %s boots "
			 "with its built-in drivers only (it has no virtio-mmio: no devices)",
			 modroot, release, f->kernel_path);
	if (!mods.len)
		return loader_set_initrd(f, name, data, len);
	/*
	 * The kernel unpacks concatenated archives, compressed or not; an
	 * uncompressed one must start 4-aligned, and zeros between are skipped.
	 */
	all = calloc(1, len + pad + mods.len);
	if (!all) {
		log_error("initrd %s: out of memory for the modules", name);
		kmod_buf_free(&mods);
		return VMM_ERR_INTERNAL;
	}
	memcpy(all, data, len);
	memcpy(all + len + pad, mods.data, mods.len);
	r = loader_set_initrd(f, name, all, len + pad + mods.len);
	free(all);
	kmod_buf_free(&mods);
	return r;
}
