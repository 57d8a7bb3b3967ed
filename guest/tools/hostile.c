/*
 * hostile: a guest that drives a virtio-mmio device itself, the way a
 * hostile guest kernel could, to test that vmm stays live (tests/rig's
 * hostile cases). Runs as root in the guest; the device must have no
 * driver (the rig unbinds it), and the guest kernel must leave RAM above
 * its mem= limit alone (the rig boots it with mem=), which is where the
 * rings go, reached through /dev/mem.
 *
 *   hostile mkimage FILE
 *       write the 32 MiB disk image the re-arming chain reads (host side)
 *   hostile rearm BASE SECS
 *       set up virtio-blk at BASE with one chain whose READ lands on its
 *       own avail ring and request header: each sector read posts the next
 *       request, so one kick keeps the device busy with no guest help.
 *       Prints "GUEST hostile armed", waits SECS, then resets the device
 *       (Status = 0) and prints how long that write took:
 *       "GUEST hostile reset_ms=N"; then sets it up again, writes QueueReady and
 *       the ring addresses after DRIVER_OK (vmm must ignore them), re-arms
 *       and prints "GUEST hostile rearmed", and waits (forever, or until killed).
 *   hostile flood BASE NQUEUES SECS
 *       write QueueNotify for every queue as fast as possible for SECS
 *       (a device with a driver: the kicks find nothing to do)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* virtio-mmio registers (virtio 1.2, 4.2.2) */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_DESC_LO 0x080
#define R_DESC_HI 0x084
#define R_AVAIL_LO 0x090
#define R_AVAIL_HI 0x094
#define R_USED_LO 0x0a0
#define R_USED_HI 0x0a4

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

#define QSIZE 8
#define SECTORS 65536 /* avail->idx is 16 bits: sector s posts idx s + 2 */
/* Offsets in the ring page: the READ's 512 bytes cover avail and header. */
#define OFF_AVAIL 0
#define OFF_HDR 256
#define OFF_STATUS 1024
#define OFF_USED 2048
#define OFF_DESC 3072
#define RING_BYTES 4096

static volatile uint32_t *regs;
static volatile uint8_t *ring;
static uint64_t ring_pa;

static void die(const char *what)
{
	fprintf(stderr, "hostile: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void wr(unsigned int off, uint32_t v)
{
	regs[off / 4] = v;
}

static uint32_t rd(unsigned int off)
{
	return regs[off / 4];
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One sector of the image: what sector s puts on the ring page's first 512 bytes. */
static void sector_image(uint32_t s, uint8_t out[512])
{
	uint16_t idx = (uint16_t)(s + 2), flags = 1; /* VRING_AVAIL_F_NO_INTERRUPT */
	uint64_t next = (s + 1) % SECTORS;
	uint32_t type = 0;                              /* VIRTIO_BLK_T_IN */

	memset(out, 0, 512);
	memcpy(out + OFF_AVAIL, &flags, 2);
	memcpy(out + OFF_AVAIL + 2, &idx, 2);
	/* ring[0..QSIZE) stay 0: every entry names descriptor 0 */
	memcpy(out + OFF_HDR, &type, 4);
	memcpy(out + OFF_HDR + 8, &next, 8);
}

static int mkimage(const char *path)
{
	uint8_t sec[512];
	FILE *f = fopen(path, "w");
	uint32_t s;

	if (!f)
		die(path);
	for (s = 0; s < SECTORS; s++) {
		sector_image(s, sec);
		if (fwrite(sec, 1, sizeof(sec), f) != sizeof(sec))
			die(path);
	}
	if (fclose(f))
		die(path);
	return 0;
}

/* The first byte after the first "System RAM" range: RAM the kernel left alone (mem=). */
static uint64_t free_ram(void)
{
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long a, b;

	if (!f)
		die("/proc/iomem");
	while (fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, "System RAM") &&
		    sscanf(line, "%llx-%llx", &a, &b) == 2) {
			fclose(f);
			return (b + 1 + 0xffff) & ~0xffffULL;
		}
	fclose(f);
	errno = ENOENT;
	die("no System RAM in /proc/iomem");
	return 0;
}

/* len bytes of guest physical memory at pa, through /dev/mem. */
static void *map_phys(uint64_t pa, size_t len, const char *what)
{
	static int fd = -1;
	void *p;

	if (fd < 0 && (fd = open("/dev/mem", O_RDWR | O_SYNC)) < 0)
		die("/dev/mem");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)pa);
	if (p == MAP_FAILED)
		die(what);
	return p;
}

static void map_all(uint64_t base)
{
	regs = map_phys(base, 4096, "mmap registers");
	ring_pa = free_ram();
	ring = map_phys(ring_pa, RING_BYTES, "mmap ring page");
	if (rd(R_MAGIC) != 0x74726976 || rd(R_VERSION) != 2 || rd(R_DEVICE_ID) != 2) {
		errno = ENODEV;
		die("not a virtio-mmio v2 block device");
	}
}

static void put_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	memcpy((uint8_t *)ring + OFF_DESC + 16 * i, d, 16);
}

/* Reset, negotiate VERSION_1 only, one queue on the ring page, DRIVER_OK. */
static void setup(void)
{
	wr(R_STATUS, 0);
	wr(R_STATUS, S_ACK);
	wr(R_STATUS, S_ACK | S_DRIVER);
	wr(R_DRV_FEATURES_SEL, 1);
	wr(R_DRV_FEATURES, 1); /* VIRTIO_F_VERSION_1 (bit 32) */
	wr(R_DRV_FEATURES_SEL, 0);
	wr(R_DRV_FEATURES, 0);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rd(R_STATUS) & S_FEATURES_OK)) {
		errno = EPROTO;
		die("FEATURES_OK refused");
	}
	memset((void *)ring, 0, RING_BYTES);
	/* header (read-only) -> 512 bytes onto avail+header (written) -> status */
	put_desc(0, ring_pa + OFF_HDR, 16, 1, 1);
	put_desc(1, ring_pa + OFF_AVAIL, 512, 1 | 2, 2);
	put_desc(2, ring_pa + OFF_STATUS, 1, 2, 0);
	wr(R_QUEUE_SEL, 0);
	if (rd(R_QUEUE_NUM_MAX) < QSIZE) {
		errno = ENOSPC;
		die("queue too small");
	}
	wr(R_QUEUE_NUM, QSIZE);
	wr(R_DESC_LO, (uint32_t)(ring_pa + OFF_DESC));
	wr(R_DESC_HI, (uint32_t)((ring_pa + OFF_DESC) >> 32));
	wr(R_AVAIL_LO, (uint32_t)(ring_pa + OFF_AVAIL));
	wr(R_AVAIL_HI, (uint32_t)((ring_pa + OFF_AVAIL) >> 32));
	wr(R_USED_LO, (uint32_t)(ring_pa + OFF_USED));
	wr(R_USED_HI, (uint32_t)((ring_pa + OFF_USED) >> 32));
	wr(R_QUEUE_READY, 1);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* The first request: sector 0, whose data posts the next one. */
static void arm(void)
{
	uint8_t sec[512];

	sector_image((uint32_t)-1, sec); /* idx 1, header.sector 0 */
	memcpy((uint8_t *)ring + OFF_AVAIL, sec, 512);
	__sync_synchronize();
	wr(R_QUEUE_NOTIFY, 0);
}

static int rearm(uint64_t base, unsigned int secs)
{
	double t0;

	map_all(base);
	setup();
	arm();
	printf("GUEST hostile armed\n");
	fflush(stdout);
	sleep(secs);
	t0 = now();
	wr(R_STATUS, 0); /* vmm must stop the looping thread before this returns */
	printf("GUEST hostile reset_ms=%.0f\n", (now() - t0) * 1000);
	fflush(stdout);
	setup();
	/* Queue registers after DRIVER_OK: vmm ignores them (once logged). */
	wr(R_QUEUE_READY, 1);
	wr(R_DESC_LO, 0);
	wr(R_QUEUE_NUM, 2);
	wr(R_QUEUE_READY, 0);
	arm();
	printf("GUEST hostile rearmed\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static int flood(uint64_t base, unsigned int nq, unsigned int secs)
{
	double end = now() + secs;
	unsigned long n = 0;
	unsigned int q;

	regs = map_phys(base, 4096, "mmap registers");
	printf("GUEST hostile flooding\n");
	fflush(stdout);
	while (now() < end)
		for (q = 0; q < nq; q++, n++)
			wr(R_QUEUE_NOTIFY, q);
	printf("GUEST hostile kicks=%lu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "mkimage"))
		return mkimage(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "rearm"))
		return rearm(strtoull(argv[2], NULL, 0), (unsigned int)atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "flood"))
		return flood(strtoull(argv[2], NULL, 0), (unsigned int)atoi(argv[3]),
			     (unsigned int)atoi(argv[4]));
	fprintf(stderr, "usage: hostile mkimage FILE | rearm BASE SECS | flood BASE NQ SECS\n");
	return 2;
}
