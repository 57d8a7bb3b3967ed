/*
 * taptool: what an administrator or an orchestrator does with taps, for the
 * network cases (busybox's ip has no "tuntap").
 *
 *   taptool add NAME [UID [mq]]   a persistent tap owned by UID (default 0),
 *                                 multi-queue with "mq"
 *   taptool del NAME              remove a persistent tap
 *   taptool pass NAME FD [novnet] -- CMD [ARG...]
 *                                 open tap NAME (with the virtio-net header
 *                                 unless novnet) as fd FD, then run CMD
 *   taptool asuser UID -- CMD [ARG...]
 *                                 run CMD with uid and gid UID, no groups
 *                                 and so no capabilities
 * Exit status: CMD's, or 1 with a message on stderr.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int try_tap(const char *name, short flags)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR);

	if (fd < 0) {
		perror("taptool: /dev/net/tun");
		exit(1);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | flags);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_tap(const char *name, short flags)
{
	int fd = try_tap(name, flags);

	if (fd < 0) {
		perror("taptool: TUNSETIFF");
		exit(1);
	}
	return fd;
}

static int run(char **argv)
{
	execvp(argv[0], argv);
	perror(argv[0]);
	return 127;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "add")) {
		int fd = open_tap(argv[2], argc >= 5 && !strcmp(argv[4], "mq") ? IFF_MULTI_QUEUE : 0);
		long uid = argc >= 4 ? atol(argv[3]) : 0;

		if (ioctl(fd, TUNSETOWNER, uid) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
			perror("taptool: TUNSETOWNER/TUNSETPERSIST");
			return 1;
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "del")) {
		/* A multi-queue tap only opens as one. */
		int fd = try_tap(argv[2], 0);

		if (fd < 0)
			fd = open_tap(argv[2], IFF_MULTI_QUEUE);

		if (ioctl(fd, TUNSETPERSIST, 0) < 0) {
			perror("taptool: TUNSETPERSIST");
			return 1;
		}
		return 0;
	}
	if (argc >= 6 && !strcmp(argv[1], "pass")) {
		int novnet = !strcmp(argv[4], "novnet");
		int at = novnet ? 5 : 4, want = atoi(argv[3]);
		int fd = open_tap(argv[2], novnet ? 0 : IFF_VNET_HDR);

		if (strcmp(argv[at], "--") || argc < at + 2)
			goto usage;
		if (fd != want && (dup2(fd, want) < 0 || close(fd) < 0)) {
			perror("taptool: dup2");
			return 1;
		}
		return run(argv + at + 1);
	}
	if (argc >= 5 && !strcmp(argv[1], "asuser") && !strcmp(argv[3], "--")) {
		gid_t id = (gid_t)atol(argv[2]);

		if (setgroups(0, NULL) < 0 || setgid(id) < 0 || setuid((uid_t)id) < 0) {
			perror("taptool: asuser");
			return 1;
		}
		return run(argv + 4);
	}
usage:
	fprintf(stderr, "usage: taptool add NAME [UID [mq]] | del NAME |\n"
			"       pass NAME FD [novnet] -- CMD... | asuser UID -- CMD...\n");
	return 1;
}
