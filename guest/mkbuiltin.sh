#!/bin/sh
# mkbuiltin.sh OUT.cpio.gz [BUSYBOX [AGENT]]: the initramfs built into vmm
# (vmm/builtin_initrd.S embeds OUT; see guest/builtin/init for what it does).
#   BUSYBOX   an arm64 static busybox (default: the cache's, fetched by
#             tests/rig/fetch.sh host when missing)
#   AGENT     the static arm64 command-mode agent (guest/agent/; default:
#             build/aarch64/vmm-agent, which `make cross` builds)
#   MODLOAD   (environment) the static arm64 build of guest/agent/modload.c;
#             unset: built here with aarch64-linux-gnu-gcc
#
# The archive:
#   /init          guest/builtin/init
#   /bin/busybox   BUSYBOX;  /bin/sh -> busybox (init makes the other links)
#   /bin/vmm-agent AGENT: what the kernel runs instead of /init in command
#                  mode (rdinit=/bin/vmm-agent)
#   /bin/vmm-modload  loads the modules vmm appends (vmm/kmod.h)
#   /dev/console   character device 5:1, which the kernel opens for init
#                  before anything can mount devtmpfs
#   /proc /sys /tmp /run /root /etc /sbin /usr/bin /usr/sbin: empty dirs
#
# A device node cannot be made without root, and cpio -o only archives
# files that exist, so this script writes the "newc" cpio format itself
# (Linux's Documentation/driver-api/early-userspace/buffer-format.rst):
# per entry the magic "070701", 13 fields of 8 hex digits (ino, mode, uid,
# gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
# namesize with its NUL, check), the name and its NUL padded to 4 bytes,
# the data padded to 4 bytes; "TRAILER!!!" ends the archive. Owner root,
# mtime 0, fixed inode numbers: the same inputs give the same bytes.
set -eu
if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 OUT.cpio.gz [BUSYBOX [AGENT]]" >&2
	exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
busybox=${2:-$cache/host/busybox}
init=$here/builtin/init
agent=${3:-$here/../build/aarch64/vmm-agent}

die() { echo "mkbuiltin: $*" >&2; exit 1; }

if [ $# -eq 1 ] && [ ! -x "$busybox" ]; then
	"$here/../tests/rig/fetch.sh" host
fi
[ -f "$busybox" ] || die "$busybox: not found"
[ -f "$init" ] || die "$init: not found"
[ -f "$agent" ] || die "$agent: not found (make cross builds it)"
# u NBYTES OFFSET: the little-endian unsigned number at OFFSET of busybox.
u() {
	od -An -tu"$1" -j"$2" -N"$1" "$busybox" | tr -d ' \n'
}
# ELF, 64-bit, little-endian, e_machine 183 (aarch64), and no PT_INTERP
# program header: a dynamic busybox would find no libc in the archive.
if [ "$(od -An -tx1 -N6 "$busybox" | tr -d ' \n')" != 7f454c460201 ] ||
	[ "$(u 2 18)" != 183 ]; then
	die "$busybox: not an aarch64 ELF program"
fi
phoff=$(u 8 32) phentsize=$(u 2 54) phnum=$(u 2 56) i=0
while [ "$i" -lt "$phnum" ]; do
	if [ "$(u 4 $((phoff + i * phentsize)))" = 3 ]; then
		die "$busybox: dynamically linked (a static busybox is needed: busybox-static)"
	fi
	i=$((i + 1))
done
command -v gzip >/dev/null || die "gzip not found"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
modload=${MODLOAD:-}
if [ -z "$modload" ]; then
	modload=$tmp/vmm-modload
	aarch64-linux-gnu-gcc -static -Os -s -o "$modload" "$here/agent/modload.c" ||
		die "cannot build $here/agent/modload.c"
fi
[ -f "$modload" ] || die "$modload: not found"

ino=1
# pad N: zero bytes that bring N up to a multiple of 4.
pad() {
	n=$(((4 - $1 % 4) % 4))
	[ "$n" -eq 0 ] || head -c "$n" /dev/zero
}
# entry NAME MODE [DATAFILE [RDEVMAJOR RDEVMINOR]]: one newc entry on stdout.
entry() {
	name=$1 mode=$2 file=${3:-} rmaj=${4:-0} rmin=${5:-0}
	size=0
	[ -z "$file" ] || size=$(wc -c <"$file" | tr -d " ")
	nlink=1
	[ $((mode & 0170000)) -ne $((0040000)) ] || nlink=2
	namesize=$((${#name} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$ino" "$mode" 0 0 "$nlink" 0 "$size" 0 0 "$rmaj" "$rmin" "$namesize" 0
	printf '%s' "$name"
	printf '\000'
	pad $((110 + namesize))
	if [ -n "$file" ]; then
		cat "$file"
		pad "$size"
	fi
	ino=$((ino + 1))
}

printf '%s' busybox >"$tmp/sh-target"
{
	for d in bin dev etc proc root run sbin sys tmp usr usr/bin usr/sbin; do
		case $d in
		tmp) entry "$d" $((041777)) ;;
		root) entry "$d" $((040700)) ;;
		*) entry "$d" $((040755)) ;;
		esac
	done
	entry bin/busybox $((0100755)) "$busybox"
	entry bin/sh $((0120777)) "$tmp/sh-target"
	entry bin/vmm-agent $((0100755)) "$agent"
	entry bin/vmm-modload $((0100755)) "$modload"
	entry dev/console $((0020600)) "" 5 1
	entry init $((0100755)) "$init"
	ino=0
	entry TRAILER!!! 0
} >"$tmp/archive.cpio"

# The archive must read back with every entry (GNU or busybox cpio).
if command -v cpio >/dev/null; then
	got=$(cpio -it --quiet <"$tmp/archive.cpio" | tr '\n' ' ')
	want="bin dev etc proc root run sbin sys tmp usr usr/bin usr/sbin"
	want="$want bin/busybox bin/sh bin/vmm-agent bin/vmm-modload dev/console init "
	[ "$got" = "$want" ] || die "archive check failed: cpio lists '$got'"
fi

mkdir -p "$(dirname "$out")"
gzip -9n <"$tmp/archive.cpio" >"$out.tmp"
mv "$out.tmp" "$out"
