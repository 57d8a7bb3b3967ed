#!/bin/sh
# Build the minimal arm64 guest kernel from Debian's linux-source-6.12 and
# guest/kernel.fragment. The result is cached outside the work tree, keyed by
# the fragment's and the source tarball's checksums, so a fresh clone on the
# same machine reuses it. Prints the path of the Image on stdout.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
tarball=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | head -n1)
[ -n "$tarball" ] || { echo "build-kernel: linux-source-6.12: not installed (apt-get install linux-source-6.12)" >&2; exit 1; }
key=$( (cat "$here/kernel.fragment"; stat -c '%s %Y' "$tarball") | sha256sum | cut -c1-12)
out="$cache/guest-kernel-$key"
if [ -f "$out/Image" ]; then echo "$out/Image"; exit 0; fi
mkdir -p "$cache"
# One build at a time: a second caller waits, then finds the Image cached.
exec 9>"$cache/.build-kernel.lock"
flock 9
if [ -f "$out/Image" ]; then echo "$out/Image"; exit 0; fi
work="$cache/linux-build-$key"
rm -rf "$work"; mkdir -p "$work"
tar -C "$work" -xf "$tarball" --strip-components=1
cd "$work"
make -s ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "$here/kernel.fragment" >&2
make -s ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- olddefconfig >&2
make -s ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j"$(nproc)" Image >&2
mkdir -p "$out.tmp"
cp arch/arm64/boot/Image .config "$out.tmp/"
rm -rf "$out"; mv "$out.tmp" "$out"
cd /; rm -rf "$work"
echo "$out/Image"
