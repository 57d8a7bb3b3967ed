# Cases for --network user (passt), run by uid 1000: no capabilities, and
# /dev/net/tun stays closed to it (root's 0600). Sourced by run-cases.sh.
#
# passt copies the host's addresses and routes for its guest, so the
# emulated host gets an interface that looks like a LAN: rigtapp (a tap
# nobody reads, so nothing leaves the emulated host) with 10.9.8.15/24 and
# fd00:9:8::15/64, default routes via .2 and ::2, and a resolv.conf naming
# 10.9.8.53. The guest gets 10.9.8.15 by DHCP, router 10.9.8.2 and DNS
# 10.9.8.53; TCP to the router's address reaches the host's loopback
# (passt maps the gateway to the host). passt answers ICMP only by
# sending real echoes from the host (ping sockets, which need
# net.ipv4.ping_group_range), and the router here is not a machine, so the
# guest pings 192.0.2.77, an address on the host's loopback, and the TCP
# transfers from the host's loopback through the router's address are what
# shows the router works. Taps are named rigtap*, VMs rig-u*.
#
# vmm runs off the initramfs's rootfs (tools/offroot.sh): passt cannot
# sandbox itself on rootfs, where pivot_root fails.
OFFROOT=$P/offroot.sh

# user_run SECS ARGS...: `vmm run ARGS` as uid 1000, off rootfs, stdin
# from /dev/null, within SECS.
user_run() {
	secs=$1
	shift
	timeout "$secs" unshare -m sh "$OFFROOT" "$PWD" "$TAPTOOL" asuser 1000 -- \
		"$VMM" run "$@" </dev/null
}

# user_host_up: rigtapp, routes, resolv.conf, ping sockets for every group,
# /dev/kvm open to all (as distributions set it). user_host_down undoes it.
user_host_up() {
	UN_KVM=$(stat -c %a /dev/kvm)
	UN_PING=$(cat /proc/sys/net/ipv4/ping_group_range)
	"$TAPTOOL" del rigtapp >/dev/null 2>&1
	"$TAPTOOL" add rigtapp 0 || return 1
	# The host's loopback, where passt takes the guest's connections to the
	# gateway, is down in the emulated host until someone brings it up.
	ip link set lo up
	# No carrier ever comes: without this the IPv6 address stays tentative.
	echo 0 >/proc/sys/net/ipv6/conf/rigtapp/accept_dad
	ip addr del 192.0.2.77/32 dev lo >/dev/null 2>&1
	# passt answers the guest's NDP from the host's link-local address,
	# and a link without carrier gets none by itself: without it passt
	# leaves IPv6 off ("Template interface: rigtapp (IPv4)").
	ip -6 addr add fe80::15/64 dev rigtapp &&
		ip addr add 10.9.8.15/24 dev rigtapp &&
		ip addr add 192.0.2.77/32 dev lo &&
		ip -6 addr add fd00:9:8::15/64 dev rigtapp &&
		ip link set rigtapp up &&
		ip route add default via 10.9.8.2 dev rigtapp &&
		ip -6 route add default via fd00:9:8::2 dev rigtapp || return 1
	echo "nameserver 10.9.8.53" >/etc/resolv.conf
	echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range
	chmod 0666 /dev/kvm
	# The case's files are written by uid 1000 (console logs).
	chmod 0777 .
}

user_host_down() {
	"$TAPTOOL" del rigtapp >/dev/null 2>&1
	ip addr del 192.0.2.77/32 dev lo >/dev/null 2>&1
	rm -f /etc/resolv.conf
	echo "$UN_PING" >/proc/sys/net/ipv4/ping_group_range
	chmod "$UN_KVM" /dev/kvm
}

# as_user ARGS...: ARGS as uid 1000.
as_user() {
	"$TAPTOOL" asuser 1000 -- "$@"
}

# user_vm N SPORT FPORT MB SEED [HOLD]: VM rig-uN with --network user and
# forward=tcp:FPORT:5002, in directory N. The host serves MB MiB of prng
# SEED on 127.0.0.1:SPORT; once the guest listens, `vmm info --json` goes
# to N/info and MB MiB of SEED+1 go to 127.0.0.1:FPORT (N/sent: status).
# With HOLD 1 the guest only starts the download and waits for its link
# to go down; the caller kills passt. N/rc: vmm's status; N/all: console
# and stderr.
user_vm() {
	n=$1 sport=$2 fport=$3 mb=$4 seed=$5 hold=${6:-0}
	mkdir -p "$n"
	chmod 0777 "$n"
	# Not made here: vmm (uid 1000) creates its console log itself.
	rm -f "$n/log"
	("$PRNG" "$seed" "${mb}M" | timeout 300 "$NETBENCH" serve "$sport" >"$n/serve" 2>&1) &
	spid=$!
	user_run 300 --name "rig-u$n" --verbose \
		--kernel "$KERNEL" --initrd "$INITRD" --mem 256M --console-log "$PWD/$n/log" \
		--network "user,forward=tcp:$fport:5002" \
		--params "vmmtest=net-user quiet rig.ping=192.0.2.77 rig.port=$sport rig.mb=$mb rig.seed=$seed rig.hold=$hold" \
		>"$n/out" 2>"$n/err" &
	vpid=$!
	want='^netbench: listening on 5002'
	[ "$hold" = 1 ] && want='^GUEST holding'
	i=0
	while [ $i -lt 200 ] && kill -0 "$vpid" 2>/dev/null &&
		! tr -d '\r' <"$n/log" 2>/dev/null | grep -q "$want"; do
		sleep 1
		i=$((i + 1))
	done
	if tr -d '\r' <"$n/log" 2>/dev/null | grep -q "$want"; then
		as_user "$VMM" info --json "rig-u$n" >"$n/info" 2>&1
		if [ "$hold" = 1 ]; then
			# Mid-transfer: the guest's download has started.
			sleep 2
			pid=$(sed -n 's/.*"passt_pid": *\([0-9]*\).*/\1/p' "$n/info")
			[ -n "$pid" ] && kill -9 "$pid"
			echo "${pid:-none}" >"$n/killed"
		else
			"$PRNG" $((seed + 1)) "${mb}M" |
				timeout 300 "$NETBENCH" put 127.0.0.1 "$fport" 2>"$n/puterr"
			echo "$?" >"$n/sent"
		fi
	fi
	wait "$vpid"
	echo "$?" >"$n/rc"
	# A server the guest never reached (or left): a fetch ends it.
	kill -0 "$spid" 2>/dev/null && timeout 10 "$NETBENCH" fetch 127.0.0.1 "$sport" >/dev/null 2>&1
	tr -d '\r' <"$n/log" >"$n/all" 2>/dev/null
	cat "$n/err" >>"$n/all"
}

# ug N KEY: the guest's "GUEST KEY=value" (or "GUEST KEY value") in N.
ug() {
	sed -n "s/^GUEST $2[= ]//p" "$1/all" | head -n1
}

# user_vm_ok NAME N MB: everything user_vm N should have seen; fails the case
# NAME and returns 1 otherwise.
user_vm_ok() {
	c=$1 n=$2 mb=$3
	line=$(sed -n 's/^GUEST nic eth0 //p' "$n/all" | head -n1)
	feats=$(field "$line" features)
	rx=$(sed -n 's/.*"rx_bytes": *\([0-9]*\).*/\1/p' "$n/info" 2>/dev/null | head -n1)
	if [ "$(cat "$n/rc")" != 0 ]; then
		fail "$c" "VM $n: status $(cat "$n/rc"), want 0: dhcp $(ug "$n" dhcp); recv $(ug "$n" recv); $(sed -n 's/^GUEST diag //p' "$n/all" | tr '\n' '|'); info $(tr -d ' \n' <"$n/info" 2>/dev/null | grep -o '"nics".*' | cut -c1-300)"
	elif ! grep -q 'network 0: user (passt)' "$n/err"; then
		fail "$c" "VM $n: vmm did not say it uses passt: $(grep -i net "$n/err" | head -n1)"
	elif [ "$(echo "$feats" | cut -c1)" != 0 ] || [ "$(echo "$feats" | cut -c6)" != 1 ] ||
		[ "$(echo "$feats" | cut -c16-17)" != 11 ]; then
		fail "$c" "VM $n: features $feats: want MAC, MRG_RXBUF and STATUS, no CSUM"
	elif ! ug "$n" dhcp | grep -q '^ip=10\.9\.8\.15 router=10\.9\.8\.2 dns=10\.9\.8\.53 '; then
		fail "$c" "VM $n: DHCP gave '$(ug "$n" dhcp)'"
	elif ! ug "$n" ipv6 | grep -q '^fd00:9:8:'; then
		fail "$c" "VM $n: no IPv6 address from passt's advertisement: $(ug "$n" ipv6)"
	elif [ "$(ug "$n" ping0)" != ok ]; then
		fail "$c" "VM $n: ping through passt: $(ug "$n" ping0)"
	elif [ "$(ug "$n" recv)" != ok ]; then
		fail "$c" "VM $n: download from the host's loopback: $(ug "$n" recv)"
	elif [ "$(cat "$n/sent" 2>/dev/null)" != 0 ]; then
		fail "$c" "VM $n: the host's send to the forwarded port: status $(cat "$n/sent" 2>/dev/null): $(cat "$n/puterr" 2>/dev/null)"
	elif [ "$(ug "$n" fwd)" != ok ]; then
		fail "$c" "VM $n: data through the forwarded port: $(ug "$n" fwd)"
	elif [ -z "$rx" ] || [ "$rx" -lt $((mb << 20)) ]; then
		fail "$c" "VM $n: vmm info's rx_bytes '$rx' is below the $mb MiB received: $(head -c 300 "$n/info")"
	elif pidof passt >/dev/null; then
		fail "$c" "passt outlived vmm (pid $(pidof passt))"
	else
		return 0
	fi
	return 1
}

# As an ordinary user: DHCP, IPv6, ping, 64 MiB from the host's loopback
# with the bytes checked, 64 MiB back in through a forwarded port.
case_user_net() { #rig: lock=net lock=kvm-perm
	if ! user_host_up; then
		user_host_down
		fail user-net "cannot set up rigtapp"
		return
	fi
	user_vm 1 5001 5022 "$NET_MB" $(($$ % 1000 + 11))
	user_host_down
	cp 1/all all
	user_vm_ok user-net 1 "$NET_MB" && pass user-net
}

# Two VMs with user networking at once, each its own passt and forward.
case_user_net_two() { #rig: lock=net lock=kvm-perm
	if ! user_host_up; then
		user_host_down
		fail user-net-two "cannot set up rigtapp"
		return
	fi
	user_vm 2 5101 5122 8 21 &
	user_vm 3 5102 5123 8 31
	wait
	user_host_down
	cat 2/all 3/all >all
	user_vm_ok user-net-two 2 8 && user_vm_ok user-net-two 3 8 && pass user-net-two
}

# passt killed (SIGKILL) mid-download: vmm logs it, the guest sees its link
# go down, and vmm runs on until the guest powers off (status 0).
case_user_net_passt_killed() { #rig: lock=net lock=kvm-perm
	if ! user_host_up; then
		user_host_down
		fail user-net-passt-killed "cannot set up rigtapp"
		return
	fi
	user_vm 4 5201 5222 256 41 1
	user_host_down
	cp 4/all all
	if [ "$(cat 4/killed 2>/dev/null)" = none ] || [ ! -f 4/killed ]; then
		fail user-net-passt-killed "no passt pid in vmm info: $(head -c 300 4/info 2>/dev/null)"
	elif [ "$(cat 4/rc)" != 0 ]; then
		fail user-net-passt-killed "status $(cat 4/rc), want 0 (vmm must go on): $(grep -v '^Terminated$' 4/err | head -n1)"
	elif ! grep -q "network 0: passt (pid $(cat 4/killed)) killed by signal 9" 4/err; then
		fail user-net-passt-killed "vmm did not log passt's end: $(grep -i passt 4/err | tail -n2 | tr '\n' '|')"
	elif [ "$(ug 4 carrier)" != 0 ]; then
		fail user-net-passt-killed "the guest's link: carrier=$(ug 4 carrier), want 0"
	else
		pass user-net-passt-killed
	fi
}

# passt missing: status 14 and one line saying how to install it, for a
# passt= that does not exist and for no passt on PATH.
case_bad_user_net_no_passt() { #rig: lock=kvm-perm
	chmod 0777 .
	km=$(stat -c %a /dev/kvm)
	chmod 0666 /dev/kvm
	timeout "$BAD_SECS" "$TAPTOOL" asuser 1000 -- "$VMM" run --kernel "$KERNEL" \
		--initrd "$INITRD" --params "$PARAMS" --network user,passt=/nonexistent/passt \
		</dev/null >out 2>err
	rc=$?
	cat out err | tr -d '\r' >all
	chmod "$km" /dev/kvm
	check_bad bad-user-net-no-passt 14 'network 0: passt=/nonexistent/passt.*apt-get install passt'
}

case_bad_user_net_not_on_path() {
	timeout "$BAD_SECS" env PATH=/nonexistent "$VMM" run --kernel "$KERNEL" \
		--initrd "$INITRD" --params "$PARAMS" --network user </dev/null >out 2>err
	rc=$?
	cat out err | tr -d '\r' >all
	check_bad bad-user-net-not-on-path 14 'passt: not found on PATH.*apt-get install passt'
}

# vmm killed with SIGKILL: its passt goes too (its socket closes, and the
# parent-death signal), nothing of it is left running.
case_user_net_vmm_killed() { #rig: lock=net lock=kvm-perm
	if ! user_host_up; then
		user_host_down
		fail user-net-vmm-killed "cannot set up rigtapp"
		return
	fi
	rm -f log
	user_run 120 --name rig-u5 --kernel "$KERNEL" \
		--initrd "$INITRD" --mem 256M --console-log "$PWD/log" --network user \
		--params "vmmtest=hold quiet rig.hold=100" >out 2>err &
	wait_for '^GUEST holding' log 60
	vpid=$(cat /tmp/vmm-1000/rig-u5.lock 2>/dev/null | tr -cd '0-9')
	ppid=$(as_user "$VMM" info --json rig-u5 2>/dev/null | sed -n 's/.*"passt_pid": *\([0-9]*\).*/\1/p')
	[ -n "$vpid" ] && kill -9 "$vpid"
	i=0
	while [ $i -lt 50 ] && [ -n "$ppid" ] && [ -d "/proc/$ppid" ] &&
		! grep -q '^State:.*[ZX]' "/proc/$ppid/status" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	wait
	user_host_down
	tr -d '\r' <log >all 2>/dev/null
	cat err >>all
	if [ -z "$vpid" ] || [ -z "$ppid" ]; then
		fail user-net-vmm-killed "no vmm pid ($vpid) or passt pid ($ppid)"
	elif [ -d "/proc/$ppid" ] && ! grep -q '^State:.*[ZX]' "/proc/$ppid/status" 2>/dev/null; then
		kill -9 "$ppid"
		fail user-net-vmm-killed "passt (pid $ppid) outlived vmm killed with SIGKILL by 5 s"
	else
		pass user-net-vmm-killed
	fi
}
