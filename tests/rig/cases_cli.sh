# The command line as issue #15 found it: guest power commands without -f,
# lkvm's spellings, checks made before /dev/kvm is opened, the pty line of
# --console-pty. Sourced by run-cases.sh (helpers in lib.sh; tags after
# "#rig:" are read by run-cases.sh). VMs here are named rig-cli*.

# typed_run SECS WAIT CMDS ARGS...: `vmm run ARGS` with CMDS typed into a
# pipe once the console shows WAIT; the pipe then stays open (an empty line
# a second, until vmm is gone and the write fails), so only the guest can
# end vmm. Output in ./all, status in $rc, seconds in $secs.
typed_run() {
	tr_secs=$1 tr_wait=$2 tr_cmds=$3
	shift 3
	rm -f out err all
	t0=$(date +%s)
	{
		# shellcheck disable=SC2094 # out is read while vmm writes it, on purpose
		wait_for "$tr_wait" out "$tr_secs" && sleep 1
		printf '%s\n' "$tr_cmds"
		tr_i=0
		while [ "$tr_i" -lt "$tr_secs" ]; do
			sleep 1
			printf '\n' 2>/dev/null || break
			tr_i=$((tr_i + 1))
		done
	} | timeout "$tr_secs" "$VMM" run "$@" >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
}

# power_case NAME WANT WAIT CMD ARGS...: CMD (no -f) typed at the guest's
# shell must end vmm with status WANT at once; the marker typed after it
# (split by quotes, so the echo of the line does not match) never runs.
power_case() {
	pc_name=$1 pc_want=$2 pc_wait=$3 pc_cmd=$4
	shift 4
	typed_run "$BOOT_SECS" "$pc_wait" "$pc_cmd; echo STILL\"\"-HERE" "$@"
	if [ "$rc" != "$pc_want" ]; then
		fail "$pc_name" "'$pc_cmd': $(status_text), want $pc_want: $(why)"
	elif grep -q '^STILL-HERE' all; then
		fail "$pc_name" "'$pc_cmd' returned to the shell"
	else
		pass "$pc_name"
	fi
}

# The built-in initramfs (guest/builtin/init): poweroff, halt, reboot.
case_cli_builtin_poweroff() { #rig: all-modes
	power_case cli-builtin-poweroff 0 'leaving the shell stops the VM' poweroff \
		--kernel "$KERNEL" --params quiet
}
case_cli_builtin_halt() {
	power_case cli-builtin-halt 0 'leaving the shell stops the VM' halt \
		--kernel "$KERNEL" --params quiet
}
case_cli_builtin_reboot() {
	power_case cli-builtin-reboot 5 'leaving the shell stops the VM' reboot \
		--kernel "$KERNEL" --params quiet --reboot exit
}

# The test guest's shell (guest/init vmmtest=shell), as in the demo.
case_cli_guest_poweroff() { #rig: all-modes
	power_case cli-guest-poweroff 0 'GUEST shell' poweroff \
		--kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=shell quiet"
}
case_cli_guest_reboot() {
	power_case cli-guest-reboot 5 'GUEST shell' reboot \
		--kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=shell quiet" --reboot exit
}

# lkvm run's spellings: the kernel as the one plain word, --dump-dtb.
case_cli_lkvm_spelling() {
	vmm_run "$BOOT_SECS" "$KERNEL" --initrd "$INITRD" --params "$PARAMS" \
		--dump-dtb "$PWD/lkvm.dtb"
	magic=$(od -An -tx1 -N4 lkvm.dtb 2>/dev/null | tr -d ' \n')
	if [ "$rc" != 0 ]; then
		fail cli-lkvm-spelling "$(status_text), want 0: $(why)"
	elif ! grep -q '^GUEST cpus=' all; then
		fail cli-lkvm-spelling "no GUEST lines: $(why)"
	elif [ "$magic" != d00dfeed ]; then
		fail cli-lkvm-spelling "--dump-dtb wrote no device tree (magic '$magic')"
	else
		pass cli-lkvm-spelling
	fi
}

# --console-pty prints its line once the guest runs: a VM that fails after
# the pty is made (no GICv2 on this host's GICv3) prints only its error.
case_cli_pty_failed_start() {
	badk cli-pty-failed-start 4 'gic ?v2' --console-pty --irqchip gicv2
}

# ...and a VM that starts prints it (before vmm ends).
case_cli_pty_started() {
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS" --console-pty
	if [ "$rc" != 0 ]; then
		fail cli-pty-started "$(status_text), want 0: $(why)"
	elif ! grep -q '^vmm: console on /dev/pts/[0-9]' err; then
		fail cli-pty-started "no 'vmm: console on /dev/pts/N' line: $(head -n2 err | tr '\n' '|')"
	else
		pass cli-pty-started
	fi
}

# no_kvm_run ARGS...: `vmm run ARGS` with /dev/kvm hidden, as bad-no-kvm does.
no_kvm_run() {
	if unshare -m true 2>/dev/null; then
		t0=$(date +%s)
		# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
		timeout "$BAD_SECS" unshare -m sh -c 'mount -t tmpfs none /dev && exec "$0" "$@"' \
			"$VMM" run "$@" </dev/null >out 2>err
		rc=$?
		secs=$(($(date +%s) - t0))
		cat out err | tr -d '\r' >all
	else
		mv /dev/kvm /dev/kvm.rig-hidden || { rc=255; echo "cannot hide /dev/kvm" >err; return; }
		vmm_run "$BAD_SECS" "$@"
		mv /dev/kvm.rig-hidden /dev/kvm
	fi
}

# What needs no host is refused before /dev/kvm is opened: with it hidden,
# the status and line are those of the bad value, not of the missing KVM.
case_cli_before_kvm_disk() { #rig: solo
	no_kvm_run --kernel "$KERNEL" --initrd "$INITRD" --disk /nonexistent/disk.img
	check_bad cli-before-kvm-disk 3 'disk /nonexistent/disk\.img: No such file'
}
case_cli_before_kvm_disk_dir() { #rig: solo
	no_kvm_run --kernel "$KERNEL" --initrd "$INITRD" --disk /tmp
	check_bad cli-before-kvm-disk-dir 3 'disk /tmp: Is a directory'
}
case_cli_before_kvm_ipa() { #rig: solo
	no_kvm_run --kernel "$KERNEL" --initrd "$INITRD" --ipa-bits 20
	check_bad cli-before-kvm-ipa 2 'ipa-bits 20: expected a number of bits from 32 to 52'
}
case_cli_before_kvm_ipa_mem() { #rig: solo
	no_kvm_run --kernel "$KERNEL" --initrd "$INITRD" --ipa-bits 32 --mem 3G
	check_bad cli-before-kvm-ipa-mem 2 'ipa-bits 32: too small for --mem 3G'
}
case_cli_before_kvm_mem() { #rig: solo
	no_kvm_run --kernel "$KERNEL" --initrd "$INITRD" --mem 100T
	check_bad cli-before-kvm-mem 4 'mem 100T: more than this host'
}

# Options after the VM's name: vmm stop NAME --timeout S stops it (status 0).
case_cli_stop_after_name() { #rig: lock=vms
	timeout "$BOOT_SECS" "$VMM" run --detach --name rig-cli1 --kernel "$KERNEL" \
		--initrd "$INITRD" --console-log "$PWD/c1.log" --params "vmmtest=ticker quiet" \
		</dev/null >dout 2>derr
	drc=$?
	wait_for '^GUEST tick 1 ' c1.log 60
	"$VMM" stop rig-cli1 --timeout 30 >sout 2>serr
	src=$?
	"$VMM" kill rig-cli1 >/dev/null 2>&1
	if [ "$drc" != 0 ]; then
		fail cli-stop-after-name "--detach: status $drc: $(head -n1 derr)"
	elif [ "$src" != 0 ]; then
		fail cli-stop-after-name "vmm stop rig-cli1 --timeout 30: status $src: $(head -n1 serr)"
	else
		pass cli-stop-after-name
	fi
}
