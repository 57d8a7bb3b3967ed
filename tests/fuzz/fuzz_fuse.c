// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FUSE request decoder and every request it answers
 * (devices/fuse_server.c, fuse_ops.c, fuse_nodes.c), over two temporary
 * shares made once: a read-only one with a fixed tree, and a writable one
 * emptied and filled again before every run, with servers reset to their first state, so runs do not depend on
 * each other. The input is a series of requests, each a 16-bit length, a
 * byte picking the share and the reply's room, and the request's bytes
 * (header included) as the guest would post them, sent after an INIT of
 * the fuzzer's choosing or a valid one. The node tables keep at most
 * FUSE_FD_CAP_MIN descriptors, so a run that looks up the files of the
 * read-only share's d/ also drops and reopens nodes (devices/fuse_int.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/fuse_int.h"
#include "fuse_server.h"
#include "fuzz.h"

static char top[64];
static struct fuse_server *srv[2];
static uint8_t out[FUSE_MAX_WRITE + 4096];

static void put(const char *dir, const char *name, const char *text)
{
	char p[200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Remove everything beneath the directory dfd (which is closed). */
static void empty(int dfd)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int sub;

	if (!d) {
		close(dfd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			continue;
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (sub >= 0) {
			empty(sub);
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

static void tree(const char *dir)
{
	char p[200];

	mkdir(dir, 0755);
	put(dir, "a", "hello, fuzzer\n");
	snprintf(p, sizeof(p), "%s/d", dir);
	mkdir(p, 0755);
	put(p, "b", "b\n");
	snprintf(p, sizeof(p), "%s/up", dir);
	symlink("..", p);
	snprintf(p, sizeof(p), "%s/etc", dir);
	symlink("/etc", p);
}

/* At exit: the scratch shares go (the servers' descriptors die with the process). */
static void cleanup(void)
{
	empty(open(top, O_RDONLY | O_DIRECTORY));
	rmdir(top);
}

static void setup(void)
{
	char ro[96], rw[96], many[112], name[8];
	int i;

	strcpy(top, "/tmp/vmm-fuzz-fuse-XXXXXX");
	if (!mkdtemp(top))
		abort();
	snprintf(ro, sizeof(ro), "%s/ro", top);
	snprintf(rw, sizeof(rw), "%s/rw", top);
	tree(ro);
	/* More files than a share keeps node descriptors for (below): made once, in the read-only share. */
	snprintf(many, sizeof(many), "%s/d", ro);
	for (i = 0; i < FUSE_FD_CAP_MIN + 4; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		put(many, name, name);
	}
	mkdir(rw, 0755);
	if (fuse_server_new(ro, true, &srv[0]) || fuse_server_new(rw, false, &srv[1]))
		abort();
	atexit(cleanup);
}

static void fresh_rw(void)
{
	char rw[96];

	snprintf(rw, sizeof(rw), "%s/rw", top);
	empty(open(rw, O_RDONLY | O_DIRECTORY));
	tree(rw);
}

/*
 * Reset servers, back to their first state: a reset bumps the freed
 * slots' generations and frees them in table order, so without this the
 * node ids and handles of a run would depend on the runs before it and an
 * input could never name a node it made. (New servers every run cost a
 * dozen MiB of tables each: 20 times fewer runs a second.)
 */
static void reset_servers(void)
{
	struct fuse_server *s;
	uint32_t i, k;

	for (k = 0; k < 2; k++) {
		s = srv[k];
		fuse_server_reset(s);
		s->node_free = FUSE_NO_NODE;
		for (i = FUSE_MAX_NODES - 1; i >= 1; i--) {
			s->nodes[i].gen = 1;
			s->nodes[i].next = s->node_free;
			s->node_free = i;
		}
		s->handle_free = FUSE_NO_NODE;
		for (i = FUSE_MAX_HANDLES; i-- > 0;) {
			s->handles[i].gen = 1;
			s->handles[i].next = s->handle_free;
			s->handle_free = i;
		}
		/* The fewest node descriptors, so nodes get dropped and reopened. */
		s->fd_cap = FUSE_FD_CAP_MIN;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct fuse_init_in init = { .major = 7, .minor = 31, .max_readahead = 1 << 17,
				     .flags = FUSE_DO_READDIRPLUS | FUSE_MAX_PAGES };
	struct fuse_in_header h = { .len = 40 + sizeof(init), .opcode = FUSE_INIT };
	uint8_t req[40 + sizeof(init)], buf[9000];
	struct iovec in[2], o[2];
	unsigned int i, n = 0;

	if (!top[0])
		setup();
	fresh_rw();
	reset_servers();
	memcpy(req, &h, 40);
	memcpy(req + 40, &init, sizeof(init));
	for (i = 0; i < 2; i++) {
		in[0] = (struct iovec){ req, sizeof(req) };
		o[0] = (struct iovec){ out, sizeof(out) };
		fuse_server_handle(srv[i], in, 1, o, 1);
	}
	while (fz_left(&f) && n++ < 64) {
		uint16_t len = fz_u16(&f);
		uint8_t pick = fz_u8(&f);
		size_t room, split;

		if (len > sizeof(buf))
			len = sizeof(buf);
		fz_bytes(&f, buf, len);
		/* The reply's room: none, tiny, a page, or plenty; split into two buffers. */
		room = (pick >> 1 & 3) == 0 ? 8 : (pick >> 1 & 3) == 1 ? 40 :
		       (pick >> 1 & 3) == 2 ? 4096 : sizeof(out);
		split = (pick >> 3) % 32;
		if (split > room)
			split = room;
		o[0] = (struct iovec){ out, split };
		o[1] = (struct iovec){ out + split, room - split };
		/* A request split in two buffers too, as WRITE's data is. */
		split = len < 40 ? len : 40 + (pick >> 5);
		if (split > len)
			split = len;
		in[0] = (struct iovec){ buf, split };
		in[1] = (struct iovec){ buf + split, len - split };
		if (fuse_server_handle(srv[pick & 1], in, 2, o, 2) > room)
			abort();
	}
	return 0;
}
