// SPDX-License-Identifier: GPL-2.0-only
/*
 * The --network option and MAC addresses.
 *
 * Everything here is checked before any device is opened, so that a typo
 * costs the user one line of explanation and not a half-created tap. Each
 * error names the part of the spec that is wrong and, where there is one,
 * the form that would have been accepted.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "status.h"

/* Bits of net_opts_item()'s `seen` mask: each option may be given once. */
enum {
	NET_OPT_IFNAME = 1 << 0,
	NET_OPT_MAC = 1 << 1,
	NET_OPT_VHOST = 1 << 2,
	NET_OPT_QUEUES = 1 << 3,
	NET_OPT_FD = 1 << 4,
	NET_OPT_LINK = 1 << 5,
	NET_OPT_FORWARD = 1 << 6, /* repeatable */
	NET_OPT_PASST = 1 << 7,
};

static const struct {
	const char *name;
	unsigned int bit;
} net_opt_names[] = {
    {"ifname", NET_OPT_IFNAME}, {"mac", NET_OPT_MAC}, {"vhost", NET_OPT_VHOST},
    {"queues", NET_OPT_QUEUES}, {"fd", NET_OPT_FD},   {"link", NET_OPT_LINK},
    {"forward", NET_OPT_FORWARD}, {"passt", NET_OPT_PASST},
};

static int net_opts_bad(const char *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int net_opts_bad(const char *spec, const char *fmt, ...)
{
	char cause[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	log_error("--network %s: %s", spec, cause);
	return VMM_ERR_USAGE;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int net_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t tmp[6];
	int i, hi, lo;
	char sep;

	/* Exactly six pairs and one kind of separator: "52:54-00..." is a typo. */
	if (strlen(s) != 17)
		return -1;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -1;
	for (i = 0; i < 6; i++) {
		hi = hexval(s[3 * i]);
		lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != sep))
			return -1;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, tmp, sizeof(tmp));
	return 0;
}

char *net_mac_format(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void net_default_mac(const char *name, unsigned int index, uint8_t mac[6])
{
	uint8_t idx[4] = {(uint8_t)index, (uint8_t)(index >> 8), (uint8_t)(index >> 16),
			  (uint8_t)(index >> 24)};
	uint8_t zero = 0;
	uint64_t h = 0xcbf29ce484222325ULL;
	int i;

	/*
	 * The NUL between name and index keeps ("a", 0x62...) and ("ab", ...)
	 * apart. FNV-1a alone spreads a change in the last bytes (the index)
	 * only upwards, so a final avalanche step (MurmurHash3's fmix64) makes
	 * every MAC byte depend on every input byte. The index is hashed as
	 * little-endian bytes so the MAC is the same on any host.
	 */
	h = fnv1a(h, name, strlen(name));
	h = fnv1a(h, &zero, 1);
	h = fnv1a(h, idx, sizeof(idx));
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	/* Locally administered, unicast: never collides with a vendor's OUI. */
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

/* The kernel's dev_valid_name(), so that a bad name fails here, not at TUNSETIFF. */
static int net_opts_ifname(const char *spec, const char *val, struct net_opts *o)
{
	const char *p;

	if (!*val)
		return net_opts_bad(spec, "ifname is empty");
	if (strlen(val) > IFNAMSIZ - 1)
		return net_opts_bad(
		    spec, "ifname '%s' is longer than the kernel's limit of %d characters", val,
		    IFNAMSIZ - 1);
	if (!strcmp(val, ".") || !strcmp(val, ".."))
		return net_opts_bad(spec, "ifname may not be '%s'", val);
	for (p = val; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return net_opts_bad(
			    spec, "ifname '%s' may not contain '/', ':' or whitespace", val);
	memcpy(o->ifname, val, strlen(val) + 1);
	return 0;
}

static int net_opts_mac(const char *spec, const char *val, struct net_opts *o)
{
	static const uint8_t zero[6];

	if (net_mac_parse(val, o->mac))
		return net_opts_bad(spec,
				    "malformed MAC '%s' (expected six hex pairs like "
				    "52:54:00:12:34:56)",
				    val);
	if (o->mac[0] & 0x01)
		return net_opts_bad(spec,
				    "MAC %s is multicast (bit 0 of the first byte is set); a NIC "
				    "needs a unicast address",
				    val);
	if (!memcmp(o->mac, zero, sizeof(zero)))
		return net_opts_bad(spec, "MAC %s is all zeros", val);
	o->has_mac = true;
	return 0;
}

/* A decimal number with nothing around it (no sign, no spaces, no 0x). */
static int net_parse_uint(const char *val, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)val[0]))
		return -1;
	errno = 0;
	*out = strtoul(val, &end, 10);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

/* A port 1..65535 of a forward. */
static int net_parse_port(const char *val, uint16_t *out)
{
	unsigned long n;

	if (net_parse_uint(val, 65535, &n) || n < 1)
		return -1;
	*out = (uint16_t)n;
	return 0;
}

/* forward=tcp:HOSTPORT:GUESTPORT or udp:...; val is modified. */
static int net_opts_forward(const char *spec, char *val, struct net_opts *o)
{
	struct net_forward f = { 0 };
	char *host, *guest;
	unsigned int i;

	host = strchr(val, ':');
	guest = host ? strchr(host + 1, ':') : NULL;
	if (!guest)
		return net_opts_bad(spec,
				    "forward '%s' is not PROTO:HOSTPORT:GUESTPORT (e.g. "
				    "tcp:8080:80)",
				    val);
	*host++ = '\0';
	*guest++ = '\0';
	if (!strcmp(val, "udp"))
		f.udp = true;
	else if (strcmp(val, "tcp"))
		return net_opts_bad(spec, "forward protocol must be tcp or udp, not '%s'", val);
	if (net_parse_port(host, &f.host_port))
		return net_opts_bad(spec, "forward host port must be 1 to 65535, not '%s'", host);
	if (net_parse_port(guest, &f.guest_port))
		return net_opts_bad(spec, "forward guest port must be 1 to 65535, not '%s'",
				    guest);
	for (i = 0; i < o->nforwards; i++)
		if (o->fwd[i].udp == f.udp && o->fwd[i].host_port == f.host_port)
			return net_opts_bad(spec, "host port %s:%u is forwarded twice", val,
					    f.host_port);
	if (o->nforwards == NET_MAX_FORWARDS)
		return net_opts_bad(spec, "more than %d forwards", NET_MAX_FORWARDS);
	o->fwd[o->nforwards++] = f;
	return 0;
}

static int net_opts_passt(const char *spec, const char *val, struct net_opts *o)
{
	if (!*val)
		return net_opts_bad(spec, "passt is empty (a path to the passt program)");
	if (strlen(val) >= sizeof(o->passt))
		return net_opts_bad(spec, "passt path is longer than %zu characters",
				    sizeof(o->passt) - 1);
	memcpy(o->passt, val, strlen(val) + 1);
	return 0;
}

/* One ",key=value" item of the option string; item is NUL-terminated. */
static int net_opts_item(const char *spec, char *item, struct net_opts *o, unsigned int *seen)
{
	char *val = strchr(item, '=');
	unsigned int bit = 0;
	unsigned long n;
	size_t i;

	if (val)
		*val++ = '\0';
	for (i = 0; i < sizeof(net_opt_names) / sizeof(net_opt_names[0]); i++)
		if (!strcmp(item, net_opt_names[i].name))
			bit = net_opt_names[i].bit;
	if (!bit) {
		if (val)
			val[-1] = '=';
		return net_opts_bad(spec, "unknown option '%s'", item);
	}
	if ((*seen & bit) && bit != NET_OPT_FORWARD)
		return net_opts_bad(spec, "duplicate option '%s'", item);
	*seen |= bit;
	if (!val)
		return net_opts_bad(spec, "option '%s' needs a value (%s=...)", item, item);

	switch (bit) {
	case NET_OPT_IFNAME:
		return net_opts_ifname(spec, val, o);
	case NET_OPT_MAC:
		return net_opts_mac(spec, val, o);
	case NET_OPT_VHOST:
		if (!strcmp(val, "on"))
			o->vhost = NET_VHOST_ON;
		else if (!strcmp(val, "off"))
			o->vhost = NET_VHOST_OFF;
		else
			return net_opts_bad(spec, "vhost must be on or off, not '%s'", val);
		return 0;
	case NET_OPT_QUEUES:
		if (net_parse_uint(val, NET_MAX_PAIRS, &n) || n < 1)
			return net_opts_bad(spec, "queues must be 1 to %d, not '%s'", NET_MAX_PAIRS,
					    val);
		o->queues = (unsigned int)n;
		return 0;
	case NET_OPT_FD:
		if (net_parse_uint(val, INT_MAX, &n))
			return net_opts_bad(spec, "fd must be a non-negative integer, not '%s'",
					    val);
		if (n < 3)
			return net_opts_bad(spec,
					    "fd must be 3 or more, not '%s' (0, 1 and 2 are stdin, "
					    "stdout and stderr)",
					    val);
		o->fd = (int)n;
		return 0;
	case NET_OPT_LINK:
		if (!strcmp(val, "up"))
			o->link_down = false;
		else if (!strcmp(val, "down"))
			o->link_down = true;
		else
			return net_opts_bad(spec, "link must be up or down, not '%s'", val);
		return 0;
	case NET_OPT_FORWARD:
		return net_opts_forward(spec, val, o);
	case NET_OPT_PASST:
		return net_opts_passt(spec, val, o);
	}
	return 0;
}

/* What only one kind takes, refused for the other with the reason. */
static int net_opts_kind_check(const char *spec, const struct net_opts *o, unsigned int seen)
{
	if (o->kind == NET_KIND_TAP) {
		if (seen & NET_OPT_FORWARD)
			return net_opts_bad(spec, "forward is for --network user (a tap needs no "
						  "forwarding: the host reaches the guest's address)");
		if (seen & NET_OPT_PASST)
			return net_opts_bad(spec, "passt is for --network user");
		return 0;
	}
	if (seen & NET_OPT_IFNAME)
		return net_opts_bad(spec, "ifname is for --network tap (user networking has no "
					  "tap)");
	if (seen & NET_OPT_FD)
		return net_opts_bad(spec, "fd is for --network tap (user networking has no tap)");
	if (o->vhost == NET_VHOST_ON)
		return net_opts_bad(spec, "vhost=on needs a tap; user networking goes through "
					  "passt's socket, which vhost-net cannot use");
	if (o->queues > 1)
		return net_opts_bad(spec, "queues must be 1 with user networking (passt's socket "
					  "is one stream of frames)");
	return 0;
}

int net_opts_parse(const char *spec, struct net_opts *out)
{
	char *copy, *item, *next;
	unsigned int seen = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->vhost = NET_VHOST_AUTO;
	out->fd = -1;
	copy = strdup(spec);
	if (!copy)
		return net_opts_bad(spec, "out of memory");
	next = strchr(copy, ',');
	if (next)
		*next++ = '\0';
	if (!strcmp(copy, "none")) {
		out->none = true;
		if (next)
			ret = net_opts_bad(spec, "none takes no options");
	} else if (!*copy) {
		ret = net_opts_bad(spec, "no network kind (tap, user or none)");
	} else if (!strcmp(copy, "user")) {
		out->kind = NET_KIND_USER;
	} else if (strcmp(copy, "tap")) {
		ret = net_opts_bad(spec, "unknown network kind '%s' (tap, user or none)", copy);
	}
	while (!ret && !out->none && next) {
		item = next;
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		ret = net_opts_item(spec, item, out, &seen);
	}
	free(copy);
	if (ret)
		return ret;

	/* Combinations, once every item is known to be well-formed on its own. */
	if (!out->none && net_opts_kind_check(spec, out, seen))
		return VMM_ERR_USAGE;
	if (out->fd >= 0 && out->ifname[0])
		return net_opts_bad(spec, "fd and ifname exclude each other (fd is an open tap, "
					  "ifname one to open)");
	if (out->fd >= 0 && out->queues > 1)
		return net_opts_bad(spec, "fd gives one queue pair; queues must be 1 with fd");
	return 0;
}
