#!/bin/sh
# mkinitramfs.sh OUT.cpio.gz: the test guest's initramfs.
#   /bin/busybox   arm64 busybox-static from the cache (tests/rig/fetch.sh
#                  host), with its applet links
#   /init          guest/init
#   /bin/<tool>    guest/tools/<tool>.c built static for arm64
#   /etc/vmm-initrd  a stamp that guest/init checks ("GUEST initrd=ok")
# Set TOOLS_DIR=DIR to also keep the built tools there (the rig copies
# counter into the emulated host).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT.cpio.gz" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "$0")" && pwd)
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
busybox=$cache/host/busybox
cc=${CROSS_COMPILE:-aarch64-linux-gnu-}gcc

if [ ! -x "$busybox" ]; then
	"$here/../tests/rig/fetch.sh" host
fi
command -v "$cc" >/dev/null || { echo "mkinitramfs: $cc not found (apt-get install gcc-aarch64-linux-gnu)" >&2; exit 1; }
command -v cpio >/dev/null || { echo "mkinitramfs: cpio not found (apt-get install cpio)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" \
	"$stage/etc" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/root"
cp "$busybox" "$stage/bin/busybox"

# Applet links. The arm64 binary cannot run here, so take the applet list
# from the native busybox when it is the very same build; otherwise leave
# only sh and let /init run `busybox --install -s` at boot.
ver() { grep -a -o -m1 'BusyBox v[^ ]* ([^)]*)' "$1" 2>/dev/null | head -n1; }
native=$(command -v busybox || true)
if [ -n "$native" ] && [ "$(ver "$native")" = "$(ver "$busybox")" ]; then
	for a in $("$native" --list-full); do
		[ -e "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
	done
else
	ln -s busybox "$stage/bin/sh"
fi

install -m 0755 "$here/init" "$stage/init"
echo vmm-test-initrd >"$stage/etc/vmm-initrd"

for src in "$here"/tools/*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	$cc -static -O2 -s -Wall -Wextra -o "$stage/bin/$name" "$src"
	if [ -n "${TOOLS_DIR:-}" ]; then
		mkdir -p "$TOOLS_DIR"
		cp "$stage/bin/$name" "$TOOLS_DIR/$name"
	fi
done

mkdir -p "$(dirname "$out")"
# Sorted names, owner root, fixed mtimes: the same inputs give the same bytes.
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
