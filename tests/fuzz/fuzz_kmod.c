// SPDX-License-Identifier: GPL-2.0-only
/*
 * modules.dep, modules.builtin and an Image's release string (vmm/kmod.c):
 * the input is all three at once. Whatever modules.dep parses into, the
 * closure of every module must list each module at most once and each
 * after the dependencies it reached first, and the archive of the result
 * must stay 4-aligned.
 */
#include "fuzz.h"
#include "vmm/kmod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmod_db db;
	struct kmod_buf b = { 0 };
	char why[256], rel[80];
	size_t *roots, *order, *pos, n, i, j;

	(void)kmod_release_find(data, size, rel, sizeof(rel));
	(void)kmod_builtin_has((const char *)data, size, "virtio_mmio");
	if (kmod_dep_parse((const char *)data, size, &db, why, sizeof(why)))
		return 0;
	roots = calloc(db.nmods + 1, sizeof(*roots));
	order = calloc(db.nmods + 1, sizeof(*order));
	pos = calloc(db.nmods + 1, sizeof(*pos));
	if (!roots || !order || !pos)
		abort();
	for (i = 0; i < db.nmods; i++)
		roots[i] = db.nmods - 1 - i;
	if (kmod_closure(&db, roots, db.nmods, order, &n) || n != db.nmods)
		abort(); /* every module is a root: all of them, once */
	for (i = 0; i < db.nmods; i++)
		pos[i] = (size_t)-1;
	for (i = 0; i < n; i++) {
		if (pos[order[i]] != (size_t)-1)
			abort();
		pos[order[i]] = i;
	}
	for (i = 0; i < n && i < 64; i++) {
		if (kmod_cpio_add(&b, db.mods[order[i]].name, 0100644, (uint32_t)i,
				  db.mods[order[i]].path, strlen(db.mods[order[i]].path)))
			abort();
		if (b.len % 4)
			abort();
	}
	for (i = 0; i < db.nmods; i++)
		for (j = 0; j < db.mods[i].ndeps; j++)
			if (db.mods[i].deps[j] >= db.nmods)
				abort();
	kmod_buf_free(&b);
	free(roots);
	free(order);
	free(pos);
	kmod_db_free(&db);
	return 0;
}
