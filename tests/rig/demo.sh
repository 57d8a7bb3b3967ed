#!/bin/sh
# demo.sh: boot the test guest with vmm from a disk and give you its shell.
# The guest's root file system is rootfs.img (guest/mkrootfs.sh: ext4 with
# busybox), attached with --disk: no initrd; vmm adds root=/dev/vda rw.
# On an arm64 host with /dev/kvm, vmm runs right here. Elsewhere (x86-64),
# vmm runs inside an emulated arm64 host under QEMU, as in the test rig; the
# terminal is then QEMU's, whose escape is moved to Ctrl-] so that vmm's own
# Ctrl-A works. Type `poweroff` (or `exit`) in the guest's shell - it syncs
# the disk and powers off - or Ctrl-A x, to end. The image is a temporary copy.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
image=$("$top/guest/build-kernel.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/payload"
"$top/guest/mkrootfs.sh" "$work/payload/rootfs.img" 64M
args="--disk rootfs.img --cpus 2 --params vmmtest=shell"

if [ "$(uname -m)" = aarch64 ] && [ -c /dev/kvm ]; then
	cd "$work/payload"
	# Not exec: the trap removes the temporary image afterwards.
	# shellcheck disable=SC2086 # args are words
	"$top/build/native/vmm" run --kernel "$image" $args
	exit
fi

cp "$top/build/aarch64/vmm" "$image" "$work/payload/"
cat > "$work/payload/run.sh" <<EOS
#!/bin/sh
cd /payload
echo "demo: inside the emulated arm64 host; starting vmm"
./vmm run --kernel Image $args
echo "demo: vmm exited with status \$?"
EOS
chmod +x "$work/payload/run.sh"
"$top/tests/rig/mkhost.sh" "$work/host.cpio.gz" 6.12 "$work/payload" >/dev/null
qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on -smp 2 -m 2048 \
	-nographic -no-reboot -nic none -echr 0x1d \
	-kernel "$cache/host/6.12/vmlinuz" -initrd "$work/host.cpio.gz" \
	-append "console=ttyAMA0 quiet panic=-1"
