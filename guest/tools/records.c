/*
 * records: numbered records on a raw disk, for the rig's "nothing
 * acknowledged is lost" cases (vmm killed with SIGKILL mid-write).
 *
 *   records write DEV SEED
 *       forever: record i (one 4 KiB block at offset i * 4096, its words
 *       derived from SEED and i) written with O_DIRECT, then fdatasync();
 *       once that returned, prints "GUEST rec i" - the record is
 *       acknowledged as durable
 *   records check FILE SEED COUNT
 *       whether records 0 .. COUNT-1 are all in FILE (the image, on the
 *       host); prints "records ok COUNT" or the first missing one, and
 *       exits 0 or 1
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC 4096

static void fill(uint64_t *w, uint64_t seed, uint64_t i)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ (i + 1) * 0xbf58476d1ce4e5b9ull;
	unsigned int k;

	for (k = 0; k < REC / 8; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[k] = x ^ i;
	}
}

static int do_write(const char *dev, uint64_t seed)
{
	int fd = open(dev, O_WRONLY | O_DIRECT);
	uint64_t *buf, i;

	if (fd < 0 || posix_memalign((void **)&buf, REC, REC)) {
		perror(dev);
		return 1;
	}
	for (i = 0;; i++) {
		fill(buf, seed, i);
		if (pwrite(fd, buf, REC, (off_t)(i * REC)) != REC || fdatasync(fd)) {
			perror("records: write");
			return 1;
		}
		printf("GUEST rec %llu\n", (unsigned long long)i);
		fflush(stdout);
	}
}

static int do_check(const char *path, uint64_t seed, uint64_t count)
{
	uint64_t want[REC / 8], got[REC / 8], i;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (i = 0; i < count; i++) {
		fill(want, seed, i);
		if (pread(fd, got, REC, (off_t)(i * REC)) != REC || memcmp(want, got, REC)) {
			printf("records missing %llu of %llu\n", (unsigned long long)i,
			       (unsigned long long)count);
			return 1;
		}
	}
	printf("records ok %llu\n", (unsigned long long)count);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "check"))
		return do_check(argv[2], strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: records write DEV SEED | check FILE SEED COUNT\n");
	return 2;
}
