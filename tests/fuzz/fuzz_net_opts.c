// SPDX-License-Identifier: GPL-2.0-only
/* The --network SPEC parser and the MAC parser (devices/net_opts.c). */
#include <net/if.h>

#include "fuzz.h"
#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	struct net_opts o;
	uint8_t mac[6];
	char buf[32];

	if (net_opts_parse(s, &o) == 0) {
		if (strnlen(o.ifname, sizeof(o.ifname)) == sizeof(o.ifname) ||
		    o.queues > NET_MAX_PAIRS || (o.has_mac && (o.mac[0] & 1)) ||
		    o.nforwards > NET_MAX_FORWARDS ||
		    strnlen(o.passt, sizeof(o.passt)) == sizeof(o.passt) ||
		    (o.kind == NET_KIND_USER && (o.queues > 1 || o.vhost == NET_VHOST_ON)))
			abort();
		for (unsigned int i = 0; i < o.nforwards; i++)
			if (!o.fwd[i].host_port || !o.fwd[i].guest_port)
				abort();
		if (o.has_mac)
			net_mac_format(o.mac, buf);
	}
	if (net_mac_parse(s, mac) == 0)
		net_mac_format(mac, buf);
	free(s);
	return 0;
}
