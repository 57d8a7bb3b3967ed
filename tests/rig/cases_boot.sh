# Boot cases: the guest starts, sees its CPUs, memory, command line, counter
# and interrupt controller, reboots, panics, and loads each kernel format.
# Sourced by run-cases.sh (helpers in lib.sh). Tags after "#rig:" on a case's
# line are read by run-cases.sh: all-modes, solo, lock=NAME.

# --- cases -------------------------------------------------------------
case_boot_poweroff() { #rig: all-modes
	boot boot-poweroff --params "$PARAMS" || return
	for k in cpus memtotal_kb cmdline counter_s initrd; do
		grep -q "^GUEST $k=" all || { fail boot-poweroff "no 'GUEST $k=' line"; return; }
	done
	pass boot-poweroff
}

cpus_case() {
	boot "cpus-$1" --params "$PARAMS" --cpus "$1" || return
	got=$(guest cpus)
	if [ "$got" = "$1" ]; then pass "cpus-$1"; else fail "cpus-$1" "guest has $got CPUs online, want $1"; fi
}

case_cpus_1() { cpus_case 1; } #rig: all-modes

case_cpus_2() { cpus_case 2; } #rig: all-modes

case_cpus_4() { cpus_case 4; } #rig: all-modes

case_mem() { #rig: all-modes
	boot mem --params "$PARAMS" --mem 384M || return
	kb=$(guest memtotal_kb)
	case $kb in '' | *[!0-9]*) fail mem "no MemTotal in the guest report ($kb)"; return ;; esac
	if [ "$kb" -gt $((300 * 1024)) ] && [ "$kb" -le $((384 * 1024)) ]; then
		pass mem
	else
		fail mem "MemTotal ${kb} kB not in (300, 384] MiB"
	fi
}

case_cmdline() {
	tok=rigtok$$$(date +%s)
	boot cmdline --params "$PARAMS rig.token=$tok" || return
	line=$(guest cmdline)
	case " $line " in
	*" rig.token=$tok "*) ;;
	*) fail cmdline "token rig.token=$tok missing from guest cmdline: $line"; return ;;
	esac
	# vmm adds the console unless --params names one.
	case " $line " in
	*" console=ttyS0"*) pass cmdline ;;
	*) fail cmdline "console=ttyS0 not added to the guest cmdline: $line" ;;
	esac
}

case_initrd() {
	boot initrd --params "$PARAMS" || return
	if [ "$(guest initrd)" = ok ]; then pass initrd; else fail initrd "guest says initrd=$(guest initrd)"; fi
}

# The guest's virtual counter must start near 0 when the VM is created, so
# it reads less than the host time the whole vmm run took.
case_counter() { #rig: all-modes
	h0=$("$COUNTER" | sed -n 's/^counter_s=//p')
	boot counter --params "$PARAMS" || return
	h1=$("$COUNTER" | sed -n 's/^counter_s=//p')
	g=$(guest counter_s)
	if [ -z "$g" ] || [ -z "$h0" ] || [ -z "$h1" ]; then
		fail counter "missing reading: guest '$g', host before '$h0', after '$h1'"
		return
	fi
	if awk -v g="$g" -v a="$h0" -v b="$h1" 'BEGIN { exit !(g + 0 < b - a) }'; then
		pass counter
	else
		fail counter "guest counter ${g}s not below the run's host time ($h1 - $h0 s; host counter before: ${h0}s)"
	fi
}

# vmmtest=reboot reboots forever: in-place reboot works when the guest boots
# at least twice. vmm runs in the background and is stopped as soon as the
# second boot shows (or after BOOT_SECS).
case_reboot() { #rig: all-modes
	t0=$(date +%s)
	"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=reboot quiet rig.reboot_sleep=10" \
		</dev/null >out 2>err &
	pid=$!
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$(tr -d '\r' <out | grep -c '^GUEST booted')
		[ "$n" -ge 2 ] && break
		[ $(($(date +%s) - t0)) -ge "$BOOT_SECS" ] && break
		sleep 1
	done
	running=no
	kill -0 "$pid" 2>/dev/null && running=yes
	kill "$pid" 2>/dev/null
	# The braces keep the shell's "Terminated" notice out of the log.
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
	n=$(grep -c '^GUEST booted' all)
	# Each boot prints its counter and the wall time (the RTC survives the
	# reset), and lives 10 s more. now - counter is when that boot's counter
	# read zero: vmm zeroes it again on a reset, so the second boot's zero
	# is at least ~10 s after the first's; a counter left running gives
	# the same zero twice. No boot's speed enters into it.
	z1=$(sed -n 's/^GUEST booted counter_s=\([0-9.]*\) now=\([0-9]*\).*/\2 \1/p' all | sed -n 1p |
		awk '{ printf "%d", $1 - $2 }')
	z2=$(sed -n 's/^GUEST booted counter_s=\([0-9.]*\) now=\([0-9]*\).*/\2 \1/p' all | sed -n 2p |
		awk '{ printf "%d", $1 - $2 }')
	if [ "$n" -ge 2 ] && { [ -z "$z1" ] || [ -z "$z2" ] || [ $((z2 - z1)) -lt 5 ]; }; then
		fail reboot "counter not zeroed by the reboot: zero at ${z1}s, then ${z2}s (wall clock)"
	elif [ "$n" -ge 2 ]; then
		pass reboot
	elif [ "$running" = no ]; then
		fail reboot "vmm ended with status $rc after $n boot(s): $(why)"
	else
		fail reboot "$n boot(s) in ${secs}s, want 2: $(why)"
	fi
}

case_reboot_exit() { #rig: all-modes
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" \
		--params "vmmtest=reboot quiet" --reboot exit
	n=$(grep -c '^GUEST booted' all)
	if [ "$rc" != 5 ]; then
		fail reboot-exit "$(status_text), want 5: $(why)"
	elif [ "$n" != 1 ]; then
		fail reboot-exit "'GUEST booted' $n times, want 1"
	else
		pass reboot-exit
	fi
}

case_dtb_dump() {
	f=$PWD/guest.dtb
	boot dtb-dump --params "$PARAMS" --dtb-dump "$f" || return
	if [ ! -s "$f" ]; then
		fail dtb-dump "$f missing or empty"
		return
	fi
	magic=$(od -An -tx1 -N4 "$f" | tr -d ' \n')
	if [ "$magic" = d00dfeed ]; then pass dtb-dump; else fail dtb-dump "magic $magic, want d00dfeed"; fi
}

# Unclaimed MMIO reads 0 and is logged once; a load pair there (no valid
# syndrome) gets an external abort injected: SIGBUS in the guest, vmm goes on.
case_mmio_unclaimed() { #rig: all-modes
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=mmio quiet"
	if [ "$rc" != 0 ]; then
		fail mmio-unclaimed "$(status_text), want 0: $(why)"
	elif [ "$(guest mmio_read)" != 0x00000000 ]; then
		fail mmio-unclaimed "unclaimed read gave '$(guest mmio_read)', want 0x00000000"
	elif [ "$(grep -c 'vmm: .*0xc000000.*no device' err)" != 1 ]; then
		fail mmio-unclaimed "want one log line for the unclaimed address: $(grep -c 'no device' err)"
	elif [ "$(guest mmio_ldp)" != sigbus ]; then
		fail mmio-unclaimed "load pair: '$(guest mmio_ldp)', want sigbus"
	elif ! grep -q 'vmm: .*without a valid syndrome' err; then
		fail mmio-unclaimed "no log line for the access without syndrome"
	else
		pass mmio-unclaimed
	fi
}

# --- interrupt controllers and panics -------------------------------------
case_irqchip_gicv3() { #rig: all-modes
	boot irqchip-gicv3 --irqchip gicv3 --params "$PARAMS" || return
	pass irqchip-gicv3
}

case_irqchip_its() { #rig: all-modes
	boot irqchip-its --irqchip gicv3-its --params "vmmtest=report" || return
	if grep -q 'ITS.*0x0*8020000' all; then
		pass irqchip-its
	else
		fail irqchip-its "the guest did not report an ITS at 0x8020000"
	fi
}

# A CI user's recipe for a distinct panic status on kernels without pvpanic:
# panic=-1 resets at once, --reboot exit turns the reset into status 5. Our
# guest kernel has pvpanic, which reports the panic first: status 7.
case_panic_exit() { #rig: all-modes
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" \
		--params "vmmtest=panic quiet panic=-1" --reboot exit
	if [ "$rc" != 7 ]; then
		fail panic-exit "$(status_text), want 7: $(why)"
	elif ! grep -q 'Kernel panic' all; then
		fail panic-exit "no kernel panic in the output"
	else
		pass panic-exit
	fi
}

# A kernel panic, reported through pvpanic: status 7.
case_panic_pvpanic() { #rig: all-modes
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=panic quiet"
	if [ "$rc" != 7 ] || ! grep -q 'vmm: guest: kernel panic' err; then
		fail panic-pvpanic "$(status_text), want 7: $(why)"
	else
		pass panic-pvpanic
	fi
}

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
case_run_no_args() { #rig: lock=boot-dir
	if [ ! -f "/boot/vmlinuz-$(uname -r)" ]; then
		fail run-no-args "/boot/vmlinuz-$(uname -r) missing in the host (mkhost.sh)"
		return
	fi
	shell_run run-no-args $((3 * BOOT_SECS))
}

# Nothing at all on a host without its kernel in /boot: one line naming the
# paths tried and --kernel, status 3. /boot is renamed for the run (the
# emulated host is a throwaway initramfs) and put back.
case_run_no_kernel() { #rig: lock=boot-dir
	hidden=
	if [ -e /boot ]; then
		mv /boot /boot.rig-hidden || { fail run-no-kernel "cannot hide /boot"; return; }
		hidden=1
	fi
	vmm_run "$BAD_SECS"
	[ -z "$hidden" ] || mv /boot.rig-hidden /boot
	check_bad run-no-kernel 3 'kernel: none given, and none of /boot/vmlinuz-.*, /boot/vmlinuz, /vmlinuz, /boot/Image exists \(use --kernel'
}

