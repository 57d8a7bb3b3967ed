#!/bin/sh
# bench-net.sh [MODE]: virtio-net figures for vmm, measured inside the
# emulated arm64 host (default mode 6.12-vhe), in one QEMU boot. Reported,
# never asserted.
#
# The guest (2 vCPUs, minimal kernel) has one NIC on a tap of the emulated
# host, 10.8.0.0/24. For vhost=off (vmm's userspace path) and vhost=on
# (vhost-net), guest/tools/netbench measures over one TCP connection each:
#   - guest -> host: BENCH_MB MiB (default 64), MB/s at the receiver
#   - host -> guest: the same the other way
#   - round trip: 200 one-byte request/responses (TCP_NODELAY), average and
#     best in microseconds; and ping's average over 20 echoes
# Then the same through --network user (passt, on an interface of the
# emulated host that looks like a LAN, 10.8.1.0/24): the guest sends to and
# reaches the host's loopback at its gateway's address, and the host
# reaches the guest through forward=tcp:5002:5002 and tcp:5003:5003 (no
# ping: nothing reaches a guest behind passt but forwarded ports). Last,
# boot time (vmm start to exit, guest mode report, 5 runs each) without a
# NIC and with a user NIC.
# The emulated host is TCG: absolute figures are far below a real arm64
# machine; compare rows with each other and runs of this script with each
# other.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-6.12-vhe}
mb=${BENCH_MB:-64}
# shellcheck disable=SC1091 # beside this script
. "$top/tests/rig/bench-lib.sh"
bench_mode "$mode"
case $mb in '' | *[!0-9]*) echo "bench-net: BENCH_MB: MiB" >&2; exit 2 ;; esac
bench_prepare bench-net
cp "$work/tools/netbench" "$p/"
aarch64-linux-gnu-gcc -static -O2 -o "$p/taptool" "$top/tests/rig/tools/taptool.c"
cp "$top/tests/rig/tools/offroot.sh" "$p/"
printf '#!/bin/sh\nmb=%s\n' "$mb" >"$p/run.sh"
cat >>"$p/run.sh" <<'EOS'
cd /payload
# listening PORT: wait (at most 600 s, while vmm runs) until the guest's
# netbench server on PORT is open. Behind passt a connect succeeds before
# that and is then reset, so a client cannot simply retry.
listening() {
	i=0
	while [ $i -lt 600 ] && kill -0 $vpid 2>/dev/null &&
		! tr -d '\r' <out | grep -q "^netbench: listening on $1"; do
		sleep 1
		i=$((i + 1))
	done
}
# A guest whose server never got its client would keep vmm running forever.
watchdog() {
	(sleep 300; kill $vpid 2>/dev/null) &
}
./taptool add bt0 && ip addr add 10.8.0.1/24 dev bt0 && ip link set bt0 up ||
	{ echo "BENCH error: no tap"; exit 1; }
for v in off on; do
	./netbench recv 5001 >h.recv 2>h.err &
	rpid=$!
	./vmm run -k Image -i guest.cpio.gz --cpus 2 --mem 512M --verbose \
		--network "tap,ifname=bt0,vhost=$v" \
		-p "quiet vmmtest=net-bench rig.ip=10.8.0.2/24 rig.peer=10.8.0.1 rig.mb=$mb" \
		</dev/null >out 2>&1 &
	vpid=$!
	listening 5002
	wait $rpid
	echo "BENCH $v g2h $(cat h.recv)"
	timeout 300 ./netbench send 10.8.0.2 5002 "$mb" || echo "BENCH error: vhost=$v: host send failed"
	listening 5003
	ping -c 20 -i 0.2 10.8.0.2 >h.ping 2>&1
	echo "BENCH $v ping $(tail -n1 h.ping)"
	echo "BENCH $v rr $(timeout 300 ./netbench rr 10.8.0.2 5003 200 2>&1)"
	watchdog
	wait $vpid
	rc=$?
	tr -d '\r' <out | sed -n "s/^GUEST netbench recv /BENCH $v h2g netbench recv /p"
	[ "$rc" = 0 ] || echo "BENCH error: vhost=$v: vmm status $rc: $(tr -d '\r' <out | grep -v '^GUEST' | tail -n1)"
	grep -q 'network 0:.*vhost-net' out && echo "BENCH $v path vhost-net" || echo "BENCH $v path userspace"
done
ip link set lo up
./taptool add bu0 && echo 0 >/proc/sys/net/ipv6/conf/bu0/accept_dad &&
	ip addr add 10.8.1.15/24 dev bu0 && ip -6 addr add fe80::15/64 dev bu0 &&
	ip -6 addr add fd00:8:1::15/64 dev bu0 &&
	ip link set bu0 up && ip route add default via 10.8.1.2 dev bu0 &&
	ip -6 route add default via fd00:8:1::2 dev bu0 ||
	echo "BENCH error: no interface for passt"
v=user
./netbench recv 5001 >h.recv 2>h.err &
rpid=$!
# Off the initramfs's rootfs, where passt cannot sandbox itself (offroot.sh).
unshare -m sh ./offroot.sh /payload ./vmm run -k Image -i guest.cpio.gz --cpus 2 --mem 512M --verbose \
	--network user,forward=tcp:5002:5002,forward=tcp:5003:5003 \
	-p "quiet vmmtest=net-user-bench rig.mb=$mb" </dev/null >out 2>&1 &
vpid=$!
listening 5002
wait $rpid
echo "BENCH $v g2h $(cat h.recv)"
timeout 300 ./netbench send 127.0.0.1 5002 "$mb" || echo "BENCH error: user: host send failed"
listening 5003
echo "BENCH $v rr $(timeout 300 ./netbench rr 127.0.0.1 5003 200 2>&1)"
watchdog
wait $vpid
rc=$?
tr -d '\r' <out | sed -n "s/^GUEST netbench recv /BENCH $v h2g netbench recv /p"
[ "$rc" = 0 ] || echo "BENCH error: user: vmm status $rc: $(tr -d '\r' <out | grep -v '^GUEST' | tail -n1)"
grep -q 'network 0: user (passt)' out && echo "BENCH $v path passt"
for n in none user; do
	net=
	[ $n = user ] && net="--network user"
	for i in 1 2 3 4 5; do
		t0=$(cut -d' ' -f1 /proc/uptime)
		# shellcheck disable=SC2086 # net is two words or none
		unshare -m sh ./offroot.sh /payload ./vmm run -k Image -i guest.cpio.gz --mem 256M $net -p "quiet vmmtest=report" \
			</dev/null >/dev/null 2>&1 || echo "BENCH error: boot $n: vmm status $?"
		t1=$(cut -d' ' -f1 /proc/uptime)
		echo "BENCH boot $n secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	done
done
EOS
chmod +x "$p/run.sh"
bench_boot "$mode" "$p" "$work/log"
grep '^BENCH' "$work/log" >"$work/b" || { echo "bench-net: no results; log:" >&2; tail -n 30 "$work/log" >&2; exit 1; }
grep '^BENCH error' "$work/b" >&2 || true
[ "${BENCH_RAW:-0}" = 1 ] && sed 's/^BENCH /  /' "$work/b"
awk -v mode="$mode" -v mb="$mb" '
	function val(k,   i, a) {
		for (i = 1; i <= NF; i++) if (split($i, a, "=") == 2 && a[1] == k) return a[2]
		return ""
	}
	$1 == "BENCH" && $2 != "error" {
		v = $2
		if ($3 == "g2h") g2h[v] = val("mbps")
		else if ($3 == "h2g") h2g[v] = val("mbps")
		else if ($3 == "rr") { rr[v] = val("avg_us"); rrmin[v] = val("min_us") }
		else if ($3 == "ping") { split($0, a, "= "); split(a[2], b, "/"); ping[v] = b[2] }
		else if ($3 == "path") path[v] = $4
		if (v == "boot") { boot[$3] += val("secs"); nboot[$3]++ }
	}
	function show(x) { return x == "" ? "-" : x }
	END {
		printf "vmm network benchmark, host %s (emulated arm64, TCG): one TCP connection, %s MiB\n", mode, mb
		printf "%-26s %12s %12s %12s %12s %10s\n", "", "guest->host", "host->guest", "TCP RR avg", "TCP RR best", "ping avg"
		printf "%-26s %12s %12s %12s %12s %10s\n", "vmm --network option", "MB/s", "MB/s", "us", "us", "ms"
		for (i = 0; i < 2; i++) {
			v = i ? "on" : "off"
			printf "%-26s %12s %12s %12s %12s %10s\n", "vhost=" v " (" show(path[v]) ")", show(g2h[v]), show(h2g[v]), show(rr[v]), show(rrmin[v]), show(ping[v])
		}
		printf "%-26s %12s %12s %12s %12s %10s\n", "user (" show(path["user"]) ")", show(g2h["user"]), show(h2g["user"]), show(rr["user"]), show(rrmin["user"]), "-"
		for (k in boot)
			printf "boot to power-off, %s NIC: %.2f s (average of %d)\n", k == "none" ? "no" : "a " k, boot[k] / nboot[k], nboot[k]
		printf "(MB = 10^6 bytes, measured by the receiver from its first byte to EOF)\n"
	}' "$work/b"
