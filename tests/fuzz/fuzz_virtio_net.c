// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (devices/virtio_net*.c), userspace path: receive, transmit
 * and control queues from guest RAM the input lays out (fuzz_virtio.h),
 * over a fake tap (a SOCK_SEQPACKET pair: the device warns once that it
 * cannot set offloads, and runs). Host event: a packet of up to 2047 bytes
 * of input sent to the device through the tap. Whatever the device
 * transmits is drained after each round.
 */
#include <fcntl.h>
#include <sys/socket.h>

#include "fuzz_virtio.h"
#include "net.h"
#include "virtio_net.h"

static struct fv dev;
static int peer = -1;

static void host(struct fv *v, struct fz *f)
{
	uint8_t buf[2048];
	size_t n = fz_u16(f) % sizeof(buf);

	(void)v;
	fz_bytes(f, buf, n);
	if (send(peer, buf, n, MSG_DONTWAIT) < 0) {
		/* full: the device is not reading; drop it like a tap would */
	}
}

static void drain(struct fv *v)
{
	uint8_t buf[65536];

	(void)v;
	while (recv(peer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct fz f = { data, size };

	if (!dev.t) {
		struct virtio_net *net;
		struct tap tap;
		int sv[2];

		memset(&tap, 0, sizeof(tap));
		strcpy(tap.ifname, "fuzz");
		tap.nfds = 1;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) ||
		    fcntl(sv[0], F_SETFL, O_NONBLOCK))
			abort();
		tap.fds[0] = sv[0];
		peer = sv[1];
		if (virtio_net_new(0, mac, &tap, NULL, 1, true, &net))
			abort();
		fv_new(&dev, &virtio_net_dev_ops, net, virtio_net_num_queues(net),
		       VIRTIO_NET_QUEUE_MAX);
		dev.host = host;
		dev.after = drain;
	}
	fv_requests(&dev, &f);
	drain(&dev);
	return 0;
}
