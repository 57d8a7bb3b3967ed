#!/bin/sh
# Install the Debian packages that building vmm, its tests and the emulated
# arm64 test host need. Idempotent: installs only what is missing. Needs root
# (or sudo). The arm64 libraries, kernels and busybox are not installed but
# unpacked into the cache by tests/rig/fetch.sh, leaving dpkg untouched.
set -eu
pkgs="gcc make pkg-config libfdt-dev liburing-dev libaio-dev libcmocka-dev zlib1g-dev libseccomp-dev
 device-tree-compiler e2fsprogs cpio xz-utils gzip ca-certificates debian-archive-keyring
 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
 flex bison bc libssl-dev libelf-dev linux-source-6.12 busybox-static
 clang libclang-rt-14-dev"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "deps: installing$missing" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086 # a list of package names
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
