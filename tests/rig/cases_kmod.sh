# Distribution kernels: `vmm run` with the host's own kernel (Debian's
# cloud-arm64, whose virtio drivers, fuse and overlay are modules) brings
# those modules into its built-in initramfs (vmm/kmod.h), and the guest's
# /bin/vmm-modload loads them. mkhost.sh gives the emulated host
# /boot/vmlinuz-RELEASE and /lib/modules/RELEASE/ as a real host has them.
# Sourced by run-cases.sh (helpers in lib.sh).

# kmod_shell NAME SECS LINES ARGS...: boot the built-in shell with ARGS,
# type LINES (one command a line) once its banner is up, then power off.
kmod_shell() {
	ks_secs=$2 ks_lines=$3
	shift 3
	rm -f out err all
	t0=$(date +%s)
	{
		# shellcheck disable=SC2094 # out is read while vmm writes it, on purpose
		wait_for 'leaving the shell stops the VM' out "$ks_secs" && sleep 1
		printf '%s\npoweroff -f\n' "$ks_lines"
	} | timeout "$ks_secs" "$VMM" run "$@" >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
}

# The host's modules.dep names, sorted, one line: what the guest must have loaded.
kmod_expected() {
	sed -n 's/:.*//p' "/lib/modules/$(uname -r)/modules.dep" | sed 's|.*/||; s/\.ko.*//' |
		tr - _ | sort | tr '\n' ' ' | sed 's/ $//'
}

# No --kernel, no --initrd: the modules in the guest, the share mounted,
# the rng driver bound to vmm's device. (Not with --disk: a disk makes vmm
# boot root=/dev/vda without the built-in initramfs, see vmm(1).)
case_kmod_distro() { #rig: lock=boot-dir
	if [ ! -f "/lib/modules/$(uname -r)/modules.dep" ]; then
		fail kmod-distro "/lib/modules/$(uname -r)/modules.dep missing in the host (mkhost.sh)"
		return
	fi
	want=$(kmod_expected)
	mkdir -p share
	echo hello-from-host >share/hello
	# shellcheck disable=SC2016 # expanded by the guest shell
	lines='echo KMOD-MODULES $(cut -d" " -f1 /proc/modules | sort | tr "\n" " ")
mkdir -p /mnt/s && mount -t virtiofs kshare /mnt/s && echo KMOD-SHARE $(cat /mnt/s/hello)
echo KMOD-RNG $(ls /sys/bus/virtio/drivers/virtio_rng | grep -c virtio)'
	kmod_shell kmod-distro $((3 * BOOT_SECS)) "$lines" --params quiet \
		--share "$PWD/share,tag=kshare"
	got=$(sed -n 's/^KMOD-MODULES //p' all | head -n1)
	if [ "$rc" != 0 ]; then
		fail kmod-distro "$(status_text), want 0: $(why)"
	elif grep -q 'vmm-modload:' all; then
		fail kmod-distro "$(grep 'vmm-modload:' all | head -n1)"
	elif [ -z "$want" ] || [ "$got" != "$want" ]; then
		fail kmod-distro "guest has modules '$got', want '$want'"
	elif ! grep -q '^KMOD-SHARE hello-from-host' all; then
		fail kmod-distro "the share did not mount or read: $(grep -i 'mount\|virtiofs' all | tail -n1)"
	elif ! grep -q '^KMOD-RNG 1' all; then
		fail kmod-distro "virtio_rng is bound to $(sed -n 's/^KMOD-RNG //p' all) devices, want 1"
	else
		pass kmod-distro
	fi
}

# Zero-configuration command mode: `vmm run -- CMD` with neither --kernel
# nor anything else boots the host's own distribution kernel, loads its
# modules (overlay, virtio_mmio, ... as modules) and runs CMD over the host's
# root; CMD's status is vmm's.
case_kmod_cmd() { #rig: lock=boot-dir
	want=$(kmod_expected)
	here=$PWD
	# From /: the case's directory is under /tmp, which the guest has its own of.
	# shellcheck disable=SC2016 # expanded by the guest shell
	(cd / && timeout $((3 * BOOT_SECS)) "$VMM" run -- \
		sh -c 'echo KMOD-CMD $(cut -d" " -f1 /proc/modules | sort); exit 7' \
		</dev/null >"$here/out" 2>"$here/err")
	rc=$?
	cat out err | tr -d '\r' >all
	got=$(sed -n 's/^KMOD-CMD //p' out | head -n1)
	if [ "$rc" != 7 ]; then
		fail kmod-cmd "$(status_text), want CMD's 7: $(why)"
	elif [ -z "$want" ] || [ "$got" != "$want" ]; then
		fail kmod-cmd "guest has modules '$got', want '$want'"
	else
		pass kmod-cmd
	fi
}

# The host's modules directory gone: the boot proceeds, with the kernel's
# built-in drivers only, after exactly one warning line.
case_kmod_no_dir() { #rig: lock=boot-dir
	dir=/lib/modules/$(uname -r)
	hidden=
	if [ -e "$dir" ]; then
		mv "$dir" "$dir.rig-hidden" || { fail kmod-no-dir "cannot hide $dir"; return; }
		hidden=1
	fi
	# shellcheck disable=SC2016 # expanded by the guest shell
	kmod_shell kmod-no-dir $((3 * BOOT_SECS)) 'echo KMOD-NONE-$(wc -l </proc/modules)' \
		--params quiet
	[ -z "$hidden" ] || mv "$dir.rig-hidden" "$dir"
	nwarn=$(grep -c '^vmm: warning: ' err)
	if [ "$rc" != 0 ]; then
		fail kmod-no-dir "$(status_text), want 0: $(why)"
	elif [ "$nwarn" != 1 ] ||
		! grep -q "^vmm: warning: modules: $dir/modules.dep does not exist" err; then
		fail kmod-no-dir "want one warning naming $dir/modules.dep, got $nwarn: $(head -n1 err)"
	elif ! grep -q '^KMOD-NONE-0' all; then
		fail kmod-no-dir "the shell did not run, or modules were loaded: $(grep KMOD-NONE all)"
	else
		pass kmod-no-dir
	fi
}
