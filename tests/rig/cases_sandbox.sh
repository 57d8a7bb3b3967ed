# Sandbox cases (--sandbox, vmm/sandbox.c). Every other case runs with the
# sandbox on too, since it is the default: booting, disks on each backend,
# NICs on both paths, reboot, pause/resume, stop, the consoles. These check
# that it is on, that it can be turned off, and what a forbidden system call
# does. Sourced by run-cases.sh (helpers in lib.sh; tags after "#rig:").

# On by default: --verbose says so, with the filters' sizes, and the guest runs.
case_sandbox_on() { #rig: all-modes
	boot sandbox-on --params "$PARAMS" --verbose || return
	if ! grep -q '^vmm: sandbox: on; system calls/ioctls allowed: main [0-9]*/[0-9]*, vcpu' err; then
		fail sandbox-on "no 'sandbox: on' line with --verbose: $(why)"
	else
		pass sandbox-on
	fi
}

case_sandbox_off() {
	boot sandbox-off --params "$PARAMS" --verbose --sandbox off || return
	if grep -q 'sandbox: on' err; then
		fail sandbox-off "--sandbox off, but: $(grep sandbox err | head -n1)"
	else
		pass sandbox-off
	fi
}

# A device thread that calls what its filter forbids (VMM_SANDBOX_SELFTEST
# makes the first one started under the sandbox call openat): one line
# naming the call and the thread, status 13, no core file.
# The selftest trips the first device thread to start; --rng off leaves the
# disk's as the only one, so the line to expect is known.
case_sandbox_forbidden() { #rig: all-modes
	dd if=/dev/zero of=sb.img bs=1024 count=1024 2>/dev/null
	t0=$(date +%s)
	VMM_SANDBOX_SELFTEST=1 timeout "$BOOT_SECS" "$VMM" run --kernel "$KERNEL" \
		--initrd "$INITRD" --params "$PARAMS" --disk "$PWD/sb.img" --rng off </dev/null >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
	check_bad sandbox-forbidden 13 \
		'^vmm: sandbox: forbidden system call openat \([0-9]+\) in thread blk0-q0$'
}

case_bad_sandbox_value() { badk bad-sandbox-value 2 'sandbox.*on or off' --sandbox maybe; }
