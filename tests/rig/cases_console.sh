# The console: a person at a terminal (escapes, raw mode restored), a
# script's pipe, --console-log, --console virtio, --console-pty and live
# resizes. Sourced by run-cases.sh (helpers in lib.sh; tags after "#rig:"
# are read by run-cases.sh).

# Ctrl-A x quits (status 9) and the terminal comes back as it was.
case_console_quit() {
	pty_vmm -w 'GUEST shell' -s 'echo TYPED-$((6*7))\n' -w 'TYPED-42' -s '\x01x' -- \
		"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=shell quiet"
	if [ "$rc" != 9 ]; then
		fail console-quit "Ctrl-A x: status '$rc', want 9: $(why)"
	elif [ "$termios" != restored ]; then
		fail console-quit "terminal left $termios after Ctrl-A x"
	else
		pass console-quit
	fi
}

# In raw mode Ctrl-C belongs to the guest (it interrupts the guest's
# command, vmm lives on); Ctrl-A Ctrl-A reaches the guest as one Ctrl-A.
case_console_keys() {
	pty_vmm -w 'GUEST shell' -s 'echo SLEEPING-$((3+4)); sleep 30; echo SLEPT\n' \
		-w 'SLEEPING-7' -s '\x03' \
		-w '# ' -s 'stty raw -echo; echo RAW-$((2+3)); od -An -tx1 -N1; stty sane; echo CTRL-$((1+1))\n' \
		-w 'RAW-5' -s '\x01\x01' -w 'CTRL-2' -s 'poweroff -f\n' -- \
		"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=shell quiet"
	if [ "$rc" != 0 ]; then
		fail console-keys "status '$rc', want 0 after poweroff: $(why)"
	elif grep -q '^SLEPT' all; then
		fail console-keys "Ctrl-C did not interrupt the guest's sleep"
	elif ! grep -q ' 01' all; then
		fail console-keys "Ctrl-A Ctrl-A did not reach the guest as one 0x01"
	elif [ "$termios" != restored ]; then
		fail console-keys "terminal left $termios"
	else
		pass console-keys
	fi
}

# A failed start leaves the terminal alone too.
case_console_error() {
	pty_vmm -- "$VMM" run --kernel /nonexistent/Image
	if [ "$rc" != 3 ] || [ "$termios" != restored ]; then
		fail console-error "status '$rc' (want 3), terminal $termios"
	else
		pass console-error
	fi
}

# stdin a pipe, as in scripts: bytes reach the guest, no escapes, no tty.
case_console_pipe() {
	t0=$(date +%s)
	# The Ctrl-A x on its own line would quit vmm on a terminal; from a pipe
	# it must reach the guest (whose shell runs "x": not found) instead.
	rm -f out
	{ wait_for 'GUEST shell' out "$BOOT_SECS" && sleep 2
	  printf 'echo PIPED-$((6*7))\n\001x\n'; sleep 2; echo 'poweroff -f'; sleep 30; } |
		timeout "$BOOT_SECS" "$VMM" run --kernel "$KERNEL" --initrd "$INITRD" \
			--params "vmmtest=shell quiet" >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
	if [ "$rc" != 0 ]; then
		fail console-pipe "$(status_text), want 0: $(why)"
	elif ! grep -q 'PIPED-42' all; then
		fail console-pipe "piped command did not run in the guest"
	else
		pass console-pipe
	fi
}

# --console-log records what the console shows.
case_console_log() {
	vmm_run "$BOOT_SECS" --console-log "$PWD/c.log" --kernel "$KERNEL" --initrd "$INITRD" \
		--params "$PARAMS"
	if [ "$rc" != 0 ]; then
		fail console-log "$(status_text), want 0: $(why)"
	elif ! cmp -s out c.log; then
		fail console-log "the log differs from stdout ($(wc -c <out) vs $(wc -c <c.log) bytes)"
	elif [ "$(stat -c %a c.log)" != 600 ]; then
		# The guest's transcript may hold secrets: the owner's only.
		fail console-log "the log's mode is $(stat -c %a c.log), want 600"
	else
		pass console-log
	fi
}

# --console virtio: the guest's console is hvc0; output and input both work.
case_console_virtio() { #rig: all-modes
	t0=$(date +%s)
	rm -f out
	{ wait_for 'GUEST shell' out "$BOOT_SECS" && sleep 2
	  printf 'echo HVC-$((6*7)) $(tty)\n'; sleep 3; echo 'poweroff -f'; sleep 30; } |
		timeout "$BOOT_SECS" "$VMM" run --console virtio --kernel "$KERNEL" --initrd "$INITRD" \
			--params "vmmtest=shell quiet" >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
	if [ "$rc" != 0 ]; then
		fail console-virtio "$(status_text), want 0: $(why)"
	elif ! grep -q 'HVC-42 /dev/hvc0' all; then
		fail console-virtio "no answer from a shell on hvc0: $(tail -n2 all | tr '\n' '|')"
	else
		pass console-virtio
	fi
}

# --console-pty: vmm prints the pty's path; a script's redirections drive a
# shell in the guest through it; vmm info shows it; vmm console refuses.
case_console_pty() { #rig: lock=vms
	vm_detach rig-p --console-pty --console-log "$PWD/p.log" --params "vmmtest=shell quiet"
	pty=$(sed -n 's/^vmm: console on //p' derr)
	wait_for 'GUEST shell' p.log 60
	got=1 isdev=no
	if [ -c "$pty" ]; then
		isdev=yes
		exec 3<>"$pty"
		# The quotes split the marker: only the answer, not the echo, has PTY-42.
		printf 'echo "PT""Y-$((6*7))"\n' >&3
		timeout 30 grep -m1 -q 'PTY-42' <&3
		got=$?
		exec 3<&-
	fi
	"$VMM" info --json rig-p >info.json 2>&1
	"$VMM" console rig-p </dev/null >c.out 2>c.err
	crc=$?
	"$VMM" kill rig-p
	if [ "$rc" != 0 ]; then
		fail console-pty "--detach --console-pty: status $rc: $(head -n1 derr)"
	elif [ "$isdev" != yes ]; then
		fail console-pty "no pty at '$pty': $(head -n2 derr | tr '\n' '|')"
	elif [ "$got" != 0 ]; then
		fail console-pty "no answer from the guest's shell on $pty: $(tail -n2 p.log | tr '\n' '|')"
	elif ! grep -q "\"pty\": \"$pty\"" info.json; then
		fail console-pty "vmm info does not show $pty: $(grep -o '"console".*' info.json | head -c 200)"
	elif [ "$crc" = 0 ] || ! grep -q "console is on $pty" c.err; then
		fail console-pty "vmm console on a pty VM: status $crc, '$(head -n1 c.err)'"
	elif ! grep -q '^PTY-42' p.log; then
		fail console-pty "the console log lacks what the pty saw"
	else
		pass console-pty
	fi
}

# vmm console: resizing the client's terminal resizes the guest's hvc0.
case_console_resize() { #rig: lock=vms
	vm_detach rig-w --console virtio --params "vmmtest=shell quiet"
	sleep 6
	# stty size waits for the change (the resize goes over a second connection).
	pty_vmm -w 'attached to rig-w' -s '\n' -w '# ' -s 'stty size\n' -w '24 80' \
		-s '@winsize=100x40' -w '' \
		-s 'for i in $(seq 100); do [ "$(stty size)" = "40 100" ] && break; sleep 0.1; done; s=$(stty size | tr " " x); echo "SIZ""E-$s"\n' \
		-w 'SIZE-' -s '\x01x' -- "$VMM" console rig-w
	"$VMM" kill rig-w
	if [ "$rc" != 0 ]; then
		fail console-resize "vmm console: status '$rc': $(why)"
	elif ! grep -q '^24 80' all; then
		fail console-resize "hvc0 did not start at the client's 80x24: $(grep -A1 'stty size' all | tail -n1)"
	elif ! grep -q '^SIZE-40x100' all; then
		fail console-resize "hvc0 did not follow the resize to 100x40: $(grep '^SIZE' all)"
	else
		pass console-resize
	fi
}

