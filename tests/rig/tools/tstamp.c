/*
 * tstamp: copy stdin to stdout line by line, each line prefixed with the
 * milliseconds since tstamp started (CLOCK_MONOTONIC) and its byte count so
 * far: "<ms> <bytes> <line>". Benchmarks pipe vmm's console through it to
 * time boot milestones and serial throughput without a fork per line.
 */
#include <stdio.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
	double t0 = now_ms();
	unsigned long long bytes = 0;
	char line[4096];

	while (fgets(line, sizeof(line), stdin)) {
		for (char *p = line; *p; p++)
			bytes++;
		printf("%.1f %llu %s", now_ms() - t0, bytes, line);
		fflush(stdout);
	}
	return 0;
}
