/*
 * mmio: poke guest physical addresses through /dev/mem, to test how vmm
 * answers accesses no device claims.
 *
 *   mmio read ADDR     32-bit load; prints "mmio_read=0x%08x"
 *   mmio ldp ADDR      a load pair (no valid syndrome for KVM): vmm injects
 *                      an external abort, which reaches us as SIGBUS;
 *                      prints "mmio_ldp=sigbus" (or "=survived")
 *   mmio loop ADDR SECS 32-bit loads for SECS seconds, each a userspace
 *                      exit of vmm: prints "mmio_loop reads=N secs=S
 *                      per_s=R" (tests/rig/bench-sandbox.sh)
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static sigjmp_buf env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(env, 1);
}

int main(int argc, char **argv)
{
	uint64_t addr, page;
	volatile uint32_t *p;
	uint8_t *map;
	int fd;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[1], "loop")))
		return 2;
	addr = strtoull(argv[2], NULL, 0);
	page = addr & ~(uint64_t)(getpagesize() - 1);
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0) {
		perror("mmio: /dev/mem");
		return 1;
	}
	map = mmap(NULL, (size_t)getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)page);
	if (map == MAP_FAILED) {
		perror("mmio: mmap");
		return 1;
	}
	p = (volatile uint32_t *)(map + (addr - page));
	if (!strcmp(argv[1], "read")) {
		printf("mmio_read=0x%08x\n", *p);
		return 0;
	}
	if (!strcmp(argv[1], "loop")) {
		double secs = strtod(argv[3], NULL), t0, t;
		unsigned long long n = 0;
		struct timespec ts;
		unsigned int i;
		uint32_t sink = 0;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0 = t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		while (t - t0 < secs) {
			for (i = 0; i < 256; i++)
				sink += *p;
			n += 256;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		}
		printf("mmio_loop reads=%llu secs=%.2f per_s=%.0f sink=%u\n", n, t - t0,
		       (double)n / (t - t0), sink & 1);
		return 0;
	}
	if (!strcmp(argv[1], "ldp")) {
		uint64_t a, b;

		signal(SIGBUS, on_sigbus);
		if (sigsetjmp(env, 1)) {
			printf("mmio_ldp=sigbus\n");
			return 0;
		}
		__asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(p) : "memory");
		printf("mmio_ldp=survived 0x%llx 0x%llx\n", (unsigned long long)a,
		       (unsigned long long)b);
		return 0;
	}
	return 2;
}
