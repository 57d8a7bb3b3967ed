/*
 * blkzero: zero a range of a block device with the BLKZEROOUT ioctl, which
 * the kernel turns into WRITE_ZEROES requests when the device offers them
 * (busybox has no tool that does).
 *
 *   blkzero DEV OFFSET LEN    bytes, multiples of 512 (suffix K or M)
 *
 * Prints "blkzero=ok" or "blkzero=<errno text>" and exits 0 or 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
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
	uint64_t range[2];
	int fd;

	if (argc != 4 || parse_size(argv[2], &range[0]) || parse_size(argv[3], &range[1])) {
		fprintf(stderr, "usage: blkzero DEV OFFSET LEN\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		printf("blkzero=open: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, BLKZEROOUT, range) < 0) {
		printf("blkzero=%s\n", strerror(errno));
		return 1;
	}
	close(fd);
	printf("blkzero=ok\n");
	return 0;
}
