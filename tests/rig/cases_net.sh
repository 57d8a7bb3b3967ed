# Cases for virtio-net on a tap. Sourced by run-cases.sh (its helpers: pass,
# fail, vmm_run, bad, badk, guest, field, wait_for...). All traffic stays
# inside the emulated host: each tap gets a /24 of its own, the host at .1
# and the guest at .2. Taps are named rigtap*, VMs rig-n*.
TAPTOOL=$P/taptool
NETBENCH=$P/netbench
NET_MB=${RIG_NET_MB:-64}

# tap_up NAME NET [UID [mq]]: a persistent tap NAME owned by UID, the host
# at NET.1/24 on it, up.
tap_up() {
	"$TAPTOOL" del "$1" >/dev/null 2>&1
	"$TAPTOOL" add "$1" "${3:-0}" ${4:-} || return 1
	ip addr add "$2.1/24" dev "$1" && ip link set "$1" up
}

tap_down() {
	"$TAPTOOL" del "$1" >/dev/null 2>&1
}

# nic_line IF: the guest's "GUEST nic IF ..." line.
nic_line() {
	sed -n "s/^GUEST nic $1 //p" all | head -n1
}

# offloads_on BITS: the guest's negotiated virtio-net features (a string of
# 0/1, bit 0 first) include CSUM (0), GUEST_CSUM (1), MAC (5), GUEST_TSO4
# (7), HOST_TSO4 (11), MRG_RXBUF (15) and STATUS (16).
offloads_on() {
	for b in 0 1 5 7 11 15 16; do
		[ "$(echo "$1" | cut -c$((b + 1)))" = 1 ] || return 1
	done
}

# net_transfer NAME VHOST [PAIRS [MIB]]: over rigtap0, ping both ways and
# MIB (default NET_MB) MiB each way, checked by the receiver with prng -c; vmm's verbose line
# must name the path (vhost-net or userspace) it took, and the guest must
# see PAIRS (default 1) queue pairs. With PAUSE 1, the VM is paused for 2 s
# while the host sends (vhost-net's tap comes off and goes back on), and
# the data must still arrive whole.
net_transfer() {
	name=$1 vhost=$2 pairs=${3:-1} mb=${4:-$NET_MB} pause=${5:-0} mq=
	[ "$pairs" -gt 1 ] && mq=mq
	tap_up rigtap0 10.9.0 0 $mq || { fail "$name" "cannot make tap rigtap0"; return; }
	seed=$(($$ % 1000 + 7))
	rm -f h.recv h.sent h.ping p.rc
	: >log
	# The host's ends: a listener for the guest's send, then (once the guest
	# listens) a sender, and a ping while the guest is up.
	# Every host-side transfer is bounded: a guest gone mid-transfer leaves
	# TCP retrying for many minutes.
	(timeout 600 "$NETBENCH" get 5001 | "$PRNG" -c "$seed" "${mb}M" - >h.recv 2>&1) &
	timeout 600 "$VMM" run --name "rig-$name" --verbose --kernel "$KERNEL" \
		--initrd "$INITRD" --mem 512M --cpus 2 --console-log "$PWD/log" \
		--network "tap,ifname=rigtap0,mac=52:54:00:12:34:56,vhost=$vhost,queues=$pairs" \
		--params "vmmtest=net quiet rig.ip=10.9.0.2/24 rig.peer=10.9.0.1 rig.mb=$mb rig.seed=$seed" \
		</dev/null >out 2>err &
	vpid=$!
	# Until the guest listens, or vmm ends.
	i=0
	while [ $i -lt 300 ] && kill -0 "$vpid" 2>/dev/null &&
		! tr -d '\r' <log | grep -q '^GUEST listening'; do
		sleep 1
		i=$((i + 1))
	done
	if tr -d '\r' <log | grep -q '^GUEST listening'; then
		ping -c 3 -W 10 10.9.0.2 >h.ping 2>&1 && echo ok >>h.ping
		if [ "$pause" = 1 ]; then
			(sleep 0.3; "$VMM" pause "rig-$name" >p.out 2>&1; echo "$?" >p.rc
			 sleep 2; "$VMM" resume "rig-$name" >>p.out 2>&1; echo "$?" >>p.rc) &
		fi
		"$PRNG" $((seed + 1)) "${mb}M" | timeout 300 "$NETBENCH" put 10.9.0.2 5002 2>h.puterr
		echo "$?" >h.sent
	fi
	wait "$vpid"
	rc=$?
	# A listener the guest never reached: an empty connection ends it.
	timeout 10 "$NETBENCH" put 127.0.0.1 5001 </dev/null >/dev/null 2>&1
	wait
	tap_down rigtap0
	tr -d '\r' <log >all
	cat err >>all
	want=vhost-net
	[ "$vhost" = off ] && want=userspace
	if [ "$rc" != 0 ]; then
		fail "$name" "status $rc, want 0: $(why)"
	elif ! grep -q "rigtap0.*$want" err; then
		fail "$name" "vmm did not say it uses $want: $(grep -i 'net' err | head -n1)"
	elif [ "$(field "$(nic_line eth0)" mac)" != 52:54:00:12:34:56 ]; then
		fail "$name" "the guest's MAC: $(nic_line eth0)"
	elif [ "$(field "$(nic_line eth0)" carrier)" != 1 ]; then
		fail "$name" "the guest's link is not up: $(nic_line eth0)"
	elif ! offloads_on "$(field "$(nic_line eth0)" features)"; then
		fail "$name" "negotiated features lack one of CSUM GUEST_CSUM MAC GUEST_TSO4 HOST_TSO4 MRG_RXBUF STATUS: $(field "$(nic_line eth0)" features)"
	elif [ "$(field "$(nic_line eth0)" rxqueues)" != "$pairs" ]; then
		fail "$name" "the guest has $(field "$(nic_line eth0)" rxqueues) receive queues, want $pairs"
	elif [ "$(guest ping0)" != ok ]; then
		fail "$name" "guest -> host ping: $(guest ping0)"
	elif [ "$(tail -n1 h.ping 2>/dev/null)" != ok ]; then
		fail "$name" "host -> guest ping: $(tail -n2 h.ping | head -n1)"
	elif [ "$(guest sent)" != 0 ]; then
		fail "$name" "the guest's send: status $(guest sent)"
	elif [ "$(cat h.recv)" != prng=ok ]; then
		fail "$name" "host received other than the guest sent: $(cat h.recv)"
	elif [ "$(cat h.sent 2>/dev/null)" != 0 ]; then
		fail "$name" "the host's send: status $(cat h.sent 2>/dev/null): $(cat h.puterr 2>/dev/null)"
	elif [ "$(guest recv)" != ok ]; then
		fail "$name" "guest received other than the host sent: $(guest recv)"
	elif [ "$pause" = 1 ] && [ "$(tr '\n' ' ' <p.rc 2>/dev/null)" != "0 0 " ]; then
		fail "$name" "pause/resume mid-transfer: $(tr '\n' ' ' <p.out 2>/dev/null)"
	else
		pass "$name"
	fi
}

# vmm pause mid-transfer with vhost-net: the kernel's worker is detached
# from the tap while paused, and nothing is lost.
case_net_vhost_pause() { #rig: all-modes lock=net
	net_transfer net-vhost-pause on 1 "$NET_MB" 1
}

case_net_userspace() { #rig: all-modes lock=net
	net_transfer net-userspace off
}

case_net_vhost() { #rig: all-modes lock=net
	[ -c /dev/vhost-net ] || { fail net-vhost "no /dev/vhost-net in the host"; return; }
	net_transfer net-vhost on
}

# Multiqueue: two queue pairs on a multi-queue tap, one per vCPU, both ways
# (the guest turns the second pair on through the control queue).
case_net_mq() { #rig: all-modes lock=net
	net_transfer net-mq off 2 16
}

case_net_mq_vhost() { #rig: all-modes lock=net
	[ -c /dev/vhost-net ] || { fail net-mq-vhost "no /dev/vhost-net in the host"; return; }
	net_transfer net-mq-vhost on 2 16
}

# Two NICs: each answers pings on its own subnet; the second has the
# default MAC (stable for a name, locally administered) and link=down is
# what a third NIC's guest sees.
case_net_two_nics() { #rig: lock=net
	tap_up rigtap1 10.9.1 && tap_up rigtap2 10.9.2 && tap_up rigtap3 10.9.3 ||
		{ fail net-two-nics "cannot make the taps"; return; }
	vmm_run "$BOOT_SECS" --name rig-n2 --kernel "$KERNEL" --initrd "$INITRD" \
		--network tap,ifname=rigtap1,mac=02:00:00:00:01:01 --network tap,ifname=rigtap2 \
		--network tap,ifname=rigtap3,link=down \
		--params "vmmtest=net quiet rig.mb=0 rig.ip=10.9.1.2/24 rig.peer=10.9.1.1 rig.ip1=10.9.2.2/24 rig.peer1=10.9.2.1"
	cp all first
	mac1=$(field "$(nic_line eth1)" mac)
	vmm_run "$BOOT_SECS" --name rig-n2 --kernel "$KERNEL" --initrd "$INITRD" \
		--network tap,ifname=rigtap1,mac=02:00:00:00:01:01 --network tap,ifname=rigtap2 \
		--params "vmmtest=net-info quiet"
	again=$(field "$(nic_line eth1)" mac)
	cp all second
	cp first all
	tap_down rigtap1
	tap_down rigtap2
	tap_down rigtap3
	first_byte=$((0x${mac1%%:*}))
	if [ "$(grep -c '^GUEST nic' all)" != 3 ]; then
		fail net-two-nics "the guest sees $(grep -c '^GUEST nic' all) NICs, want 3"
	elif [ "$(field "$(nic_line eth0)" mac)" != 02:00:00:00:01:01 ]; then
		fail net-two-nics "eth0's MAC: $(nic_line eth0)"
	elif [ -z "$mac1" ] || [ $((first_byte & 3)) != 2 ]; then
		fail net-two-nics "eth1's default MAC '$mac1' is not locally administered unicast"
	elif [ "$again" != "$mac1" ]; then
		fail net-two-nics "the default MAC changed between boots: $mac1, then $again"
	elif [ "$(field "$(nic_line eth2)" carrier)" != 0 ]; then
		fail net-two-nics "link=down: the guest sees $(nic_line eth2)"
	elif [ "$(guest ping0)" != ok ] || [ "$(guest ping1)" != ok ]; then
		fail net-two-nics "pings: eth0 $(guest ping0), eth1 $(guest ping1)"
	else
		pass net-two-nics
	fi
}

# No ifname: vmm (root here) creates the tap, says its name, and it goes
# away with vmm.
case_net_created() { #rig: lock=net
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --network tap \
		--params "vmmtest=net-info quiet"
	tap=$(sed -n 's/.*created tap \([a-z0-9]*\).*/\1/p' err | head -n1)
	if [ "$rc" != 0 ]; then
		fail net-created "$(status_text), want 0: $(why)"
	elif [ -z "$tap" ]; then
		fail net-created "vmm did not print the tap it created: $(head -n2 err | tr '\n' '|')"
	elif [ "$(field "$(nic_line eth0)" carrier)" != 1 ]; then
		fail net-created "the guest's NIC: $(nic_line eth0)"
	elif [ -e "/sys/class/net/$tap" ]; then
		fail net-created "$tap outlived vmm"
	else
		pass net-created
	fi
}

# fd=N: a tap opened by the parent, the way an orchestrator hands it over.
case_net_fd() { #rig: lock=net
	tap_up rigtapf 10.9.4 || { fail net-fd "cannot make tap rigtapf"; return; }
	timeout "$BOOT_SECS" "$TAPTOOL" pass rigtapf 5 -- "$VMM" run --kernel "$KERNEL" \
		--initrd "$INITRD" --network tap,fd=5,vhost=off \
		--params "vmmtest=net quiet rig.mb=0 rig.ip=10.9.4.2/24 rig.peer=10.9.4.1" \
		</dev/null >out 2>err
	rc=$?
	cat out err | tr -d '\r' >all
	tap_down rigtapf
	if [ "$rc" != 0 ]; then
		fail net-fd "$(status_text), want 0: $(why)"
	elif [ "$(guest ping0)" != ok ]; then
		fail net-fd "ping over the passed tap: $(guest ping0)"
	else
		pass net-fd
	fi
}

case_bad_net_mac() { #rig: lock=net
	badk bad-net-mac 2 'MAC|mac' --network tap,mac=52:54:00:zz:34:56
}
case_bad_net_ifname() { #rig: lock=net
	badk bad-net-ifname 2 'ifname' --network tap,ifname=averyveryverylongname
}
case_bad_net_missing() { #rig: lock=net
	badk bad-net-missing 3 'rignosuchtap' --network tap,ifname=rignosuchtap
}
case_bad_net_fd() { #rig: lock=net
	badk bad-net-fd 3 'fd 5.*not a tap' --network tap,fd=5 5</dev/null
}
case_bad_net_novnet() { #rig: lock=net
	tap_up rigtapv 10.9.5 || { fail bad-net-novnet "cannot make tap rigtapv"; return; }
	timeout "$BAD_SECS" "$TAPTOOL" pass rigtapv 5 novnet -- "$VMM" run --kernel "$KERNEL" \
		--initrd "$INITRD" --params "$PARAMS" --network tap,fd=5 </dev/null >out 2>err
	rc=$?
	cat out err | tr -d '\r' >all
	tap_down rigtapv
	check_bad bad-net-novnet 3 'VNET_HDR|virtio-net header'
}

# as_user1000 ARGS...: `vmm run ARGS` as uid 1000, with /dev/kvm and
# /dev/net/tun open to everyone as distributions set them (devtmpfs here
# leaves them 0600); output as vmm_run's.
as_user1000() {
	km=$(stat -c %a /dev/kvm) tm=$(stat -c %a /dev/net/tun)
	chmod 0666 /dev/kvm /dev/net/tun
	timeout "$BOOT_SECS" "$TAPTOOL" asuser 1000 -- "$VMM" run "$@" </dev/null >out 2>err
	rc=$?
	cat out err | tr -d '\r' >all
	chmod "$km" /dev/kvm
	chmod "$tm" /dev/net/tun
}

# Without CAP_NET_ADMIN (uid 1000) vmm cannot create a tap: it says so and
# shows the ifname= way; the named tap of that user works.
case_bad_net_perm() { #rig: lock=net lock=kvm-perm
	as_user1000 --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS" --network tap
	check_bad bad-net-perm 4 'CAP_NET_ADMIN.*ifname='
}

# An unprivileged user on a tap an administrator made for it.
case_net_user_tap() { #rig: lock=net lock=kvm-perm
	tap_up rigtapu 10.9.6 1000 || { fail net-user-tap "cannot make tap rigtapu"; return; }
	as_user1000 --kernel "$KERNEL" --initrd "$INITRD" --network tap,ifname=rigtapu \
		--params "vmmtest=net quiet rig.mb=0 rig.ip=10.9.6.2/24 rig.peer=10.9.6.1"
	tap_down rigtapu
	if [ "$rc" != 0 ]; then
		fail net-user-tap "uid 1000 on its own tap: $(status_text), want 0: $(why)"
	elif [ "$(guest ping0)" != ok ]; then
		fail net-user-tap "ping: $(guest ping0)"
	else
		pass net-user-tap
	fi
}
