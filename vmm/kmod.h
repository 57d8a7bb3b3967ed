/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_KMOD_H
#define VMM_KMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Kernel modules for the built-in initramfs. A distribution kernel (Debian's
 * cloud-arm64, say) has virtio_mmio, virtio_blk, overlay ... as modules in
 * /lib/modules/RELEASE/, so booted with vmm's built-in initramfs it would
 * find no virtio devices. vmm therefore appends to that initramfs a second,
 * uncompressed newc cpio archive:
 *
 *   /vmm-modules/FILE    each module file as the kernel ships it (.ko,
 *                        .ko.xz, .ko.zst, .ko.gz), by its base name
 *   /vmm-modules/order   the base names, one a line, dependencies first
 *
 * and the guest's /bin/vmm-modload (guest/agent/modload.c) loads them with
 * finit_module(2) before anything else. This file is the pure part (text in,
 * text out, no I/O), unit-tested; vmm/kmod_files.c reads the directory.
 */

/* The modules vmm's devices and the built-in init need, by module name. */
extern const char *const kmod_wanted[];
extern const size_t kmod_nwanted;

/* At most this many bytes of module files go into the archive. */
#define KMOD_MAX_ARCHIVE (64u << 20)
/* modules.dep, modules.builtin larger than this are refused. */
#define KMOD_MAX_INDEX (16u << 20)

/*
 * kmod_release_find - the kernel release inside an Image: the word after the
 * first "Linux version " (linux_banner) that looks like a release (starts
 * with a digit, then printable non-blank characters, no '/', shorter than
 * 65 bytes, utsname's limit). Copied to out (outlen bytes). Returns true
 * when found.
 */
bool kmod_release_find(const uint8_t *buf, size_t len, char *out, size_t outlen);

/*
 * kmod_name - the module name of a modules.dep path: its base name without
 * ".ko" and a compression suffix, '-' turned to '_' ("drivers/char/
 * hw_random/virtio-rng.ko.xz" -> "virtio_rng"). false when path is not a
 * module file name or the name does not fit.
 */
bool kmod_name(const char *path, char *name, size_t len);

/* One module of modules.dep; deps index into kmod_db.mods. */
struct kmod_mod {
	const char *path;       /* as written: relative to the directory, or absolute */
	char name[64];
	size_t *deps;
	size_t ndeps;
};

struct kmod_db {
	struct kmod_mod *mods;
	size_t nmods;
	char *text;             /* a private copy the path pointers point into */
};

/*
 * kmod_dep_parse - read modules.dep text ("PATH: DEP DEP ...", one module a
 * line; '#' comments and blank lines skipped; a backslash before a newline
 * continues the line). Every dependency must have a line of its own.
 * Returns 0 with db filled (kmod_db_free() it), or -1 with the cause in why
 * ("line 3: no ':' after the module path", "line 7: net/x.ko needs y.ko,
 * which has no line of its own"), db then empty.
 */
int kmod_dep_parse(const char *text, size_t len, struct kmod_db *db, char *why, size_t whylen);
void kmod_db_free(struct kmod_db *db);

/* kmod_db_find - the index of the module called name, or -1. */
long kmod_db_find(const struct kmod_db *db, const char *name);

/* kmod_builtin_has - does modules.builtin (text, len bytes) list module name? */
bool kmod_builtin_has(const char *text, size_t len, const char *name);

/*
 * kmod_closure - the modules to load for roots (indices into db), each
 * after all of its dependencies, each once: written to order (room for
 * db->nmods), their count to *n. A dependency cycle (which the kernel could
 * not load either) is broken where it closes instead of looping.
 * Returns 0, or -1 when no memory.
 */
int kmod_closure(const struct kmod_db *db, const size_t *roots, size_t nroots, size_t *order,
		 size_t *n);

/* A growing byte buffer for the archive. */
struct kmod_buf {
	uint8_t *data;
	size_t len, cap;
};

/*
 * kmod_cpio_add - append one newc entry (magic "070701", 13 fields of 8
 * upper-case hex digits, the name with its NUL padded to 4 bytes, the data
 * padded to 4 bytes; owner root, mtime 0, inode ino). mode is the full
 * st_mode (S_IFDIR | 0755, S_IFREG | 0644). kmod_cpio_end appends the
 * "TRAILER!!!" entry. Return 0, or -1 when no memory (b keeps what it had).
 */
int kmod_cpio_add(struct kmod_buf *b, const char *name, uint32_t mode, uint32_t ino,
		  const void *data, size_t size);
int kmod_cpio_end(struct kmod_buf *b);
/* kmod_buf_line - append text and a newline; 0, or -1 when no memory. */
int kmod_buf_line(struct kmod_buf *b, const char *text);
void kmod_buf_free(struct kmod_buf *b);

#endif
