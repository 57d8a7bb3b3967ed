/*
 * cpufeat: what the guest's CPU features do, as "GUEST key=value" lines
 * (guest/init's vmmtest=cpufeat mode; the rig's cases_cpu.sh reads them).
 *
 *   cpufeat [SPIN_SECS]
 *
 *   sve_vl=BITS sve_max_vl=BITS sve_rdvl=BITS   (or sve=none)
 *       prctl's current and largest vector length, and RDVL executed
 *   paca=0|1 pacg=0|1                          HWCAP_PACA / HWCAP_PACG
 *   pmu_cycles=A,B pmu_instr=A,B|unsupported   (or pmu=ERROR)
 *       perf_event_open counts of a loop of N and of 4N iterations (an
 *       emulated CPU may have no instruction counter: QEMU without icount)
 *   mte_fault=SEGV_MTESERR                     (or mte=none, mte_fault=none,
 *       a tagged store and a load through a mismatching tag   mte_fault=code-N)
 *   steal_ticks=N spin_secs=S
 *       /proc/stat's steal for the CPU-bound SPIN_SECS (default 3) seconds
 *
 * Static, no dependencies beyond libc; the instructions are written as
 * words so that no assembler extension is needed.
 */
#include <linux/perf_event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef HWCAP_SVE
#define HWCAP_SVE (1UL << 22)
#endif
#ifndef HWCAP_PACA
#define HWCAP_PACA (1UL << 30)
#define HWCAP_PACG (1UL << 31)
#endif
#ifndef HWCAP2_MTE
#define HWCAP2_MTE (1UL << 18)
#endif
#ifndef PR_SVE_GET_VL
#define PR_SVE_SET_VL 50
#define PR_SVE_GET_VL 51
#define PR_SVE_VL_LEN_MASK 0xffff
#endif
#ifndef PR_SET_TAGGED_ADDR_CTRL
#define PR_SET_TAGGED_ADDR_CTRL 55
#define PR_TAGGED_ADDR_ENABLE (1UL << 0)
#endif
#ifndef PR_MTE_TCF_SYNC
#define PR_MTE_TCF_SYNC (1UL << 1)
#define PR_MTE_TAG_SHIFT 3
#endif
#ifndef PROT_MTE
#define PROT_MTE 0x20
#endif
#ifndef SEGV_MTESERR
#define SEGV_MTESERR 9
#endif

static void sve(void)
{
	long cur, max;
	uint64_t rdvl;

	if (!(getauxval(AT_HWCAP) & HWCAP_SVE)) {
		printf("GUEST sve=none\n");
		return;
	}
	cur = prctl(PR_SVE_GET_VL, 0, 0, 0, 0);
	/* Asking for the architecture's largest gives the largest this CPU has. */
	max = prctl(PR_SVE_SET_VL, 256, 0, 0, 0);
	/* rdvl x0, #1: the vector length in bytes, executed as SVE code. */
	__asm__ volatile(".inst 0x04bf5020\n\tmov %0, x0" : "=r"(rdvl) : : "x0");
	printf("GUEST sve_vl=%ld sve_max_vl=%ld sve_rdvl=%llu\n", (cur & PR_SVE_VL_LEN_MASK) * 8,
	       (max & PR_SVE_VL_LEN_MASK) * 8, (unsigned long long)rdvl * 8);
}

static void ptrauth(void)
{
	unsigned long hw = getauxval(AT_HWCAP);

	printf("GUEST paca=%d pacg=%d\n", !!(hw & HWCAP_PACA), !!(hw & HWCAP_PACG));
}

static int perf_open(uint64_t config)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = config;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static volatile uint64_t sink;

static void work(uint64_t n)
{
	uint64_t i, x = 1;

	for (i = 0; i < n; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
}

/* Counts of one run of work(n) on the cycles and (ins >= 0) instructions counters. */
static int count(int cyc, int ins, uint64_t n, uint64_t *c, uint64_t *i)
{
	*i = 0;
	ioctl(cyc, PERF_EVENT_IOC_RESET, 0);
	if (ins >= 0)
		ioctl(ins, PERF_EVENT_IOC_RESET, 0);
	ioctl(cyc, PERF_EVENT_IOC_ENABLE, 0);
	if (ins >= 0)
		ioctl(ins, PERF_EVENT_IOC_ENABLE, 0);
	work(n);
	ioctl(cyc, PERF_EVENT_IOC_DISABLE, 0);
	if (ins >= 0)
		ioctl(ins, PERF_EVENT_IOC_DISABLE, 0);
	if (read(cyc, c, sizeof(*c)) != sizeof(*c))
		return -1;
	if (ins >= 0 && read(ins, i, sizeof(*i)) != sizeof(*i))
		return -1;
	return 0;
}

static void pmu(void)
{
	const uint64_t n = 2000000;
	uint64_t c1, i1, c2, i2;
	int cyc = perf_open(PERF_COUNT_HW_CPU_CYCLES);
	int ins = perf_open(PERF_COUNT_HW_INSTRUCTIONS);

	if (cyc < 0) {
		printf("GUEST pmu=no-cycles\n");
		return;
	}
	work(n); /* warm up: page faults and caches out of the first count */
	if (count(cyc, ins, n, &c1, &i1) || count(cyc, ins, 4 * n, &c2, &i2)) {
		printf("GUEST pmu=read-failed\n");
		return;
	}
	if (ins < 0)
		printf("GUEST pmu_cycles=%llu,%llu pmu_instr=unsupported\n", (unsigned long long)c1,
		       (unsigned long long)c2);
	else
		printf("GUEST pmu_cycles=%llu,%llu pmu_instr=%llu,%llu\n", (unsigned long long)c1,
		       (unsigned long long)c2, (unsigned long long)i1, (unsigned long long)i2);
}

static sigjmp_buf mte_jmp;
static volatile int mte_code = -1;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	mte_code = si->si_code;
	siglongjmp(mte_jmp, 1);
}

static void mte(void)
{
	struct sigaction sa;
	uint8_t *p;
	uintptr_t tagged;
	volatile uint8_t v;

	if (!(getauxval(AT_HWCAP2) & HWCAP2_MTE)) {
		printf("GUEST mte=none\n");
		return;
	}
	/* Synchronous tag checks; every tag but 0 may come from IRG. */
	if (prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC |
		  (0xfffeUL << PR_MTE_TAG_SHIFT), 0, 0, 0)) {
		printf("GUEST mte=prctl-failed\n");
		return;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_MTE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		printf("GUEST mte=mmap-failed\n");
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	/* Give the first granule tag 3; then load it through a tag-0 pointer. */
	tagged = (uintptr_t)p | (3ULL << 56);
	/* stg x0, [x0]: the store-allocation-tag instruction, as a word. */
	__asm__ volatile("mov x0, %0\n\t.inst 0xd9200800" : : "r"(tagged) : "x0", "memory");
	if (sigsetjmp(mte_jmp, 1) == 0) {
		v = p[0];
		(void)v;
		printf("GUEST mte_fault=none\n");
		return;
	}
	if (mte_code == SEGV_MTESERR)
		printf("GUEST mte_fault=SEGV_MTESERR\n");
	else
		printf("GUEST mte_fault=code-%d\n", mte_code);
}

static unsigned long long steal_now(void)
{
	unsigned long long f[8] = { 0 };
	FILE *s = fopen("/proc/stat", "r");

	if (!s)
		return 0;
	/* cpu user nice system idle iowait irq softirq steal */
	if (fscanf(s, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3],
		   &f[4], &f[5], &f[6], &f[7]) != 8)
		f[7] = 0;
	fclose(s);
	return f[7];
}

static void steal(int secs)
{
	unsigned long long before = steal_now();
	time_t end = time(NULL) + secs;

	printf("GUEST spin_start\n");
	/* CPU-bound: time the host gives to others shows as steal. */
	while (time(NULL) < end)
		work(100000);
	printf("GUEST steal_ticks=%llu spin_secs=%d\n", steal_now() - before, secs);
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 3;

	setvbuf(stdout, NULL, _IONBF, 0);
	sve();
	ptrauth();
	pmu();
	mte();
	if (secs > 0)
		steal(secs);
	return 0;
}
