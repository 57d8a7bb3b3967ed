/*
 * counter: print the virtual counter (CNTVCT_EL0) of the CPU it runs on.
 *
 *   counter       counter_s=<seconds, 3 decimals>   (count / CNTFRQ_EL0)
 *   counter -r    <raw count>
 *   counter -f    <counter frequency in Hz>
 *
 * Runs in the guest (to show the counter offset vmm applied) and in the
 * emulated host (as the reference clock), so it is a static arm64 binary
 * with no dependencies beyond libc.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t read_cntvct(void)
{
	uint64_t v;

	/* The isb keeps the read from being speculated ahead of earlier code. */
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static uint64_t read_cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

int main(int argc, char **argv)
{
	uint64_t cnt = read_cntvct();
	uint64_t frq = read_cntfrq();

	if (argc == 2 && strcmp(argv[1], "-r") == 0) {
		printf("%llu\n", (unsigned long long)cnt);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "-f") == 0) {
		printf("%llu\n", (unsigned long long)frq);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: counter [-r|-f]\n");
		return 2;
	}
	if (frq == 0) {
		fprintf(stderr, "counter: CNTFRQ_EL0 is 0\n");
		return 1;
	}
	/* Split to avoid overflowing cnt * 1000 for large counts. */
	printf("counter_s=%llu.%03llu\n", (unsigned long long)(cnt / frq),
	       (unsigned long long)((cnt % frq) * 1000 / frq));
	return 0;
}
