#!/bin/sh
# Fetch the arm64 pieces the rig needs from Debian's package registry and
# unpack them into the cache (never into the work tree, never into dpkg):
#
#   fetch.sh sysroot    libfdt, liburing, libaio, zlib, libseccomp (-dev +
#                       runtime) in $VMM_CACHE/sysroot-arm64 (for `make cross`)
#   fetch.sh host       busybox-static -> $VMM_CACHE/host/busybox and the
#                       current cloud-arm64 kernels behind the meta packages
#                       linux-image-6.12-cloud-arm64 -> host/6.12/ and
#                       linux-image-cloud-arm64 (6.1) -> host/6.1/, and
#                       passt with the C library it links (passt, libc6)
#                       -> host/passt/ (usr/bin/passt, lib/...): the
#                       emulated host's --network user helper
#   fetch.sh all        both
#   fetch.sh kut        bash and the few GNU tools kvm-unit-tests' runner
#                       needs beyond busybox (getopt, getconf, timeout), with
#                       the libraries they load, in $VMM_CACHE/host/kut-tools
#                       (only tests/kvm-unit-tests.sh asks for it)
#   --force             fetch again even when the cache looks complete
#                       (e.g. to pick up a kernel security update)
#
# apt runs with a private state directory, source list and status file under
# the cache, so the machine's own apt/dpkg configuration is left untouched.
# When everything is present this touches no network and returns at once.
set -eu

prog=fetch
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
sysroot=${SYSROOT:-$cache/sysroot-arm64}
hostdir=$cache/host
aptdir=$cache/apt-arm64
suite=${VMM_DEBIAN_SUITE:-bookworm}
mirror=${VMM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
secmirror=${VMM_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

sysroot_pkgs="libfdt-dev libfdt1 liburing-dev liburing2 libaio-dev libaio1 zlib1g-dev zlib1g libseccomp-dev libseccomp2"
# name:meta-package pairs; the real kernel package is whatever the meta
# package depends on today (Debian replaces them on security updates).
kernels="6.12:linux-image-6.12-cloud-arm64 6.1:linux-image-cloud-arm64"

die() { echo "$prog: $*" >&2; exit 1; }

usage() { echo "usage: $0 sysroot|host|all|kut [--force]" >&2; exit 2; }

want_sysroot=0 want_host=0 want_kut=0 force=0
[ $# -gt 0 ] || usage
for a in "$@"; do
	case $a in
	sysroot) want_sysroot=1 ;;
	host) want_host=1 ;;
	all) want_sysroot=1 want_host=1 ;;
	kut) want_kut=1 ;;
	--force|-f) force=1 ;;
	*) usage ;;
	esac
done

# Done, and made with today's package list (an older cache lacks libseccomp).
sysroot_ok() {
	[ -f "$sysroot/.done" ] && [ -f "$sysroot/usr/lib/aarch64-linux-gnu/libseccomp.a" ]
}
kernel_ok() { [ -f "$hostdir/$1/.done" ]; }
passt_ok() { [ -f "$hostdir/passt/.done" ]; }
host_ok() {
	[ -x "$hostdir/busybox" ] || return 1
	passt_ok || return 1
	for k in $kernels; do kernel_ok "${k%%:*}" || return 1; done
}

# Fast path: nothing to do, no apt, no lock.
if [ "$force" = 0 ]; then
	{ [ "$want_sysroot" = 0 ] || sysroot_ok; } &&
		{ [ "$want_host" = 0 ] || host_ok; } &&
		{ [ "$want_kut" = 0 ] || [ -f "$hostdir/kut-tools/.done" ]; } && exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found (a Debian machine is needed to fetch arm64 packages)"
command -v dpkg >/dev/null || die "dpkg not found"
[ -r "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"

case $cache in *[[:space:]]*) die "cache path must not contain spaces: $cache" ;; esac
mkdir -p "$cache" "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
	"$aptdir/sources.list.d" "$aptdir/preferences.d" "$aptdir/debs"
# Serialise concurrent runs (e.g. make -j); flock is in util-linux.
if command -v flock >/dev/null; then
	exec 9>"$cache/.fetch.lock"
	flock 9
fi

: >"$aptdir/status"
cat >"$aptdir/sources.list" <<EOF
deb [arch=arm64 signed-by=$keyring] $mirror $suite main
deb [arch=arm64 signed-by=$keyring] $mirror $suite-updates main
deb [arch=arm64 signed-by=$keyring] $secmirror $suite-security main
EOF

# Options shared by apt-get and apt-cache (word-split on use: the cache path
# is checked for spaces above). The empty status file keeps the machine's
# installed (amd64) packages out of dependency answers; the sandbox user is
# root because _apt cannot write into the cache dir.
aptopts="-q -oAPT::Architecture=arm64 -oAPT::Architectures=arm64
	-oDir::State::Lists=$aptdir/lists -oDir::Cache=$aptdir/cache
	-oDir::State::status=$aptdir/status
	-oDir::Etc::SourceList=$aptdir/sources.list
	-oDir::Etc::SourceParts=$aptdir/sources.list.d
	-oDir::Etc::Preferences=$aptdir/preferences
	-oDir::Etc::PreferencesParts=$aptdir/preferences.d
	-oAPT::Sandbox::User=root"
log=$aptdir/log

# apt_do WHAT CMD ARGS...: run apt quietly; on failure one line with the
# first error apt printed and where the full log is.
apt_do() {
	what=$1; shift
	if ! "$@" >"$log" 2>&1; then
		err=$(grep -m1 '^E:' "$log" || tail -n1 "$log")
		die "$what failed: $err (full log: $log)"
	fi
}

updated=0
apt_update() {
	[ "$updated" = 1 ] && return 0
	# shellcheck disable=SC2086 # aptopts is a word list
	apt_do "apt-get update" apt-get $aptopts --error-on=any update
	updated=1
}

# download PKG...: .debs into $aptdir/debs; prints nothing.
download() {
	rm -f "$aptdir"/debs/*.deb
	# shellcheck disable=SC2086
	(cd "$aptdir/debs" && apt_do "apt-get download $*" apt-get $aptopts download "$@")
}

unpack_all() { # DEST: every downloaded .deb
	for d in "$aptdir"/debs/*.deb; do
		dpkg -x "$d" "$1" || die "dpkg -x $d failed"
	done
	rm -f "$aptdir"/debs/*.deb
}

fetch_sysroot() {
	apt_update
	tmp=$sysroot.tmp
	rm -rf "$tmp"; mkdir -p "$tmp"
	# shellcheck disable=SC2086 # package list is a word list
	download $sysroot_pkgs
	unpack_all "$tmp"
	lib=$tmp/usr/lib/aarch64-linux-gnu
	# `make cross` links with -L$SYSROOT/usr/lib/aarch64-linux-gnu; if a
	# package ever moves its archive elsewhere, link it into place.
	for a in libfdt.a liburing.a libaio.a libz.a libseccomp.a; do
		[ -f "$lib/$a" ] && continue
		found=$(find "$tmp" -name "$a" | head -n1)
		[ -n "$found" ] || die "sysroot: $a not found in the unpacked packages"
		mkdir -p "$lib"
		ln -s "$(realpath --relative-to="$lib" "$found")" "$lib/$a"
	done
	rm -rf "$tmp/usr/share/doc" "$tmp/usr/share/lintian"
	rm -rf "$sysroot"; mv "$tmp" "$sysroot"
	touch "$sysroot/.done"
	echo "$prog: sysroot ready in $sysroot" >&2
}

# resolve META: the package the meta package depends on (first linux-image-*)
resolve() {
	# shellcheck disable=SC2086
	out=$(apt-cache $aptopts depends "$1" 2>&1) || die "apt-cache depends $1 failed: $(echo "$out" | head -n1)"
	real=$(echo "$out" | sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[^ ]*\).*/\1/p' | head -n1)
	[ -n "$real" ] || die "meta package $1 names no linux-image package (apt-cache depends: $(echo "$out" | head -n2 | tr '\n' ' '))"
	echo "$real"
}

fetch_kernel() { # NAME META
	real=$(resolve "$2")
	dest=$hostdir/$1
	if [ "$force" = 1 ] && [ -f "$dest/.done" ] && [ "$(cat "$dest/package")" = "$real" ]; then
		echo "$prog: host/$1 already has $real" >&2
		return 0
	fi
	tmp=$dest.tmp
	rm -rf "$tmp"; mkdir -p "$tmp"
	download "$real"
	unpack_all "$tmp"
	rm -rf "${tmp:?}/usr/share"
	img=$(find "$tmp/boot" -name 'vmlinuz-*' 2>/dev/null | head -n1)
	[ -n "$img" ] || die "$real: no boot/vmlinuz-* in the package"
	kver=${img##*/vmlinuz-}
	[ -d "$tmp/lib/modules/$kver" ] || die "$real: no lib/modules/$kver in the package"
	ln -s "boot/vmlinuz-$kver" "$tmp/vmlinuz"
	echo "$kver" >"$tmp/kver"
	echo "$real" >"$tmp/package"
	rm -rf "$dest"; mv "$tmp" "$dest"
	touch "$dest/.done"
	echo "$prog: host/$1: $real ($kver)" >&2
}

# passt is linked dynamically: its binary, and the loader and libc.so.6
# from libc6 (nothing else of libc6 is needed to run it).
fetch_passt() {
	tmp=$hostdir/passt.tmp
	rm -rf "$tmp" "$tmp.all"; mkdir -p "$tmp.all"
	download passt libc6
	unpack_all "$tmp.all"
	[ -x "$tmp.all/usr/bin/passt" ] || die "passt: no usr/bin/passt in the package"
	mkdir -p "$tmp/usr/bin" "$tmp/lib/aarch64-linux-gnu"
	cp "$tmp.all/usr/bin/passt" "$tmp/usr/bin/"
	for f in lib/ld-linux-aarch64.so.1 lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 \
		lib/aarch64-linux-gnu/libc.so.6; do
		if [ -e "$tmp.all/$f" ] || [ -L "$tmp.all/$f" ]; then
			cp -P "$tmp.all/$f" "$tmp/$f"
		elif [ -e "$tmp.all/usr/$f" ]; then
			cp "$tmp.all/usr/$f" "$tmp/$f"
		fi
	done
	[ -e "$tmp/lib/aarch64-linux-gnu/libc.so.6" ] || die "libc6: no libc.so.6 in the package"
	rm -rf "$tmp.all" "$hostdir/passt"
	mv "$tmp" "$hostdir/passt"
	touch "$hostdir/passt/.done"
	echo "$prog: host/passt ready" >&2
}

fetch_host() {
	apt_update
	if [ "$force" = 1 ] || ! passt_ok; then
		fetch_passt
	fi
	if [ "$force" = 1 ] || [ ! -x "$hostdir/busybox" ]; then
		tmp=$hostdir/busybox.tmp
		rm -rf "$tmp"; mkdir -p "$tmp"
		download busybox-static
		unpack_all "$tmp"
		[ -x "$tmp/bin/busybox" ] || die "busybox-static: no bin/busybox in the package"
		mv "$tmp/bin/busybox" "$hostdir/busybox.new"
		mv "$hostdir/busybox.new" "$hostdir/busybox"
		rm -rf "$tmp"
	fi
	for k in $kernels; do
		if [ "$force" = 1 ] || ! kernel_ok "${k%%:*}"; then
			fetch_kernel "${k%%:*}" "${k#*:}"
		fi
	done
}

# kvm-unit-tests' runner is bash and uses util-linux's getopt, libc's
# getconf and coreutils' timeout (-k, --foreground): those binaries and the
# shared libraries they load, nothing else of the packages.
kut_pkgs="bash libtinfo6 libc6 libc-bin util-linux coreutils"
fetch_kut() {
	apt_update
	tmp=$hostdir/kut-tools.tmp unpacked=$hostdir/kut-tools.deb
	rm -rf "$tmp" "$unpacked"; mkdir -p "$tmp/bin" "$tmp/lib" "$unpacked"
	# shellcheck disable=SC2086 # package list is a word list
	download $kut_pkgs
	unpack_all "$unpacked"
	for b in bin/bash usr/bin/getopt usr/bin/getconf usr/bin/timeout; do
		[ -f "$unpacked/$b" ] || die "kut: $b not in the packages ($kut_pkgs)"
		cp "$unpacked/$b" "$tmp/bin/"
	done
	# One flat directory: the loader (/lib/ld-linux-aarch64.so.1 points at it)
	# and every library, for LD_LIBRARY_PATH.
	for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
		[ -d "$unpacked/$d" ] && cp -a "$unpacked/$d"/. "$tmp/lib/"
	done
	[ -f "$tmp/lib/ld-linux-aarch64.so.1" ] || die "kut: no ld-linux-aarch64.so.1 in libc6"
	rm -rf "$tmp/lib/gconv" # iconv modules: 20 MiB nobody here loads
	rm -rf "$unpacked" "$hostdir/kut-tools"; mv "$tmp" "$hostdir/kut-tools"
	touch "$hostdir/kut-tools/.done"
	echo "$prog: kvm-unit-tests' tools ready in $hostdir/kut-tools" >&2
}

mkdir -p "$hostdir"
if [ "$want_kut" = 1 ] && { [ "$force" = 1 ] || [ ! -f "$hostdir/kut-tools/.done" ]; }; then
	fetch_kut
fi
if [ "$want_sysroot" = 1 ] && { [ "$force" = 1 ] || ! sysroot_ok; }; then
	fetch_sysroot
fi
if [ "$want_host" = 1 ] && { [ "$force" = 1 ] || ! host_ok; }; then
	fetch_host
fi
