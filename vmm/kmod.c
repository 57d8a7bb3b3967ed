// SPDX-License-Identifier: GPL-2.0-only
/* Kernel modules for the built-in initramfs: the pure part (vmm/kmod.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kmod.h"

/*
 * virtio_mmio is the transport of every vmm device; fuse and virtiofs make
 * --share mount; overlay is what an agent stacks over a read-only share.
 */
const char *const kmod_wanted[] = {
	"virtio_mmio", "virtio_blk", "virtio_net", "virtio_console", "virtio_rng",
	"fuse", "virtiofs", "overlay",
};
const size_t kmod_nwanted = sizeof(kmod_wanted) / sizeof(kmod_wanted[0]);

#define BANNER "Linux version "
#define RELEASE_MAX 65

bool kmod_release_find(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	const size_t blen = sizeof(BANNER) - 1;
	const uint8_t *p = buf, *end = buf + len;

	while ((p = memmem(p, (size_t)(end - p), BANNER, blen)) != NULL) {
		const uint8_t *r = p + blen, *q = r;

		p++;
		if (q >= end || *q < '0' || *q > '9')
			continue;
		while (q < end && *q > ' ' && *q < 0x7f && *q != '/')
			q++;
		/* The word must end in a blank: a NUL or '/' means not the banner. */
		if (q >= end || *q != ' ' || (size_t)(q - r) >= RELEASE_MAX ||
		    (size_t)(q - r) >= outlen)
			continue;
		memcpy(out, r, (size_t)(q - r));
		out[q - r] = '\0';
		return true;
	}
	return false;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

bool kmod_name(const char *path, char *name, size_t len)
{
	static const char *const zip[] = { "", ".xz", ".zst", ".gz" };
	const char *base = strrchr(path, '/');
	size_t n, i;

	base = base ? base + 1 : path;
	n = strlen(base);
	for (i = 0; i < sizeof(zip) / sizeof(zip[0]); i++) {
		size_t z = strlen(zip[i]);

		if (n > z && ends_with(base, n - z, ".ko") && ends_with(base, n, zip[i])) {
			n -= z + 3;
			break;
		}
	}
	if (i == sizeof(zip) / sizeof(zip[0]) || n == 0 || n >= len)
		return false;
	for (i = 0; i < n; i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[n] = '\0';
	return true;
}

long kmod_db_find(const struct kmod_db *db, const char *name)
{
	size_t i;

	for (i = 0; i < db->nmods; i++)
		if (!strcmp(db->mods[i].name, name))
			return (long)i;
	return -1;
}

void kmod_db_free(struct kmod_db *db)
{
	size_t i;

	for (i = 0; i < db->nmods; i++)
		free(db->mods[i].deps);
	free(db->mods);
	free(db->text);
	memset(db, 0, sizeof(*db));
}

/* The copy with "\\\n" joined into blanks; lines end at '\n' and are NUL-terminated later. */
static char *join_continuations(const char *text, size_t len)
{
	char *s = malloc(len + 1);
	size_t i, o = 0;

	if (!s)
		return NULL;
	for (i = 0; i < len; i++) {
		if (text[i] == '\\' && i + 1 < len && text[i + 1] == '\n') {
			s[o++] = ' ';
			i++;
		} else {
			s[o++] = text[i] == '\0' ? ' ' : text[i];
		}
	}
	s[o] = '\0';
	return s;
}

/* Paths sorted for bsearch: a distribution's modules.dep has thousands of lines. */
static int cmp_path(const void *a, const void *b, void *arg)
{
	const struct kmod_db *db = arg;

	return strcmp(db->mods[*(const size_t *)a].path, db->mods[*(const size_t *)b].path);
}

static long find_path(const struct kmod_db *db, const size_t *sorted, const char *path)
{
	size_t lo = 0, hi = db->nmods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, db->mods[sorted[mid]].path);

		if (!c)
			return (long)sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

#define WS " \t\r\v\f"

/* A line of modules.dep between the two passes: its dependency words, its number. */
struct raw_line {
	char *words;
	size_t lineno;
};

/* First pass: one kmod_mod per line with its path and name; raw[] keeps the rest. */
static int parse_lines(struct kmod_db *db, struct raw_line **raw, char *why, size_t whylen)
{
	char *line = db->text, *next;
	size_t cap = 0, lineno = 0;

	for (; *line; line = next) {
		char *colon, *p;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		p = line + strspn(line, WS);
		if (*p == '\0' || *p == '#')
			continue;
		colon = strchr(p, ':');
		if (!colon) {
			snprintf(why, whylen, "line %zu: no ':' after the module path", lineno);
			return -1;
		}
		*colon = '\0';
		p[strcspn(p, WS)] = '\0';
		if (db->nmods == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct kmod_mod *m = realloc(db->mods, ncap * sizeof(*m));
			struct raw_line *r;

			if (m)
				db->mods = m;
			r = m ? realloc(*raw, ncap * sizeof(*r)) : NULL;
			if (!r) {
				snprintf(why, whylen, "out of memory");
				return -1;
			}
			*raw = r;
			cap = ncap;
		}
		memset(&db->mods[db->nmods], 0, sizeof(db->mods[0]));
		db->mods[db->nmods].path = p;
		if (!kmod_name(p, db->mods[db->nmods].name, sizeof(db->mods[0].name))) {
			snprintf(why, whylen, "line %zu: '%.80s' is not a module file name", lineno, p);
			return -1;
		}
		(*raw)[db->nmods].words = colon + 1;
		(*raw)[db->nmods].lineno = lineno;
		db->nmods++;
	}
	return 0;
}

/* Second pass: the dependency words of each line, as indices. */
static int parse_deps(struct kmod_db *db, const struct raw_line *raw, char *why, size_t whylen)
{
	size_t *sorted = malloc((db->nmods ? db->nmods : 1) * sizeof(*sorted));
	size_t i;
	int r = -1;

	if (!sorted) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (i = 0; i < db->nmods; i++)
		sorted[i] = i;
	qsort_r(sorted, db->nmods, sizeof(*sorted), cmp_path, db);
	for (i = 0; i < db->nmods; i++) {
		struct kmod_mod *m = &db->mods[i];
		char *w = raw[i].words, *save = NULL, *tok;
		size_t nwords = 0;
		const char *c;

		for (c = w; *c; c++)
			nwords += !strchr(WS, *c) && (c == w || strchr(WS, c[-1]));
		m->deps = calloc(nwords ? nwords : 1, sizeof(*m->deps));
		if (!m->deps) {
			snprintf(why, whylen, "out of memory");
			goto out;
		}
		for (tok = strtok_r(w, WS, &save); tok; tok = strtok_r(NULL, WS, &save)) {
			long d = find_path(db, sorted, tok);

			if (d < 0) {
				snprintf(why, whylen, "line %zu: %.80s needs %.80s, which has no "
					 "line of its own", raw[i].lineno, m->path, tok);
				goto out;
			}
			m->deps[m->ndeps++] = (size_t)d;
		}
	}
	r = 0;
out:
	free(sorted);
	return r;
}

int kmod_dep_parse(const char *text, size_t len, struct kmod_db *db, char *why, size_t whylen)
{
	struct raw_line *raw = NULL;
	int r;

	memset(db, 0, sizeof(*db));
	db->text = join_continuations(text, len);
	if (!db->text) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	r = parse_lines(db, &raw, why, whylen);
	if (!r)
		r = parse_deps(db, raw, why, whylen);
	free(raw);
	if (r)
		kmod_db_free(db);
	return r;
}

bool kmod_builtin_has(const char *text, size_t len, const char *name)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512], got[64];

		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			line[strcspn(line, WS)] = '\0';
			if (line[0] != '#' && kmod_name(line, got, sizeof(got)) && !strcmp(got, name))
				return true;
		}
		p += n + 1;
	}
	return false;
}

enum { UNSEEN, VISITING, DONE };

/* Depth first, dependencies before the module; an explicit stack, no recursion. */
int kmod_closure(const struct kmod_db *db, const size_t *roots, size_t nroots, size_t *order,
		 size_t *n)
{
	unsigned char *state = calloc(db->nmods ? db->nmods : 1, 1);
	size_t *stack = malloc((db->nmods ? db->nmods : 1) * sizeof(*stack));
	size_t *next = calloc(db->nmods ? db->nmods : 1, sizeof(*next));
	size_t r;

	*n = 0;
	if (!state || !stack || !next) {
		free(state);
		free(stack);
		free(next);
		return -1;
	}
	for (r = 0; r < nroots; r++) {
		size_t top = 0;

		if (state[roots[r]] != UNSEEN)
			continue;
		stack[top++] = roots[r];
		state[roots[r]] = VISITING;
		while (top) {
			size_t m = stack[top - 1];

			if (next[m] < db->mods[m].ndeps) {
				size_t d = db->mods[m].deps[next[m]++];

				/* VISITING: a cycle closes here; DONE: already in order. */
				if (state[d] == UNSEEN) {
					state[d] = VISITING;
					stack[top++] = d;
				}
			} else {
				state[m] = DONE;
				order[(*n)++] = m;
				top--;
			}
		}
	}
	free(state);
	free(stack);
	free(next);
	return 0;
}

static int buf_put(struct kmod_buf *b, const void *data, size_t len)
{
	if (b->cap - b->len < len) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *d;

		while (cap - b->len < len)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static int buf_pad4(struct kmod_buf *b)
{
	static const uint8_t zero[4];

	return buf_put(b, zero, (4 - b->len % 4) % 4);
}

int kmod_cpio_add(struct kmod_buf *b, const char *name, uint32_t mode, uint32_t ino,
		  const void *data, size_t size)
{
	char hdr[111];
	size_t namesize = strlen(name) + 1, old = b->len;
	unsigned int nlink = (mode & 0170000) == 0040000 ? 2 : 1;

	if (size > 0xffffffffu || namesize > 0xffffffffu)
		return -1;
	/* The fields: ino mode uid gid nlink mtime filesize devmajor devminor
	 * rdevmajor rdevminor namesize check. */
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, mode, 0u, 0u, nlink, 0u, (unsigned int)size, 0u, 0u, 0u, 0u,
		 (unsigned int)namesize, 0u);
	/* The header is 4-aligned when the archive so far is: pad from the header's start. */
	if (buf_put(b, hdr, 110) || buf_put(b, name, namesize) || buf_pad4(b) ||
	    buf_put(b, data, size) || buf_pad4(b)) {
		b->len = old;
		return -1;
	}
	return 0;
}

int kmod_cpio_end(struct kmod_buf *b)
{
	return kmod_cpio_add(b, "TRAILER!!!", 0, 0, NULL, 0);
}

int kmod_buf_line(struct kmod_buf *b, const char *text)
{
	size_t old = b->len;

	if (buf_put(b, text, strlen(text)) || buf_put(b, "\n", 1)) {
		b->len = old;
		return -1;
	}
	return 0;
}

void kmod_buf_free(struct kmod_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
