#!/bin/sh
# mkhost.sh OUT.cpio.gz KVER PAYLOAD_DIR: initramfs for the emulated arm64
# host that runs vmm under (nested) KVM.
#   KVER         a kernel fetched by fetch.sh host: "6.12", "6.1" (the cache
#                directory) or its full release name
#   PAYLOAD_DIR  copied to /payload; its run.sh is run by /init
# The archive holds busybox (with applet links), the network and disk
# modules the tests will need (decompressed, with their dependencies, in load
# order), and an /init that mounts the usual file systems, loads the
# modules, prints the kernel's KVM mode line as "RIG host-mode: ...", mounts
# the scratch disk (the first virtio disk, ext4, if QEMU was given one) on
# /scratch, runs the payload and powers the machine off.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 OUT.cpio.gz KVER PAYLOAD_DIR" >&2; exit 2; }
out=$1 want=$2 payload=$3
here=$(cd "$(dirname "$0")" && pwd)
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
hostdir=$cache/host

die() { echo "mkhost: $*" >&2; exit 1; }

[ -d "$payload" ] || die "$payload: not a directory"
[ -f "$payload/run.sh" ] || die "$payload/run.sh: missing"
"$here/fetch.sh" host

kdir=
if [ -f "$hostdir/$want/.done" ]; then
	kdir=$hostdir/$want
else
	for d in "$hostdir"/*/; do
		[ -f "$d/kver" ] && [ "$(cat "$d/kver")" = "$want" ] && kdir=${d%/}
	done
fi
[ -n "$kdir" ] || die "kernel $want: not in $hostdir (known: $(cat "$hostdir"/*/kver 2>/dev/null | tr '\n' ' '))"
kver=$(cat "$kdir/kver")
moddir=$kdir/lib/modules/$kver

# Wanted modules; anything this kernel lacks (or has built in) is skipped.
# virtio_pci and virtio_blk: the scratch disk (QEMU's -drive if=virtio is
# virtio-blk over PCI; 6.12 has virtio_pci built in, 6.1 as a module; ext4
# is built into both).
modules=${RIG_MODULES:-"tun tap vhost vhost_net failover net_failover virtio_net virtio_pci virtio_blk"}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" \
	"$stage/etc" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" \
	"$stage/root" "$stage/lib/modules" "$stage/payload"
cp "$hostdir/busybox" "$stage/bin/busybox"
# The host's own kernel where distributions keep it: `vmm run` with no
# --kernel boots it (the run-no-args case).
mkdir -p "$stage/boot"
cp "$kdir/boot/vmlinuz-$kver" "$stage/boot/vmlinuz-$kver"

# Applet links from the native busybox when it is the same build (the arm64
# one cannot run here); else /init installs them at boot.
ver() { grep -a -o -m1 'BusyBox v[^ ]* ([^)]*)' "$1" 2>/dev/null | head -n1; }
native=$(command -v busybox || true)
if [ -n "$native" ] && [ "$(ver "$native")" = "$(ver "$hostdir/busybox")" ]; then
	for a in $("$native" --list-full); do
		[ -e "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
	done
else
	ln -s busybox "$stage/bin/sh"
fi

# --- modules: resolve "depends=" from each module's .modinfo, deps first --
modfile() { # NAME -> path of NAME.ko[.xz] (module names use _ , files may use -)
	alt=$(echo "$1" | tr _ -)
	find "$moddir/kernel" \( -name "$1.ko" -o -name "$1.ko.xz" \
		-o -name "$alt.ko" -o -name "$alt.ko.xz" \) 2>/dev/null | head -n1
}
modcat() { case $1 in *.xz) xz -dc "$1" ;; *) cat "$1" ;; esac; }
order=$stage/etc/modules.order
: >"$order"
add_module() {
	grep -qx "$1" "$order" && return 0
	f=$(modfile "$1")
	[ -n "$f" ] || return 0 # built in or absent
	deps=$(modcat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1 | tr ',' ' ')
	for d in $deps; do add_module "$d"; done
	# f is reassigned in the recursion: look it up again.
	f=$(modfile "$1")
	modcat "$f" >"$stage/lib/modules/$1.ko"
	echo "$1" >>"$order"
}
for m in $modules; do add_module "$m"; done

# --- the host's own modules tree, as a distribution installs it ----------
# /lib/modules/KVER/ with the files as the package ships them (compressed
# or not) for what vmm brings into a guest of this kernel (vmm/kmod.h) and
# their dependencies, plus the index files vmm reads. Debian's package has
# no modules.dep (its postinst runs depmod): it is written here from each
# module's "depends=", in depmod's format (paths relative to the tree).
vmm_modules="virtio_mmio virtio_blk virtio_net virtio_console virtio_rng fuse virtiofs overlay"
tree=$stage/lib/modules/$kver
mkdir -p "$tree"
cp "$moddir/modules.builtin" "$moddir/modules.order" "$tree/"
: >"$tree/modules.dep"
moddeps() { # NAME -> the module names its file depends on
	modcat "$(modfile "$1")" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1 | tr ',' ' '
}
add_tree_module() {
	[ -n "$(modfile "$1")" ] || return 0 # built in or absent
	for d in $(moddeps "$1"); do add_tree_module "$d"; done
	# The recursion reassigned every variable: look it all up again.
	f=$(modfile "$1")
	rel=${f#"$moddir"/}
	grep -q "^$rel:" "$tree/modules.dep" && return 0
	line="$rel:"
	for d in $(moddeps "$1"); do
		df=$(modfile "$d")
		[ -z "$df" ] || line="$line ${df#"$moddir"/}"
	done
	mkdir -p "$tree/${rel%/*}"
	cp "$f" "$tree/$rel"
	echo "$line" >>"$tree/modules.dep"
}
for m in $vmm_modules; do add_tree_module "$m"; done

cp -R "$payload"/. "$stage/payload/"

# passt for --network user, with its loader and C library (fetch.sh host).
if [ -f "$hostdir/passt/.done" ]; then
	cp -RP "$hostdir/passt/usr/." "$stage/usr/"
	cp -RP "$hostdir/passt/lib/." "$stage/lib/"
fi

cat >"$stage/init" <<'EOF'
#!/bin/sh
# Emulated-host init (written by tests/rig/mkhost.sh). No set -e: whatever
# fails, the machine must end with a power-off so QEMU exits.
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
[ -e /bin/mount ] || /bin/busybox --install -s 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Pseudo-terminals, for the cases that drive vmm's console as a person would.
mkdir -p /dev/pts
mount -t devpts -o ptmxmode=0666 devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
echo "RIG init uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"
for m in $(cat /etc/modules.order); do
	insmod "/lib/modules/$m.ko" >/dev/null 2>&1 || echo "RIG insmod $m failed"
done
# The mode line, e.g. "kvm [1]: VHE mode initialized successfully"; the
# other kvm lines follow for the log.
mode=$(dmesg | grep -i 'kvm \[' | grep -i 'mode initialized' | head -n1 | sed 's/^\[[^]]*\] *//')
echo "RIG host-mode: ${mode:-none}"
dmesg | grep -i 'kvm \[' | sed 's/^\[[^]]*\] */RIG kvm: /'
if [ -c /dev/kvm ]; then echo "RIG dev-kvm: yes"; else echo "RIG dev-kvm: no"; fi
echo "RIG cpus=$(nproc) memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
# The scratch disk: a real file system for disk images (O_DIRECT, holes),
# unlike the initramfs. Its driver may still be probing: wait a little.
if [ -d /sys/bus/pci/devices ] && grep -qs 0x1af4 /sys/bus/pci/devices/*/vendor; then
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
if [ -b /dev/vda ]; then
	mkdir -p /scratch
	if mount -t ext4 -o noatime /dev/vda /scratch; then
		echo "RIG scratch: $(df -k /scratch | awk 'NR == 2 { print $2 " KiB, " $4 " KiB free" }')"
	else
		echo "RIG scratch: mount /dev/vda failed"
	fi
else
	echo "RIG scratch: none"
fi
cd /payload && sh /payload/run.sh
echo "RIG payload-status: $?"
cd /
umount /scratch 2>/dev/null
echo "RIG done"
poweroff -f
EOF
chmod 0755 "$stage/init"

mkdir -p "$(dirname "$out")"
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -6n >"$out.tmp"
mv "$out.tmp" "$out"
