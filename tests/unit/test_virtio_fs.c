// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for virtio-fs: FUSE requests through the transport, the
 * virtqueues and the device's I/O thread, with the fake driver writing
 * descriptors into fake guest RAM; the config space; FORGET on the hiprio
 * queue; hostile chains; reset.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/fuse.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "status.h"
#include "unit.h"
#include "virtio_fs.h"
#include "virtio_mmio.h"

#define HIPRIO VIRTIO_FS_QUEUE_HIPRIO
#define REQQ VIRTIO_FS_QUEUE_REQUEST

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (8ull << 20)
#define HEAP_BASE (RAM_BASE + (1ull << 20))
#define QSIZE 256

struct ffx {
	struct guest_mem gm;
	struct irq_line irq;
	atomic_int pulses;
	struct virtio_fs *fs;
	struct virtio_mmio *t;
	unsigned int nq;
	uint16_t avail_idx[2], used_seen[2], next_desc[2];
	uint64_t heap;
	uint64_t features;
	char dir[64];
	uint64_t unique;
};

#define FAKE_DRIVER_FIXTURE struct ffx
#include "fake_driver.h"

/* A request (header + args + name) in guest RAM, and a reply buffer of room bytes. */
static void request(struct ffx *f, uint32_t op, uint64_t node, const void *arg, uint32_t alen,
		    const char *name, uint32_t room, struct seg *s)
{
	uint32_t nlen = name ? (uint32_t)strlen(name) + 1 : 0;
	struct fuse_in_header h = { .len = 40 + alen + nlen, .opcode = op, .unique = ++f->unique,
				    .nodeid = node };
	uint64_t gpa = alloc(f, h.len, 8);
	uint8_t *p = ram(f, gpa, h.len);

	memcpy(p, &h, 40);
	if (alen)
		memcpy(p + 40, arg, alen);
	if (name)
		memcpy(p + 40 + alen, name, nlen);
	s[0] = (struct seg){ gpa, h.len, false };
	s[1] = (struct seg){ alloc(f, room, 8), room, true };
}

static struct fuse_out_header reply_hdr(struct ffx *f, const struct seg *s)
{
	struct fuse_out_header oh;

	memcpy(&oh, ram(f, s[1].gpa, sizeof(oh)), sizeof(oh));
	return oh;
}

static void do_init(struct ffx *f)
{
	struct fuse_init_in in = { .major = 7, .minor = 31, .max_readahead = 65536 };
	struct seg s[2];
	uint16_t head;

	request(f, FUSE_INIT, 0, &in, sizeof(in), NULL, 256, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16 + sizeof(struct fuse_init_out));
	assert_int_equal(reply_hdr(f, s).error, 0);
}

static int setup(void **state)
{
	struct ffx *f = calloc(1, sizeof(*f));
	struct fs_opts o = { .ro = false };
	char p[128];
	FILE *fp;

	strcpy(f->dir, "/tmp/vmm-vfs-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(p, sizeof(p), "%s/hello", f->dir);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("hello from the host\n", fp);
	fclose(fp);
	snprintf(o.dir, sizeof(o.dir), "%s", f->dir);
	strcpy(o.tag, "hostdir");
	assert_int_equal(gm_init(&f->gm, RAM_BASE, RAM_SIZE), 0);
	f->irq.pulse = fake_pulse;
	f->irq.ctx = f;
	f->nq = VIRTIO_FS_NUM_QUEUES;
	assert_int_equal(virtio_fs_new(&o, 0, &f->fs), 0);
	assert_int_equal(virtio_mmio_new(&virtio_fs_dev_ops, f->fs, VIRTIO_FS_NUM_QUEUES, QSIZE,
					 &f->irq, &f->gm, NULL, "virtio-fs", &f->t),
			 0);
	drv_init(f, ~0ull);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct ffx *f = *state;
	char cmd[128];

	virtio_mmio_free(f->t);
	virtio_fs_free(f->fs);
	gm_destroy(&f->gm);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_identity(void **state)
{
	struct ffx *f = *state;
	char tag[37] = "";
	uint32_t nq;

	assert_int_equal(rd(f, DEVICE_ID), 26);
	for (unsigned int i = 0; i < 36; i += 4) {
		uint32_t v = rd(f, CONFIG + i);

		memcpy(tag + i, &v, 4);
	}
	assert_string_equal(tag, "hostdir");
	nq = rd(f, CONFIG + 36);
	assert_int_equal(nq, 1);
	assert_int_equal(device_features(f) & 0xffffffffull & ~(F_EVENT_IDX | F_INDIRECT), 0);
}

static void test_lookup_read(void **state)
{
	struct ffx *f = *state;
	struct fuse_entry_out e;
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	struct fuse_read_in ri = { .size = 4096 };
	struct seg s[3];
	uint16_t head;

	do_init(f);
	request(f, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "hello", 256, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16 + sizeof(e));
	memcpy(&e, ram(f, s[1].gpa + 16, sizeof(e)), sizeof(e));
	assert_int_equal(e.attr.size, 20);
	request(f, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 256, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16 + sizeof(oo));
	memcpy(&oo, ram(f, s[1].gpa + 16, sizeof(oo)), sizeof(oo));
	/* READ into two writable buffers: header and data straight into guest RAM. */
	ri.fh = oo.fh;
	request(f, FUSE_READ, e.nodeid, &ri, sizeof(ri), NULL, 16, s);
	s[2] = (struct seg){ alloc(f, 4096, 8), 4096, true };
	head = post_kick(f, REQQ, s, 3);
	expect_used(f, REQQ, head, 16 + 20);
	assert_memory_equal(ram(f, s[2].gpa, 20), "hello from the host\n", 20);
	/* A FORGET on the hiprio queue: consumed, no reply. */
	{
		struct fuse_forget_in fg = { .nlookup = 1 };
		struct seg fs[2];

		request(f, FUSE_FORGET, e.nodeid, &fg, sizeof(fg), NULL, 16, fs);
		head = post_kick(f, HIPRIO, fs, 1);
		expect_used(f, HIPRIO, head, 0);
	}
	/* Unknown opcodes: ENOSYS, and the device goes on. */
	request(f, 1234, FUSE_ROOT_ID, NULL, 0, NULL, 64, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16);
	assert_int_equal(reply_hdr(f, s).error, -ENOSYS);
	assert_false(rd(f, STATUS) & S_NR);
}

/* A request the guest lies about: error replies, never NEEDS_RESET. */
static void test_hostile_requests(void **state)
{
	struct ffx *f = *state;
	struct seg s[2];
	uint16_t head;
	struct fuse_in_header *h;

	do_init(f);
	request(f, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "hello", 64, s);
	h = ram(f, s[0].gpa, 40);
	h->len = 1u << 30;
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16);
	assert_int_equal(reply_hdr(f, s).error, -EINVAL);
	request(f, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "..", 64, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16);
	assert_int_equal(reply_hdr(f, s).error, -EINVAL);
	request(f, FUSE_GETATTR, 0x700000003ull, &(struct fuse_getattr_in){ 0 },
		sizeof(struct fuse_getattr_in), NULL, 256, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16);
	assert_int_equal(reply_hdr(f, s).error, -ESTALE);
	/* A truncated header: the chain comes back empty. */
	s[0].len = 20;
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 0);
	assert_false(rd(f, STATUS) & S_NR);
}

/* A chain with no request at all breaks the protocol: NEEDS_RESET. */
static void test_hostile_chain(void **state)
{
	struct ffx *f = *state;
	struct seg s = { alloc(f, 64, 8), 64, true };

	post_kick(f, REQQ, &s, 1);
	for (int i = 0; i < 2000 && !(rd(f, STATUS) & S_NR); i++)
		sleep_ms(1);
	assert_true(rd(f, STATUS) & S_NR);
	/* A reset and a new driver bring it back, from INIT. */
	drv_init(f, ~0ull);
	do_init(f);
}

/* Reset forgets the guest's nodes: a node id of the last session is stale. */
static void test_reset(void **state)
{
	struct ffx *f = *state;
	struct fuse_entry_out e;
	struct seg s[2];
	uint16_t head;
	struct virtio_fs_stats st;

	do_init(f);
	request(f, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "hello", 256, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16 + sizeof(e));
	memcpy(&e, ram(f, s[1].gpa + 16, sizeof(e)), sizeof(e));
	virtio_fs_get_stats(f->fs, &st);
	assert_int_equal(st.nodes, 2);
	drv_init(f, ~0ull);
	virtio_fs_get_stats(f->fs, &st);
	assert_int_equal(st.nodes, 1);
	/* Before INIT: EIO. */
	request(f, FUSE_GETATTR, e.nodeid, &(struct fuse_getattr_in){ 0 },
		sizeof(struct fuse_getattr_in), NULL, 256, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16);
	assert_int_equal(reply_hdr(f, s).error, -EIO);
	do_init(f);
	request(f, FUSE_GETATTR, e.nodeid, &(struct fuse_getattr_in){ 0 },
		sizeof(struct fuse_getattr_in), NULL, 256, s);
	head = post_kick(f, REQQ, s, 2);
	expect_used(f, REQQ, head, 16);
	assert_int_equal(reply_hdr(f, s).error, -ESTALE);
	assert_true(count_threads("fs0-io") == 1);
	wr(f, STATUS, 0);
	assert_int_equal(count_threads("fs0-io"), 0);
}

static void test_missing_dir(void **state)
{
	struct fs_opts o = { .ro = true };
	struct virtio_fs *fs = NULL;
	struct unit_capture cap;

	(void)state;
	strcpy(o.dir, "/nonexistent/x");
	strcpy(o.tag, "t");
	unit_capture_begin(&cap, 2);
	assert_int_equal(virtio_fs_new(&o, 0, &fs), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	assert_null(fs);
	assert_string_equal(cap.text, "vmm: share /nonexistent/x: No such file or directory\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test(test_missing_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
