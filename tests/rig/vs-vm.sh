#!/bin/sh
# vs-vm.sh WHO ARGS...: run one guest under WHO (vmm or kvmtool) with the
# machine both VMMs get in tests/rig/bench-vs.sh: the payload's kernel and
# initramfs, 2 vCPUs, 256 MiB, GICv3, virtio-mmio, 8250 console (both add
# console=ttyS0). ARGS are the VMM's own device options and -p PARAMS.
# Runs in the emulated host from the payload directory; it execs the VMM,
# so its pid and its CPU time are the VMM's.
who=$1
shift
case $who in
vmm) exec ./vmm run -k Image -i guest.cpio.gz --cpus 2 --mem 256M "$@" ;;
# kvmtool keeps its control sockets under $HOME/.lkvm.
kvmtool)
	export HOME=/tmp
	exec ./lkvm run -k Image -i guest.cpio.gz -c 2 -m 256 \
	--irqchip=gicv3 --virtio-transport=mmio "$@" ;;
*) echo "vs-vm: unknown VMM '$who'" >&2; exit 2 ;;
esac
