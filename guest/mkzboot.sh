#!/bin/sh
# mkzboot.sh IMAGE OUT [TYPE]: wrap an arm64 Image in the header of an EFI
# zboot kernel (CONFIG_EFI_ZBOOT's vmlinuz.efi), for testing vmm's loader
# without building a zboot kernel. Runs under busybox sh too (the rig's
# emulated host). TYPE is the compression type written into the header
# (default gzip; e.g. zstd to test the refusal: the payload is gzip
# whatever TYPE says).
#
# The file (offsets in bytes, numbers little-endian), as Linux's
# drivers/firmware/efi/libstub/zboot-header.S lays out the header:
#   0     "MZ\0\0"      IMAGE_DOS_SIGNATURE as a 32-bit word
#   4     "zimg"        image type
#   8     u32 4096      payload offset
#   12    u32 N         payload size: the gzip stream's length
#   16    u32 0, u32 0  reserved
#   24    TYPE "\0"     compression type, NUL-terminated
#   56    u32 0x818223cd  LINUX_PE_MAGIC
#   60    u32 0         PE header offset: there is none
#   4096  gzip -9n of IMAGE (N bytes)
# It is not a real EFI program (no PE/COFF header, no decompressor stub):
# firmware cannot run it, vmm only reads the header and the payload.
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 IMAGE OUT [TYPE]" >&2
	exit 2
fi
image=$1 out=$2 type=${3:-gzip}
[ -f "$image" ] || { echo "mkzboot: $image: not found" >&2; exit 1; }
case $type in
'' | *[!a-z0-9]*) echo "mkzboot: TYPE: lower-case letters and digits" >&2; exit 2 ;;
esac
[ ${#type} -lt 32 ] || { echo "mkzboot: TYPE: at most 31 characters" >&2; exit 2; }

off=4096
# le32 N: four bytes, least significant first.
le32() {
	# shellcheck disable=SC2059 # the format is the octal escapes
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}

gzip -9nc "$image" >"$out.payload"
size=$(wc -c <"$out.payload" | tr -d ' ')
{
	printf 'MZ\000\000zimg'
	le32 "$off"
	le32 "$size"
	le32 0
	le32 0
	printf '%s' "$type"
	head -c $((56 - 24 - ${#type})) /dev/zero
	le32 $((0x818223cd))
	le32 0
	head -c $((off - 64)) /dev/zero
	cat "$out.payload"
} >"$out.tmp"
rm -f "$out.payload"
mv "$out.tmp" "$out"
