/*
 * netbench: TCP throughput and round-trip time between the guest and the
 * emulated host, for tests/rig/bench-net.sh. One connection per run.
 *
 *   netbench recv PORT            accept one connection, read to EOF; print
 *                                 "netbench recv bytes=N secs=S mbps=X"
 *                                 (first byte to EOF, MB = 10^6 bytes)
 *   netbench send HOST PORT MIB   send MIB MiB, then close
 *   netbench echo PORT            accept one connection, echo it to EOF
 *   netbench rr HOST PORT N       N one-byte request/response exchanges;
 *                                 print "netbench rr n=N avg_us=U min_us=M"
 *   netbench get PORT             accept one connection, copy it to stdout
 *   netbench put HOST PORT        copy stdin to a connection, then close
 *   netbench serve PORT           accept one connection on 127.0.0.1 only,
 *                                 copy stdin to it, then close (the server a
 *                                 guest behind passt reaches at its gateway)
 *   netbench fetch HOST PORT      connect, copy the connection to stdout
 * (get and put move test data: unlike nc, each ends at the stream's end
 * whatever its own stdin does, and put's connect waits for the listener.)
 * Connects retry refused connections for 30 s (the other end may still be
 * starting). Servers say "netbench: listening on PORT" on stderr once the
 * port is open. Exit status 0, or 1 with a message.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "netbench: %s: %s\n", what, strerror(errno));
	return 1;
}

static int accept_on(uint32_t addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(addr) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), c;

	if (l < 0)
		return -1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0)
		return -1;
	/*
	 * Said once the port is open: behind passt a host's connect succeeds
	 * before the guest listens (passt accepts for it) and is then reset,
	 * so the host waits for this line rather than retrying.
	 */
	fprintf(stderr, "netbench: listening on %d\n", port);
	c = accept(l, NULL, NULL);
	close(l);
	return c;
}

static int accept_one(int port)
{
	return accept_on(INADDR_ANY, port);
}

static int connect_to(const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	double give_up = now() + 30;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0)
			return -1;
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			return s;
		close(s);
		if (errno != ECONNREFUSED || now() > give_up)
			return -1;
		usleep(200000);
	}
}

static int do_recv(int port)
{
	static char buf[1 << 18];
	unsigned long long bytes = 0;
	double t0 = 0, t1;
	int s = accept_one(port);
	ssize_t n;

	if (s < 0)
		return die("accept");
	while ((n = read(s, buf, sizeof(buf))) > 0) {
		if (!bytes)
			t0 = now();
		bytes += (unsigned long long)n;
	}
	if (n < 0)
		return die("read");
	t1 = now();
	printf("netbench recv bytes=%llu secs=%.3f mbps=%.1f\n", bytes, t1 - t0,
	       t1 > t0 ? (double)bytes / (t1 - t0) / 1e6 : 0.0);
	return 0;
}

static int do_send(const char *host, int port, long mib)
{
	static char buf[1 << 18];
	long long left = (long long)mib << 20;
	int s = connect_to(host, port);

	if (s < 0)
		return die("connect");
	memset(buf, 0x5a, sizeof(buf));
	while (left > 0) {
		ssize_t n = write(s, buf, left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n < 0)
			return die("write");
		left -= n;
	}
	close(s);
	return 0;
}

static int do_echo(int port)
{
	char buf[4096];
	int s = accept_one(port), one = 1;
	ssize_t n;

	if (s < 0)
		return die("accept");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while ((n = read(s, buf, sizeof(buf))) > 0)
		if (write(s, buf, (size_t)n) != n)
			return die("write");
	return n < 0 ? die("read") : 0;
}

static int do_rr(const char *host, int port, long count)
{
	double total = 0, best = 1e9;
	int s = connect_to(host, port), one = 1;
	long i;

	if (s < 0)
		return die("connect");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (i = 0; i < count; i++) {
		double t = now(), d;
		char c = 'x';

		if (write(s, &c, 1) != 1 || read(s, &c, 1) != 1)
			return die("exchange");
		d = now() - t;
		total += d;
		if (d < best)
			best = d;
	}
	close(s);
	printf("netbench rr n=%ld avg_us=%.0f min_us=%.0f\n", count, total / (double)count * 1e6,
	       best * 1e6);
	return 0;
}

/* Everything from `in` to `out` (short writes continued). */
static int copy(int in, int out)
{
	static char buf[1 << 16];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		ssize_t off = 0;

		while (off < n) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0)
				return die("write");
			off += w;
		}
	}
	return n < 0 ? die("read") : 0;
}

static int do_get(int port)
{
	int s = accept_one(port);

	return s < 0 ? die("accept") : copy(s, 1);
}

static int do_put(const char *host, int port)
{
	char c;
	int s = connect_to(host, port);

	if (s < 0)
		return die("connect");
	if (copy(0, s))
		return 1;
	/* The peer has it all once it closes too. */
	shutdown(s, SHUT_WR);
	while (read(s, &c, 1) > 0)
		;
	return 0;
}

static int do_serve(int port)
{
	int s = accept_on(INADDR_LOOPBACK, port);
	char c;

	if (s < 0)
		return die("accept");
	if (copy(0, s))
		return 1;
	shutdown(s, SHUT_WR);
	while (read(s, &c, 1) > 0)
		;
	return 0;
}

static int do_fetch(const char *host, int port)
{
	int s = connect_to(host, port);

	return s < 0 ? die("connect") : copy(s, 1);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return do_serve(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "fetch"))
		return do_fetch(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "get"))
		return do_get(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "put"))
		return do_put(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "echo"))
		return do_echo(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "rr") && atol(argv[4]) > 0)
		return do_rr(argv[2], atoi(argv[3]), atol(argv[4]));
	fprintf(stderr, "usage: netbench recv PORT | send HOST PORT MIB | echo PORT | rr HOST PORT N |\n"
			"       get PORT | put HOST PORT | serve PORT | fetch HOST PORT\n");
	return 2;
}
