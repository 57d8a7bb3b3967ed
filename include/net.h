/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_NET_H
#define VMM_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Network options and the host side of a guest NIC: the tap device.
 *
 * --network tap[,ifname=NAME][,mac=MAC][,vhost=on|off][,queues=N][,fd=N]
 *           [,link=up|down]
 * --network user[,mac=MAC][,forward=tcp|udp:HOSTPORT:GUESTPORT]...[,passt=PATH]
 *           [,link=up|down]
 * --network none
 *
 * User networking: vmm starts passt (vmm/passt.c) and speaks its stream
 * protocol (devices/net_stream.c); no tap, no privilege. One queue pair,
 * no vhost-net, no vnet-header offloads (see virtio_net.h).
 *
 * Tap modes: without ifname or fd, vmm creates a tap (CAP_NET_ADMIN) that
 * lives as long as vmm; with ifname it attaches to an existing tap an
 * administrator made for the user (`ip tuntap add dev NAME mode tap user
 * U`), so vmm runs unprivileged; with fd it takes an already open tap from
 * its parent. Every tap fd vmm uses carries the 12-byte virtio-net header
 * (IFF_VNET_HDR, TUNSETVNETHDRSZ 12), which is what lets checksum and
 * segmentation offloads pass through unchanged in both directions.
 */

#define NET_MAX_PAIRS 8      /* queue pairs per NIC (queues=N) */
#define NET_MAX_NICS 8
#define NET_HDR_LEN 12       /* struct virtio_net_hdr_v1 (VERSION_1, MRG_RXBUF) */

#define NET_MAX_FORWARDS 16
#define NET_PASST_PATH_MAX 256

enum net_kind {
	NET_KIND_TAP,
	NET_KIND_USER, /* passt */
};

/* forward=tcp:HOSTPORT:GUESTPORT: a host port passt listens on for the guest. */
struct net_forward {
	bool udp;
	uint16_t host_port, guest_port;
};

enum net_vhost {
	NET_VHOST_AUTO, /* default: vhost-net when /dev/vhost-net is usable */
	NET_VHOST_ON,   /* vhost=on: vhost-net or an error */
	NET_VHOST_OFF,  /* vhost=off: the userspace path */
};

struct net_opts {
	bool none;              /* --network none: no NIC (and no other may be given) */
	enum net_kind kind;
	char ifname[IFNAMSIZ];  /* "" when not given */
	bool has_mac;
	uint8_t mac[6];
	enum net_vhost vhost;
	unsigned int queues;    /* queue pairs, 1..NET_MAX_PAIRS; 0 when not given (1) */
	int fd;                 /* fd=N, or -1 */
	bool link_down;         /* link=down: STATUS without LINK_UP (default up) */
	/* user only */
	char passt[NET_PASST_PATH_MAX]; /* passt=PATH; "" : "passt" on $PATH */
	unsigned int nforwards;
	struct net_forward fwd[NET_MAX_FORWARDS];
};

/*
 * net_opts_parse - parse one --network SPEC into *out (fully overwritten).
 * Returns 0, or VMM_ERR_USAGE after printing one line "vmm: --network SPEC:
 * <cause>": unknown kind or option, malformed MAC, multicast MAC, ifname
 * longer than IFNAMSIZ - 1 or with '/' or whitespace, queues outside
 * 1..NET_MAX_PAIRS, bad fd, fd together with ifname or with queues > 1;
 * for user: a malformed or repeated forward, more than NET_MAX_FORWARDS,
 * an empty or too long passt path, and ifname, fd, vhost=on or queues > 1
 * (which only a tap has); forward and passt with tap. Touches no files.
 */
int net_opts_parse(const char *spec, struct net_opts *out);

/* net_mac_parse - "52:54:00:12:34:56" (hex pairs, ':' or '-'); 0 or -1. */
int net_mac_parse(const char *s, uint8_t mac[6]);

/* net_mac_format - "xx:xx:xx:xx:xx:xx" into buf (at least 18 bytes); returns buf. */
char *net_mac_format(const uint8_t mac[6], char *buf);

/*
 * net_default_mac - a stable MAC for NIC `index` of the VM called name:
 * a hash of both, locally administered (bit 1 of byte 0 set), unicast
 * (bit 0 clear). The same name and index always give the same MAC.
 */
void net_default_mac(const char *name, unsigned int index, uint8_t mac[6]);

/* The host side of one NIC. */
struct tap {
	char ifname[IFNAMSIZ];
	int fds[NET_MAX_PAIRS];  /* one per queue pair, O_NONBLOCK, vnet header on */
	unsigned int nfds;
	bool created;            /* vmm made it (it goes away with vmm) */
	/*
	 * Not a tap: the local end of a net_stream (--network user), a
	 * SOCK_SEQPACKET socket carrying the same header + frame per
	 * message. It takes no TUNSET* ioctls and cannot do offloads.
	 */
	bool stream;
};

/*
 * tap_open - open the tap o describes with npairs queues (IFF_MULTI_QUEUE
 * when npairs > 1; fd=N gives one). Created taps are named vmmtapN and
 * brought up. Returns 0, or prints one line "vmm: --network ...: <cause>"
 * and returns VMM_ERR_INPUT (ifname names no interface, or not a tap; fd
 * is not open, not a tap, or has no vnet header) or VMM_ERR_HOST (no
 * /dev/net/tun; no permission to create a tap: the line says that it
 * needs CAP_NET_ADMIN and shows the ifname= alternative; no permission
 * to use the named one).
 */
int tap_open(const struct net_opts *o, unsigned int npairs, struct tap *t);

/*
 * tap_set_offload - the offloads the guest accepts on receive: TUN_F_*
 * flags (CSUM, TSO4, TSO6, TSO_ECN, UFO) on every queue. 0 or -errno.
 */
int tap_set_offload(struct tap *t, unsigned int tun_flags);

/* tap_close - close every fd (a created tap disappears). */
void tap_close(struct tap *t);

#endif
