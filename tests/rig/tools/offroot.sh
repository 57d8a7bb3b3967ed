#!/bin/sh
# offroot.sh DIR CMD [ARG...]: run CMD in DIR, in the calling mount namespace
# (start it with `unshare -m`) after giving it a root that is a tmpfs with
# the emulated host's directories bound in.
#
# Why: the emulated host runs from its initramfs, whose root is the kernel's
# rootfs, and pivot_root(2) refuses to move a rootfs root (EINVAL). passt
# sandboxes itself by pivoting into an empty tmpfs, so on rootfs it stops
# at start ("Failed to sandbox process"). A tmpfs moved over / and entered
# with chroot, as switch_root does, is a root pivot_root accepts, and the
# kernel does not count it as a chroot (which would forbid the unprivileged
# user namespace passt also makes). Everything under /tmp, /dev and /proc is
# the same as outside, so the case's files and the VMs' sockets are too.
set -e
dir=$1
shift
mkdir -p /offroot
mount -t tmpfs -o mode=0755 offroot /offroot
for d in bin sbin usr lib lib64 etc dev proc sys tmp payload root boot scratch; do
	[ -d "/$d" ] || continue
	mkdir "/offroot/$d"
	mount -o rbind "/$d" "/offroot/$d"
done
cd /offroot
mount -o move . /
# shellcheck disable=SC2016 # expanded by the inner shell
exec chroot . /bin/sh -c 'cd "$0" && exec "$@"' "$dir" "$@"
