/*
 * diskbench: O_DIRECT throughput and IOPS of a block device or file, the
 * same program in the guest (on /dev/vdX) and in the emulated host (on the
 * image file), so the two can be compared.
 *
 *   diskbench [-s SIZE] [-b BS] [-t SECS] [-j JOBS] MODE PATH
 *     MODE   seqwrite   write SIZE bytes from offset 0 in BS blocks, then
 *                       fdatasync (counted)
 *            seqread    read SIZE bytes from offset 0 in BS blocks
 *            randread   read BS blocks at random BS-aligned offsets below
 *                       SIZE for SECS seconds, JOBS threads (queue depth
 *                       JOBS: the guest kernel has no AIO or io_uring)
 *     SIZE   default 64M; BS default 1M (seq) / 4K (randread);
 *            SECS default 5; JOBS default 1
 *
 * Prints one line "MODE bytes=N secs=S mbps=M iops=I" (MB = 10^6 bytes).
 * PATH must already be at least SIZE bytes long; it is never truncated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t size = 64ULL << 20, bs;
static double secs = 5;
static int fd;

struct job {
	pthread_t tid;
	uint64_t seed, ops;
	int err;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end || v == 0)
		return -1;
	*out = v;
	return 0;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *randread(void *arg)
{
	struct job *j = arg;
	uint64_t blocks = size / bs;
	double end = now() + secs;
	void *buf;

	if (posix_memalign(&buf, 4096, bs)) {
		j->err = ENOMEM;
		return NULL;
	}
	while (now() < end) {
		int i;

		/* 16 reads per clock check keeps the clock out of the figures. */
		for (i = 0; i < 16; i++) {
			off_t off = (off_t)((xorshift(&j->seed) % blocks) * bs);

			if (pread(fd, buf, bs, off) != (ssize_t)bs) {
				j->err = errno ? errno : EIO;
				free(buf);
				return NULL;
			}
			j->ops++;
		}
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode, *path;
	unsigned int jobs = 1, i;
	uint64_t done = 0, ops = 0;
	double t0, t;
	int c, wr;

	while ((c = getopt(argc, argv, "s:b:t:j:")) != -1) {
		uint64_t v = 0;

		if (optarg && parse_size(optarg, &v)) {
			fprintf(stderr, "diskbench: -%c %s: not a size\n", c, optarg);
			return 2;
		}
		switch (c) {
		case 's': size = v; break;
		case 'b': bs = v; break;
		case 't': secs = (double)v; break;
		case 'j': jobs = v > 64 ? 64 : (unsigned int)v; break;
		default: return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: diskbench [-s SIZE] [-b BS] [-t SECS] [-j JOBS] "
				"seqwrite|seqread|randread PATH\n");
		return 2;
	}
	mode = argv[optind];
	path = argv[optind + 1];
	if (strcmp(mode, "seqwrite") && strcmp(mode, "seqread") && strcmp(mode, "randread")) {
		fprintf(stderr, "diskbench: %s: unknown mode\n", mode);
		return 2;
	}
	if (!bs)
		bs = strcmp(mode, "randread") ? 1 << 20 : 4096;
	if (bs % 512 || size < bs) {
		fprintf(stderr, "diskbench: block size %llu: not a multiple of 512 or above size\n",
			(unsigned long long)bs);
		return 2;
	}
	wr = strcmp(mode, "seqwrite") == 0;
	fd = open(path, (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "diskbench: %s: %s\n", path, strerror(errno));
		return 1;
	}

	if (strcmp(mode, "randread") == 0) {
		struct job js[64];

		t0 = now();
		for (i = 0; i < jobs; i++) {
			js[i] = (struct job){ .seed = 0x9e3779b97f4a7c15ULL * (i + 1) };
			if (pthread_create(&js[i].tid, NULL, randread, &js[i])) {
				fprintf(stderr, "diskbench: pthread_create failed\n");
				return 1;
			}
		}
		for (i = 0; i < jobs; i++) {
			pthread_join(js[i].tid, NULL);
			if (js[i].err) {
				fprintf(stderr, "diskbench: %s: read: %s\n", path, strerror(js[i].err));
				return 1;
			}
			ops += js[i].ops;
		}
		t = now() - t0;
		done = ops * bs;
	} else {
		unsigned char *buf;
		uint64_t s = 42;

		if (posix_memalign((void **)&buf, 4096, bs))
			return 1;
		/* Not zeroes: no layer gets to skip or compress them. */
		for (i = 0; i < bs; i += 8) {
			uint64_t v = xorshift(&s);

			memcpy(buf + i, &v, 8);
		}
		t0 = now();
		for (done = 0; done < size; done += bs, ops++) {
			ssize_t n = wr ? pwrite(fd, buf, bs, (off_t)done) : pread(fd, buf, bs, (off_t)done);

			if (n != (ssize_t)bs) {
				fprintf(stderr, "diskbench: %s: %s at %llu: %s\n", path,
					wr ? "write" : "read", (unsigned long long)done,
					n < 0 ? strerror(errno) : "short transfer");
				return 1;
			}
		}
		if (wr && fdatasync(fd)) {
			fprintf(stderr, "diskbench: %s: fdatasync: %s\n", path, strerror(errno));
			return 1;
		}
		t = now() - t0;
		free(buf);
	}
	close(fd);
	printf("%s bytes=%llu secs=%.3f mbps=%.1f iops=%.0f\n", mode, (unsigned long long)done, t,
	       (double)done / t / 1e6, (double)ops / t);
	return 0;
}
