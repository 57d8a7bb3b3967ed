#!/bin/sh
# mkrootfs.sh OUT.img [SIZE]: an ext4 root file system for the test guest,
# to boot with `vmm run --kernel Image --disk OUT.img` (no initrd).
#   SIZE           the image size as mke2fs takes it (default 32M); the
#                  file is sparse
#   /bin/busybox   arm64 busybox-static from the cache (tests/rig/fetch.sh
#                  host), with its applet links
#   /sbin/init     guest/init (the kernel runs /sbin/init from a disk root);
#                  also /init, so the same tree works as an initramfs
#   /bin/<tool>    guest/tools/<tool>.c built static for arm64
#   /etc/vmm-rootfs  a stamp that guest/init reports ("GUEST rootfs=ok")
#   /proc /sys /dev /tmp /mnt  empty mount points
# Built with `mke2fs -d` from a staging directory: no root privileges, no
# loop mounts. Files belong to root:root in the image whoever builds it.
set -eu
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 OUT.img [SIZE]" >&2; exit 2; }
out=$1
size=${2:-32M}
here=$(cd "$(dirname "$0")" && pwd)
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
busybox=$cache/host/busybox
cc=${CROSS_COMPILE:-aarch64-linux-gnu-}gcc

die() { echo "mkrootfs: $*" >&2; exit 1; }

if [ ! -x "$busybox" ]; then
	"$here/../tests/rig/fetch.sh" host
fi
command -v "$cc" >/dev/null || die "$cc not found (apt-get install gcc-aarch64-linux-gnu)"
mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
[ -x "$mke2fs" ] || die "mke2fs not found (apt-get install e2fsprogs)"

stage=$(mktemp -d)
trap 'rm -rf "$stage" "$out.tmp"' EXIT
mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" \
	"$stage/etc" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" \
	"$stage/mnt" "$stage/root"
chmod 1777 "$stage/tmp"
cp "$busybox" "$stage/bin/busybox"

# Applet links, as in mkinitramfs.sh: from the native busybox when it is the
# very same build, else only sh and guest/init installs them at boot.
ver() { grep -a -o -m1 'BusyBox v[^ ]* ([^)]*)' "$1" 2>/dev/null | head -n1; }
native=$(command -v busybox || true)
if [ -n "$native" ] && [ "$(ver "$native")" = "$(ver "$busybox")" ]; then
	for a in $("$native" --list-full); do
		[ -e "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
	done
else
	ln -s busybox "$stage/bin/sh"
fi

# busybox's own init applet is a link at /sbin/init: ours replaces it.
rm -f "$stage/sbin/init" "$stage/linuxrc"
install -m 0755 "$here/init" "$stage/sbin/init"
install -m 0755 "$here/init" "$stage/init"
echo vmm-test-rootfs >"$stage/etc/vmm-rootfs"

for src in "$here"/tools/*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	$cc -static -O2 -s -Wall -Wextra -o "$stage/bin/$name" "$src"
done

mkdir -p "$(dirname "$out")"
rm -f "$out.tmp"
: >"$out.tmp" # else mke2fs says "Creating regular file"
# Fixed times, label and UUID (the journal and inode generations still vary).
find "$stage" -exec touch -h -d @0 {} +
E2FSPROGS_FAKE_TIME=1 "$mke2fs" -q -t ext4 -F -L vmm-rootfs \
	-U 7a6d6d00-0000-4000-8000-000000000001 -E root_owner=0:0,hash_seed=7a6d6d00-0000-4000-8000-000000000002 \
	-d "$stage" "$out.tmp" "$size" || die "mke2fs failed"
# mke2fs -d copies each file's owner: built by a user, give them to root.
if [ "$(id -u)" != 0 ]; then
	command -v debugfs >/dev/null || die "debugfs not found (apt-get install e2fsprogs)"
	(cd "$stage" && find . -mindepth 1) | sed 's|^\.||' |
		awk '{ print "sif " $0 " uid 0"; print "sif " $0 " gid 0" }' >"$stage.cmds"
	debugfs -w -f "$stage.cmds" "$out.tmp" >/dev/null 2>&1 || die "debugfs (owners) failed"
	rm -f "$stage.cmds"
fi
mv "$out.tmp" "$out"
