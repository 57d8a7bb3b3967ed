// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for --disk PATH,snapshot (devices/disk_snapshot.c; the option
 * itself is test_disk.c's): the locks it takes, and reads and writes of every alignment checked
 * against a model while the image stays byte-identical.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "disk.h"
#include "disk_snapshot.h"
#include "log.h"
#include "status.h"
#include "unit.h"

/* 10.5 blocks: the last block of the layer is a partial one. */
#define IMG_SIZE (10 * 4096 + 2048)

struct sfx {
	char dir[64];
	char path[128];
	uint8_t image[IMG_SIZE]; /* what the image file holds, always */
	uint8_t model[IMG_SIZE]; /* what the guest must read */
	struct disk *d;
	struct disk_queue *q;
};

static void opts(struct disk_opts *o, const char *path, bool snapshot, bool ro)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->snapshot = snapshot;
	o->ro = ro;
	o->io = DISK_IO_URING; /* a caller's choice the snapshot overrides */
}

static int setup(void **state)
{
	struct sfx *f = calloc(1, sizeof(*f));
	struct disk_opts o;
	size_t i;

	unit_mkdtemp(f->dir, sizeof(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/base.img", f->dir);
	for (i = 0; i < IMG_SIZE; i++)
		f->image[i] = (uint8_t)(i * 13 + i / 4096);
	memcpy(f->model, f->image, IMG_SIZE);
	unit_write_file(f->path, f->image, IMG_SIZE);
	/* The layer goes to TMPDIR: this test's own directory. */
	setenv("TMPDIR", f->dir, 1);
	opts(&o, f->path, true, false);
	if (disk_open(&o, &f->d) || disk_queue_new(f->d, 8, DISK_IO_URING, &f->q))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct sfx *f = *state;

	disk_queue_free(f->q);
	disk_close(f->d);
	unit_rmtree(f->dir);
	free(f);
	return 0;
}

static int run(struct sfx *f, enum disk_op op, uint64_t off, struct iovec *iov, unsigned int n,
	       uint64_t len)
{
	struct disk_req r = { .op = op, .offset = off, .len = len, .iov = iov, .iovcnt = n };
	struct disk_req *done;

	disk_submit(f->q, &r);
	disk_commit(f->q);
	done = disk_reap(f->q, true);
	assert_ptr_equal(done, &r);
	return r.result;
}

/* The guest's whole disk, read in one request, equals the model. */
static void check_all(struct sfx *f)
{
	static uint8_t buf[IMG_SIZE];
	struct iovec v = { .iov_base = buf, .iov_len = IMG_SIZE };
	size_t i;

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(run(f, DISK_READ, 0, &v, 1, IMG_SIZE), 0);
	for (i = 0; i < IMG_SIZE; i++)
		if (buf[i] != f->model[i])
			fail_msg("byte %zu: read %#x, want %#x", i, buf[i], f->model[i]);
}

/* The image file itself never changed. */
static void check_image(struct sfx *f)
{
	static uint8_t now[IMG_SIZE + 1];
	FILE *in = fopen(f->path, "rb");

	assert_non_null(in);
	assert_int_equal(fread(now, 1, sizeof(now), in), IMG_SIZE);
	fclose(in);
	assert_memory_equal(now, f->image, IMG_SIZE);
}

static void write_at(struct sfx *f, uint64_t off, uint64_t len, uint8_t seed)
{
	uint8_t *buf = malloc(len);
	/* Three segments of odd sizes: the layer slices buffers, too. */
	struct iovec v[3];
	uint64_t a = len / 3, b = len / 2;
	uint64_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 31);
	v[0] = (struct iovec){ buf, (size_t)a };
	v[1] = (struct iovec){ buf + a, (size_t)(b - a) };
	v[2] = (struct iovec){ buf + b, (size_t)(len - b) };
	assert_int_equal(run(f, DISK_WRITE, off, v, 3, len), 0);
	memcpy(f->model + off, buf, len);
	free(buf);
}

static void test_backend_is_sync(void **state)
{
	struct sfx *f = *state;

	assert_int_equal(disk_queue_backend(f->q), DISK_IO_SYNC);
	assert_true(disk_get_info(f->d)->snapshot);
	assert_false(disk_get_info(f->d)->ro);
	assert_int_equal(disk_get_info(f->d)->size, IMG_SIZE);
}

/* Writes of every alignment: inside a block, across blocks, whole blocks, the partial tail. */
static void test_writes_read_back(void **state)
{
	struct sfx *f = *state;

	check_all(f);
	write_at(f, 512, 512, 1);                 /* inside block 0 */
	write_at(f, 4096 - 512, 1024, 2);         /* across blocks 0 and 1 */
	write_at(f, 3 * 4096, 2 * 4096, 3);       /* blocks 3 and 4 whole */
	write_at(f, 5 * 4096 + 1536, 3 * 4096, 4); /* part of 5, all of 6 and 7, part of 8 */
	write_at(f, 10 * 4096 + 512, 1024, 5);    /* inside the partial tail block */
	write_at(f, 10 * 4096 + 1024, 1024, 6);   /* to the very end */
	check_all(f);
	check_image(f);
	/* Blocks 0, 1, 3-8 and 10 were written. */
	assert_int_equal(disk_snapshot_written(f->d), 9 * 4096);
}

/* Reads that start and end mid-block over a mix of written and untouched blocks. */
static void test_partial_reads(void **state)
{
	struct sfx *f = *state;
	uint8_t buf[3 * 4096];
	struct iovec v[2] = { { buf, 1000 }, { buf + 1000, sizeof(buf) - 1000 } };

	write_at(f, 4096 + 100, 200, 9);
	assert_int_equal(run(f, DISK_READ, 512, v, 2, sizeof(buf)), 0);
	assert_memory_equal(buf, f->model + 512, sizeof(buf));
	check_image(f);
}

static void test_zeroes_flush_discard(void **state)
{
	struct sfx *f = *state;

	assert_int_equal(run(f, DISK_WRITE_ZEROES, 2048, NULL, 0, 4096 * 2), 0);
	memset(f->model + 2048, 0, 4096 * 2);
	assert_int_equal(run(f, DISK_FLUSH, 0, NULL, 0, 0), 0);
	assert_int_equal(run(f, DISK_DISCARD, 0, NULL, 0, 4096), 0);
	check_all(f);
	check_image(f);
}

/* Random writes and reads against the model. */
static void test_random(void **state)
{
	struct sfx *f = *state;
	unsigned int i, seed = 42;

	for (i = 0; i < 300; i++) {
		uint64_t off = (uint64_t)(rand_r(&seed) % (IMG_SIZE / 512)) * 512;
		uint64_t max = IMG_SIZE - off, len = (uint64_t)(rand_r(&seed) % 24 + 1) * 512;

		write_at(f, off, len < max ? len : max, (uint8_t)i);
	}
	check_all(f);
	check_image(f);
}

/*
 * Two queues on two threads write alternate sectors of the same blocks at
 * once: each block's first write copies it up while the other thread may
 * be writing the sector beside, which only the layer's lock keeps apart.
 */
#define RACE_SIZE (1u << 20)

struct writer {
	struct disk *d;
	struct disk_queue *q;
	unsigned int parity;
	pthread_barrier_t *start; /* both threads begin each block together */
};

static int run_on(struct disk_queue *q, enum disk_op op, uint64_t off, void *buf, uint64_t len)
{
	struct iovec v = { buf, (size_t)len };
	struct disk_req r = { .op = op, .offset = off, .len = len, .iov = &v, .iovcnt = 1 };

	disk_submit(q, &r);
	if (disk_reap(q, true) != &r)
		return -EIO;
	return r.result;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint8_t sector[512];
	unsigned int s;

	for (s = w->parity; s < RACE_SIZE / 512; s += 2) {
		if (s % 8 < 2)
			pthread_barrier_wait(w->start);
		memset(sector, (int)(s & 0xff), sizeof(sector));
		if (run_on(w->q, DISK_WRITE, s * 512ull, sector, sizeof(sector)))
			return (void *)1;
	}
	return NULL;
}

static void test_concurrent_copy_up(void **state)
{
	struct sfx *f = *state;
	pthread_barrier_t start;
	struct writer w[2] = { { NULL, NULL, 0, &start }, { NULL, NULL, 1, &start } };
	char path[160];
	uint8_t *buf = calloc(1, RACE_SIZE);
	struct disk_queue *q;
	struct disk_opts o;
	struct disk *d;
	pthread_t t[2];
	void *res;
	unsigned int i, s;

	snprintf(path, sizeof(path), "%s/race.img", f->dir);
	memset(buf, 0x5a, RACE_SIZE);
	unit_write_file(path, buf, RACE_SIZE);
	opts(&o, path, true, false);
	assert_int_equal(disk_open(&o, &d), 0);
	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++) {
		w[i].d = d;
		assert_int_equal(disk_queue_new(d, 4, DISK_IO_SYNC, &w[i].q), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	q = w[0].q;
	assert_int_equal(run_on(q, DISK_READ, 0, buf, RACE_SIZE), 0);
	for (s = 0; s < RACE_SIZE / 512; s++)
		if (buf[s * 512] != (uint8_t)s || buf[s * 512 + 511] != (uint8_t)s)
			fail_msg("sector %u lost its write: %#x", s, buf[s * 512]);
	for (i = 0; i < 2; i++)
		disk_queue_free(w[i].q);
	pthread_barrier_destroy(&start);
	disk_close(d);
	free(buf);
}

/*
 * Locks: snapshot users share the image with each other and with ro
 * users; a writer is refused while one holds it, and a snapshot while a
 * writer does.
 */
static void test_locks(void **state)
{
	struct sfx *f = *state;
	struct unit_capture cap;
	struct disk *d2 = NULL, *d3 = NULL, *w = NULL;
	struct disk_opts o;
	char line[256];

	opts(&o, f->path, true, false);
	assert_int_equal(disk_open(&o, &d2), 0);
	opts(&o, f->path, false, true);
	assert_int_equal(disk_open(&o, &d3), 0);
	opts(&o, f->path, false, false);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_open(&o, &w), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	snprintf(line, sizeof(line), "disk %s: in use by another vmm, or given twice (locked)", f->path);
	unit_assert_one_line(cap.text, line);
	disk_close(d2);
	disk_close(d3);
	disk_queue_free(f->q);
	disk_close(f->d);
	f->q = NULL;
	f->d = NULL;
	assert_int_equal(disk_open(&o, &w), 0);
	opts(&o, f->path, true, false);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_open(&o, &d2), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, line);
	disk_close(w);
}

/* No place for the layer: one line naming the disk and the directory. */
static void test_layer_dir_missing(void **state)
{
	struct sfx *f = *state;
	struct unit_capture cap;
	struct disk *d = NULL;
	struct disk_opts o;
	char line[256];

	setenv("TMPDIR", "/nonexistent-vmm-dir", 1);
	opts(&o, f->path, true, false);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_open(&o, &d), VMM_ERR_HOST);
	unit_capture_end(&cap);
	assert_null(d);
	snprintf(line, sizeof(line), "disk %s: snapshot layer in /nonexistent-vmm-dir: "
		 "No such file or directory", f->path);
	unit_assert_one_line(cap.text, line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backend_is_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zeroes_flush_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_copy_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layer_dir_missing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
