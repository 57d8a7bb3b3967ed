/*
 * prng: a reproducible stream of pseudo-random bytes, for disk tests.
 *
 *   prng SEED SIZE                   write SIZE bytes of the SEED stream to
 *                                    standard output
 *   prng -c [-d] SEED SIZE FILE [OFFSET]
 *                                    compare SIZE bytes of FILE from OFFSET
 *                                    (default 0; FILE "-": standard input,
 *                                    from its start) with the SEED stream; SEED
 *                                    "zero" stands for zeroes. Prints
 *                                    "prng=ok" (exit 0) or "prng=differs at
 *                                    BYTE" / "prng=short at BYTE" / "prng=
 *                                    <error>" (exit 1). -d reads with
 *                                    O_DIRECT (SIZE and OFFSET multiples of
 *                                    4096)
 * SIZE and OFFSET take a K, M or G suffix (KiB, MiB, GiB).
 *
 * The stream is splitmix64 of SEED, each 64-bit value stored little-endian,
 * so the same SEED gives the same bytes in the guest and in the emulated
 * host: either side can check what the other wrote. Checking in here, with
 * 1 MiB reads, spares the emulated machines the pipes and small reads of
 * `dd | sha256sum`, which cost seconds per 64 MiB under TCG.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
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
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* The next n bytes (n a multiple of 8, or the stream's end) of the stream. */
static void fill(unsigned char *buf, size_t n, uint64_t *seed, int zero)
{
	size_t i;

	if (zero) {
		memset(buf, 0, n);
		return;
	}
	/* Whole words with one store each: byte stores cost 8x under TCG. */
	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v = htole64(splitmix64(seed));

		memcpy(buf + i, &v, 8);
	}
	if (i < n) {
		uint64_t v = htole64(splitmix64(seed));

		memcpy(buf + i, &v, n - i);
	}
}

static int generate(uint64_t seed, uint64_t size)
{
	static unsigned char buf[CHUNK];
	uint64_t left;

	for (left = size; left;) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		size_t off = 0;

		fill(buf, n, &seed, 0);
		while (off < n) {
			ssize_t w = write(1, buf + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				perror("prng: write");
				return 1;
			}
			off += (size_t)w;
		}
		left -= n;
	}
	return 0;
}

static int check(uint64_t seed, int zero, uint64_t size, const char *path, uint64_t offset,
		 int direct)
{
	static unsigned char want[CHUNK];
	unsigned char *got;
	uint64_t done = 0;
	int fd;

	if (direct && (size % 4096 || offset % 4096)) {
		printf("prng=-d needs SIZE and OFFSET in multiples of 4096\n");
		return 1;
	}
	if (posix_memalign((void **)&got, 4096, CHUNK)) {
		printf("prng=out of memory\n");
		return 1;
	}
	/* "-": standard input, read in order (a pipe from nc, say). */
	fd = strcmp(path, "-") ? open(path, O_RDONLY | (direct ? O_DIRECT : 0)) : 0;
	if (fd < 0) {
		printf("prng=%s: %s\n", path, strerror(errno));
		return 1;
	}
	while (done < size) {
		size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
		size_t have = 0;

		while (have < n) {
			ssize_t r = fd ? pread(fd, got + have, n - have, (off_t)(offset + done + have))
				       : read(fd, got + have, n - have);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				printf("prng=%s: read at %llu: %s\n", path,
				       (unsigned long long)(offset + done + have), strerror(errno));
				return 1;
			}
			if (r == 0) {
				printf("prng=short at %llu\n", (unsigned long long)(offset + done + have));
				return 1;
			}
			have += (size_t)r;
		}
		fill(want, n, &seed, zero);
		if (memcmp(want, got, n)) {
			size_t i = 0;

			while (want[i] == got[i])
				i++;
			printf("prng=differs at %llu\n", (unsigned long long)(offset + done + i));
			return 1;
		}
		done += n;
	}
	/* A stream must end there too: more bytes than SIZE is a difference. */
	if (fd == 0 && read(fd, got, 1) > 0) {
		printf("prng=longer than %llu\n", (unsigned long long)size);
		return 1;
	}
	close(fd);
	free(got);
	printf("prng=ok\n");
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: prng SEED SIZE\n"
			"       prng -c [-d] SEED|zero SIZE FILE [OFFSET]\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t seed = 0, size, offset = 0;
	int c, cmp = 0, direct = 0, zero = 0;

	while ((c = getopt(argc, argv, "cd")) != -1) {
		switch (c) {
		case 'c': cmp = 1; break;
		case 'd': direct = 1; break;
		default: return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || (!cmp && argc != 2) || (cmp && argc != 3 && argc != 4))
		return usage();
	if (cmp && strcmp(argv[0], "zero") == 0)
		zero = 1;
	else if (parse_size(argv[0], &seed))
		return usage();
	if (parse_size(argv[1], &size) || (argc == 4 && parse_size(argv[3], &offset)))
		return usage();
	if (!cmp)
		return generate(seed, size);
	return check(seed, zero, size, argv[2], offset, direct);
}
