/*
 * prng: a reproducible stream of pseudo-random bytes, for disk tests.
 *
 *   prng SEED SIZE     write SIZE bytes (suffix K, M or G: KiB, MiB, GiB)
 *                      of the SEED stream to standard output
 *
 * The stream is splitmix64 of SEED, each 64-bit value stored little-endian,
 * so the same SEED gives the same bytes in the guest and in the emulated
 * host: either side can recompute what the other should have written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 16];
	uint64_t seed, size, left;

	if (argc != 3 || parse_size(argv[1], &seed) || parse_size(argv[2], &size)) {
		fprintf(stderr, "usage: prng SEED SIZE[K|M|G]\n");
		return 2;
	}
	for (left = size; left;) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		size_t i, off = 0;

		for (i = 0; i < n; i += 8) {
			uint64_t v = splitmix64(&seed);
			unsigned int b;

			for (b = 0; b < 8 && i + b < n; b++)
				buf[i + b] = (unsigned char)(v >> (8 * b));
		}
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
