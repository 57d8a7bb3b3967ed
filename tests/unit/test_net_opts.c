// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the --network option and MAC addresses: every accepted
 * form, every refused one with its one-line message, and the default MAC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net.h"
#include "status.h"
#include "unit.h"

static void test_defaults(void **state)
{
	struct net_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(net_opts_parse("tap", &o), 0);
	assert_false(o.none);
	assert_string_equal(o.ifname, "");
	assert_false(o.has_mac);
	assert_int_equal(o.vhost, NET_VHOST_AUTO);
	assert_int_equal(o.queues, 0);
	assert_int_equal(o.fd, -1);
	assert_false(o.link_down);
}

static void test_none(void **state)
{
	struct net_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(net_opts_parse("none", &o), 0);
	assert_true(o.none);
	assert_string_equal(o.ifname, "");
	assert_false(o.has_mac);
	assert_int_equal(o.fd, -1);
}

static void test_all_options(void **state)
{
	static const uint8_t want[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	struct net_opts o;

	(void)state;
	assert_int_equal(net_opts_parse("tap,ifname=tap-vm1,mac=52:54:00:AB:cd:ef,vhost=off,"
					"queues=8,link=down",
					&o),
			 0);
	assert_string_equal(o.ifname, "tap-vm1");
	assert_true(o.has_mac);
	assert_memory_equal(o.mac, want, 6);
	assert_int_equal(o.vhost, NET_VHOST_OFF);
	assert_int_equal(o.queues, 8);
	assert_int_equal(o.fd, -1);
	assert_true(o.link_down);

	assert_int_equal(
	    net_opts_parse("tap,fd=3,vhost=on,queues=1,link=up,mac=52-54-00-ab-cd-ef", &o), 0);
	assert_int_equal(o.fd, 3);
	assert_int_equal(o.vhost, NET_VHOST_ON);
	assert_int_equal(o.queues, 1);
	assert_false(o.link_down);
	assert_memory_equal(o.mac, want, 6);
	assert_string_equal(o.ifname, "");

	/* The longest name the kernel takes: IFNAMSIZ - 1 characters. */
	assert_int_equal(net_opts_parse("tap,ifname=abcdefghijklmno", &o), 0);
	assert_string_equal(o.ifname, "abcdefghijklmno");
	assert_int_equal(net_opts_parse("tap,fd=2147483647", &o), 0);
	assert_int_equal(o.fd, 2147483647);
	assert_int_equal(net_opts_parse("tap,queues=1,fd=7", &o), 0);
	assert_int_equal(o.fd, 7);
	/* Locally administered unicast is what a user picks by hand. */
	assert_int_equal(net_opts_parse("tap,mac=02:00:00:00:00:01", &o), 0);
}

/* spec is refused with VMM_ERR_USAGE and exactly "vmm: --network SPEC: <cause>". */
static void expect_usage(const char *spec, const char *cause)
{
	struct unit_capture cap;
	struct net_opts o;
	char line[512];
	int ret;

	unit_capture_begin(&cap, 2);
	ret = net_opts_parse(spec, &o);
	unit_capture_end(&cap);
	assert_int_equal(ret, VMM_ERR_USAGE);
	snprintf(line, sizeof(line), "--network %s: %s", spec, cause);
	unit_assert_one_line(cap.text, line);
}

/* Like expect_usage, for messages checked by a substring only. */
static void expect_usage_has(const char *spec, const char *part)
{
	struct unit_capture cap;
	struct net_opts o;
	char prefix[256];
	int ret;

	unit_capture_begin(&cap, 2);
	ret = net_opts_parse(spec, &o);
	unit_capture_end(&cap);
	assert_int_equal(ret, VMM_ERR_USAGE);
	snprintf(prefix, sizeof(prefix), "--network %s: ", spec);
	unit_assert_one_line_prefix(cap.text, prefix);
	if (!strstr(cap.text, part))
		fail_msg("\"%s\" lacks \"%s\"", cap.text, part);
}

static void test_bad_kind(void **state)
{
	(void)state;
	expect_usage("slirp", "unknown network kind 'slirp' (tap, user or none)");
	expect_usage("user,hostfwd=tcp::2222-:22", "unknown option 'hostfwd=tcp::2222-:22'");
	expect_usage("TAP", "unknown network kind 'TAP' (tap, user or none)");
	expect_usage("", "no network kind (tap, user or none)");
	expect_usage(",ifname=x", "no network kind (tap, user or none)");
	expect_usage("none,mac=52:54:00:12:34:56", "none takes no options");
	expect_usage("none,", "none takes no options");
}

static void test_user(void **state)
{
	static const uint8_t want[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	struct net_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(net_opts_parse("user", &o), 0);
	assert_int_equal(o.kind, NET_KIND_USER);
	assert_false(o.none);
	assert_string_equal(o.passt, "");
	assert_int_equal(o.nforwards, 0);
	assert_int_equal(o.vhost, NET_VHOST_AUTO);
	assert_int_equal(o.fd, -1);

	assert_int_equal(net_opts_parse("user,mac=52:54:00:12:34:56,forward=tcp:8080:80,"
					"forward=udp:5353:53,forward=tcp:65535:1,"
					"passt=/opt/passt/bin/passt,vhost=off,queues=1,link=down",
					&o),
			 0);
	assert_int_equal(o.kind, NET_KIND_USER);
	assert_true(o.has_mac);
	assert_memory_equal(o.mac, want, 6);
	assert_int_equal(o.nforwards, 3);
	assert_false(o.fwd[0].udp);
	assert_int_equal(o.fwd[0].host_port, 8080);
	assert_int_equal(o.fwd[0].guest_port, 80);
	assert_true(o.fwd[1].udp);
	assert_int_equal(o.fwd[1].host_port, 5353);
	assert_int_equal(o.fwd[1].guest_port, 53);
	assert_int_equal(o.fwd[2].host_port, 65535);
	assert_int_equal(o.fwd[2].guest_port, 1);
	assert_string_equal(o.passt, "/opt/passt/bin/passt");
	assert_true(o.link_down);
	/* The same host port for TCP and for UDP are two sockets: allowed. */
	assert_int_equal(net_opts_parse("user,forward=tcp:53:53,forward=udp:53:53", &o), 0);
	assert_int_equal(net_opts_parse("tap", &o), 0);
	assert_int_equal(o.kind, NET_KIND_TAP);
}

static void test_bad_user(void **state)
{
	char spec[1024];
	int i, n;

	(void)state;
	expect_usage("user,forward=tcp:80", "forward 'tcp:80' is not PROTO:HOSTPORT:GUESTPORT "
					    "(e.g. tcp:8080:80)");
	expect_usage("user,forward=", "forward '' is not PROTO:HOSTPORT:GUESTPORT (e.g. "
				      "tcp:8080:80)");
	expect_usage("user,forward=sctp:1:2", "forward protocol must be tcp or udp, not 'sctp'");
	expect_usage("user,forward=tcp:0:80", "forward host port must be 1 to 65535, not '0'");
	expect_usage("user,forward=tcp:65536:80",
		     "forward host port must be 1 to 65535, not '65536'");
	expect_usage("user,forward=tcp:-1:80", "forward host port must be 1 to 65535, not '-1'");
	expect_usage("user,forward=tcp:80:", "forward guest port must be 1 to 65535, not ''");
	expect_usage("user,forward=tcp:80:8:0", "forward guest port must be 1 to 65535, not '8:0'");
	expect_usage("user,forward=tcp:2222:22,forward=tcp:2222:23",
		     "host port tcp:2222 is forwarded twice");
	expect_usage("user,forward", "option 'forward' needs a value (forward=...)");
	expect_usage("user,passt=", "passt is empty (a path to the passt program)");
	expect_usage("user,passt=a,passt=b", "duplicate option 'passt'");
	expect_usage("user,ifname=tap0", "ifname is for --network tap (user networking has no tap)");
	expect_usage("user,fd=5", "fd is for --network tap (user networking has no tap)");
	expect_usage("user,vhost=on", "vhost=on needs a tap; user networking goes through "
				      "passt's socket, which vhost-net cannot use");
	expect_usage("user,queues=2", "queues must be 1 with user networking (passt's socket is "
				      "one stream of frames)");
	expect_usage("tap,forward=tcp:1:2", "forward is for --network user (a tap needs no "
					    "forwarding: the host reaches the guest's address)");
	expect_usage("tap,passt=/usr/bin/passt", "passt is for --network user");

	n = snprintf(spec, sizeof(spec), "user");
	for (i = 1; i <= NET_MAX_FORWARDS + 1; i++)
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, ",forward=tcp:%d:1", i);
	expect_usage_has(spec, "more than 16 forwards");

	memset(spec, 0, sizeof(spec));
	memcpy(spec, "user,passt=", 11);
	memset(spec + 11, 'p', NET_PASST_PATH_MAX);
	expect_usage_has(spec, "passt path is longer than 255 characters");
}

static void test_bad_option(void **state)
{
	(void)state;
	expect_usage("tap,script=no", "unknown option 'script=no'");
	expect_usage("tap,vhostforce", "unknown option 'vhostforce'");
	expect_usage("tap,", "unknown option ''");
	expect_usage("tap,,mac=52:54:00:12:34:56", "unknown option ''");
	expect_usage("tap,mac", "option 'mac' needs a value (mac=...)");
	expect_usage("tap,ifname=a,ifname=b", "duplicate option 'ifname'");
	expect_usage("tap,queues=2,vhost=on,queues=2", "duplicate option 'queues'");
	expect_usage("tap,link=up,link=down", "duplicate option 'link'");
	expect_usage("tap,vhost=yes", "vhost must be on or off, not 'yes'");
	expect_usage("tap,vhost=", "vhost must be on or off, not ''");
	expect_usage("tap,link=off", "link must be up or down, not 'off'");
}

static void test_bad_mac(void **state)
{
	(void)state;
	expect_usage(
	    "tap,mac=52:54:00:12:34",
	    "malformed MAC '52:54:00:12:34' (expected six hex pairs like 52:54:00:12:34:56)");
	expect_usage_has("tap,mac=52:54:00:12:34:5g", "six hex pairs");
	expect_usage_has("tap,mac=52:54:00:12:34:567", "six hex pairs");
	expect_usage_has("tap,mac=525400123456", "six hex pairs");
	expect_usage_has("tap,mac=52:54-00:12:34:56", "six hex pairs");
	expect_usage_has("tap,mac=", "six hex pairs");
	expect_usage_has("tap,mac=01:00:5e:00:00:01", "multicast");
	expect_usage_has("tap,mac=ff:ff:ff:ff:ff:ff", "multicast");
	expect_usage_has("tap,mac=53:54:00:12:34:56", "bit 0 of the first byte");
	expect_usage("tap,mac=00:00:00:00:00:00", "MAC 00:00:00:00:00:00 is all zeros");
}

static void test_bad_ifname(void **state)
{
	(void)state;
	expect_usage("tap,ifname=", "ifname is empty");
	expect_usage_has("tap,ifname=abcdefghijklmnop", "limit of 15 characters");
	expect_usage_has("tap,ifname=a/b", "ifname 'a/b' may not contain '/', ':' or whitespace");
	expect_usage_has("tap,ifname=eth0:1", "may not contain");
	expect_usage_has("tap,ifname=a b", "may not contain");
	expect_usage_has("tap,ifname=a\tb", "may not contain");
	expect_usage_has("tap,ifname=..", "may not be '..'");
	expect_usage_has("tap,ifname=.", "may not be '.'");
}

static void test_bad_queues(void **state)
{
	(void)state;
	expect_usage("tap,queues=0", "queues must be 1 to 8, not '0'");
	expect_usage("tap,queues=9", "queues must be 1 to 8, not '9'");
	expect_usage("tap,queues=-1", "queues must be 1 to 8, not '-1'");
	expect_usage("tap,queues=+2", "queues must be 1 to 8, not '+2'");
	expect_usage("tap,queues=2x", "queues must be 1 to 8, not '2x'");
	expect_usage("tap,queues=", "queues must be 1 to 8, not ''");
	expect_usage("tap,queues=18446744073709551617",
		     "queues must be 1 to 8, not '18446744073709551617'");
}

static void test_bad_fd(void **state)
{
	(void)state;
	expect_usage("tap,fd=-1", "fd must be a non-negative integer, not '-1'");
	expect_usage("tap,fd=x", "fd must be a non-negative integer, not 'x'");
	expect_usage("tap,fd= 4", "fd must be a non-negative integer, not ' 4'");
	expect_usage("tap,fd=4k", "fd must be a non-negative integer, not '4k'");
	expect_usage("tap,fd=2147483648", "fd must be a non-negative integer, not '2147483648'");
	expect_usage_has("tap,fd=0", "fd must be 3 or more");
	expect_usage_has("tap,fd=2", "not '2' (0, 1 and 2 are stdin, stdout and stderr)");
	expect_usage_has("tap,fd=5,ifname=tap0", "fd and ifname exclude each other");
	expect_usage_has("tap,ifname=tap0,fd=5", "fd and ifname exclude each other");
	expect_usage("tap,fd=5,queues=2", "fd gives one queue pair; queues must be 1 with fd");
	expect_usage("tap,queues=4,fd=5", "fd gives one queue pair; queues must be 1 with fd");
}

/* Each parse starts from the defaults, whatever *out held before. */
static void test_out_overwritten(void **state)
{
	struct unit_capture cap;
	struct net_opts o;

	(void)state;
	unit_capture_begin(&cap, 2);
	assert_int_equal(net_opts_parse("tap,ifname=x,fd=4,queues=2,link=down", &o), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	assert_int_equal(net_opts_parse("tap,ifname=tap9,link=down", &o), 0);
	assert_int_equal(net_opts_parse("tap", &o), 0);
	assert_string_equal(o.ifname, "");
	assert_false(o.link_down);
}

static void test_mac_round_trip(void **state)
{
	static const uint8_t want[6] = {0x02, 0x1a, 0xff, 0x00, 0x9b, 0xc4};
	uint8_t mac[6], back[6];
	char buf[18];

	(void)state;
	assert_int_equal(net_mac_parse("02:1A:ff:00:9b:C4", mac), 0);
	assert_memory_equal(mac, want, 6);
	assert_ptr_equal(net_mac_format(mac, buf), buf);
	assert_string_equal(buf, "02:1a:ff:00:9b:c4");
	assert_int_equal(net_mac_parse(buf, back), 0);
	assert_memory_equal(back, mac, 6);
	assert_int_equal(net_mac_parse("02-1a-ff-00-9b-c4", back), 0);
	assert_memory_equal(back, mac, 6);

	/* A failed parse leaves the output alone. */
	memset(back, 0x77, sizeof(back));
	assert_int_equal(net_mac_parse("02:1a:ff:00:9b", back), -1);
	assert_int_equal(net_mac_parse("02:1a:ff:00:9b:c4:", back), -1);
	assert_int_equal(net_mac_parse("0x:1a:ff:00:9b:c4", back), -1);
	assert_int_equal(net_mac_parse(" 2:1a:ff:00:9b:c4", back), -1);
	assert_int_equal(net_mac_parse("02.1a.ff.00.9b.c4", back), -1);
	assert_int_equal(net_mac_parse("", back), -1);
	assert_int_equal(back[0], 0x77);
}

static void test_default_mac(void **state)
{
	uint8_t a[6], b[6], c[6], d[6], e[6];
	char buf[18];
	unsigned int i;

	(void)state;
	net_default_mac("web", 0, a);
	net_default_mac("web", 0, b);
	assert_memory_equal(a, b, 6);
	net_default_mac("web", 1, c);
	net_default_mac("db", 0, d);
	net_default_mac("", 0, e);
	assert_memory_not_equal(a, c, 6);
	assert_memory_not_equal(a, d, 6);
	assert_memory_not_equal(c, d, 6);
	assert_memory_not_equal(a, e, 6);

	/*
	 * Known value: the MAC of a VM must not change between vmm versions
	 * or hosts (DHCP leases, firewall rules), so pin one.
	 */
	net_mac_format(a, buf);
	assert_string_equal(buf, "6a:f4:c0:67:ec:f2");

	for (i = 0; i < 64; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vm-%u", 1000 + i);
		net_default_mac(name, i % NET_MAX_NICS, a);
		assert_int_equal(a[0] & 0x01, 0);    /* unicast */
		assert_int_equal(a[0] & 0x02, 0x02); /* locally administered */
		net_default_mac(name, i % NET_MAX_NICS + 1, b);
		assert_memory_not_equal(a, b, 6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),	   cmocka_unit_test(test_none),
	    cmocka_unit_test(test_all_options),	   cmocka_unit_test(test_bad_kind),
	    cmocka_unit_test(test_user),	   cmocka_unit_test(test_bad_user),
	    cmocka_unit_test(test_bad_option),	   cmocka_unit_test(test_bad_mac),
	    cmocka_unit_test(test_bad_ifname),	   cmocka_unit_test(test_bad_queues),
	    cmocka_unit_test(test_bad_fd),	   cmocka_unit_test(test_out_overwritten),
	    cmocka_unit_test(test_mac_round_trip), cmocka_unit_test(test_default_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
