# Cases for kernel formats and zero configuration (issue: vmm run with no
# arguments, compressed kernels). Sourced by cases.sh.

# --- kernel formats and zero configuration -------------------------------

# with_kernel FILE NAME ARGS...: boot NAME with FILE as the kernel.
with_kernel() {
	wk_saved=$KERNEL
	KERNEL=$1
	shift
	boot "$@"
	wk_rc=$?
	KERNEL=$wk_saved
	return $wk_rc
}

# The guest kernel gzip'd, as Debian and Ubuntu ship vmlinuz: vmm inflates it.
case_kernel_gz() {
	gzip -9c "$KERNEL" >Image.gz || { fail kernel-gz "gzip failed"; return; }
	with_kernel "$PWD/Image.gz" kernel-gz --params "$PARAMS" || return
	pass kernel-gz
}

# The guest kernel in an EFI zboot wrapper with a gzip payload (the
# header of zboot-header.S, written by guest/mkzboot.sh).
case_kernel_zboot() {
	sh "$P/mkzboot.sh" "$KERNEL" vmlinuz.efi || { fail kernel-zboot "mkzboot.sh failed"; return; }
	with_kernel "$PWD/vmlinuz.efi" kernel-zboot --params "$PARAMS" || return
	pass kernel-zboot
}

# Bytes overwritten in the middle of the deflate data: one line, status 3.
case_kernel_corrupt_gz() {
	gzip -9c "$KERNEL" >corrupt.gz || { fail kernel-corrupt-gz "gzip failed"; return; }
	n=$(wc -c <corrupt.gz)
	printf 'CORRUPT-CORRUPT-CORRUPT-CORRUPT-CORRUPT-CORRUPT-CORRUPT-CORRUPT-' |
		dd of=corrupt.gz bs=1 seek=$((n / 2)) conv=notrunc 2>/dev/null
	bad kernel-corrupt-gz 3 'kernel .*corrupt\.gz: corrupt gzip stream \(' \
		--kernel "$PWD/corrupt.gz" --initrd "$INITRD" --params "$PARAMS"
}

# Cut short: the same, naming the truncation.
case_kernel_truncated_gz() {
	gzip -9c "$KERNEL" | head -c 1000000 >truncated.gz
	bad kernel-truncated-gz 3 'truncated\.gz: corrupt gzip stream \(truncated\)' \
		--kernel "$PWD/truncated.gz" --initrd "$INITRD" --params "$PARAMS"
}

# A zboot whose header says zstd: refused, naming the compressor.
case_kernel_zboot_zstd() {
	sh "$P/mkzboot.sh" "$KERNEL" zstd.efi zstd || { fail kernel-zboot-zstd "mkzboot.sh failed"; return; }
	bad kernel-zboot-zstd 3 'zstd\.efi: zstd-compressed EFI zboot \(only gzip' \
		--kernel "$PWD/zstd.efi" --initrd "$INITRD" --params "$PARAMS"
}

# No magic vmm knows: refused as an unknown format.
case_kernel_unknown_format() {
	: >unknown.bin
	i=0
	while [ $i -lt 64 ]; do
		echo "not a kernel: just text, long enough to have a 64-byte header" >>unknown.bin
		i=$((i + 1))
	done
	bad kernel-unknown-format 3 'unknown\.bin: unknown format' \
		--kernel "$PWD/unknown.bin" --initrd "$INITRD" --params "$PARAMS"
}

# ELF (a vmlinux): refused, naming it. vmm itself is a handy ELF file.
case_kernel_elf() {
	bad kernel-elf 3 'ELF \(vmlinux\)' --kernel "$VMM" --initrd "$INITRD" --params "$PARAMS"
}

# wait_for PATTERN FILE SECS: until FILE has a line matching PATTERN (0), or SECS pass (1).
wait_for() {
	wf_i=0
	while [ "$wf_i" -lt "$3" ]; do
		tr -d '\r' <"$2" 2>/dev/null | grep -q "$1" && return 0
		sleep 1
		wf_i=$((wf_i + 1))
	done
	return 1
}

# shell_run NAME SECS ARGS...: `vmm run ARGS` with the commands typed into a
# pipe once the built-in shell is up; the pipe then closes (vmm keeps
# running on EOF) and the guest must power off. Output in ./all, status $rc.
shell_run() {
	sr_name=$1 sr_secs=$2
	shift 2
	rm -f out err all
	t0=$(date +%s)
	{
		# The banner comes just before the shell starts; the tty keeps
		# what is typed from then on.
		# shellcheck disable=SC2094 # out is read while vmm writes it, on purpose
		wait_for 'leaving the shell stops the VM' out "$sr_secs" && sleep 1
		# shellcheck disable=SC2016 # expanded by the guest shell
		printf 'echo BUILTIN-$((6*7))\npoweroff -f\n'
	} | timeout "$sr_secs" "$VMM" run "$@" >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
	if [ "$rc" != 0 ]; then
		fail "$sr_name" "$(status_text), want 0: $(why)"
	elif ! grep -q 'vmm built-in initramfs' all; then
		fail "$sr_name" "no banner of the built-in initramfs: $(why)"
	elif ! grep -q '^BUILTIN-42' all; then
		fail "$sr_name" "the piped command did not run in the built-in shell"
	else
		pass "$sr_name"
	fi
}

# --kernel without --initrd and without --disk: vmm's built-in busybox shell.
case_builtin_initramfs() {
	shell_run builtin-initramfs "$BOOT_SECS" --kernel "$KERNEL" --params quiet
}

# Nothing at all: the host's own kernel (/boot/vmlinuz-$(uname -r), put
# there by mkhost.sh) with the built-in shell. A distribution kernel boots
# slower than the test kernel: 3 boots' worth of time.
case_run_no_args() {
	if [ ! -f "/boot/vmlinuz-$(uname -r)" ]; then
		fail run-no-args "/boot/vmlinuz-$(uname -r) missing in the host (mkhost.sh)"
		return
	fi
	shell_run run-no-args $((3 * BOOT_SECS))
}

# Nothing at all on a host without its kernel in /boot: one line naming the
# paths tried and --kernel, status 3. /boot is renamed for the run (the
# emulated host is a throwaway initramfs) and put back.
case_run_no_kernel() {
	hidden=
	if [ -e /boot ]; then
		mv /boot /boot.rig-hidden || { fail run-no-kernel "cannot hide /boot"; return; }
		hidden=1
	fi
	vmm_run "$BAD_SECS"
	[ -z "$hidden" ] || mv /boot.rig-hidden /boot
	check_bad run-no-kernel 3 'kernel: none given, and none of /boot/vmlinuz-.*, /boot/vmlinuz, /vmlinuz, /boot/Image exists \(use --kernel'
}

BOOT_CASES="kernel-gz kernel-zboot kernel-corrupt-gz kernel-truncated-gz kernel-zboot-zstd kernel-unknown-format kernel-elf builtin-initramfs run-no-kernel run-no-args"
