# Command mode, `vmm run [options] -- CMD` (vmm/cmd_mode.c, vmm/cmd_relay.c,
# guest/agent/): CMD's status, its stdio byte for byte, the host's root
# read-only under an overlay, --rwdir, the user's cwd and uid, a terminal.
# Sourced by run-cases.sh (helpers in lib.sh). CMD runs over the emulated
# host's root, the rig's busybox initramfs: only busybox applets here.

TAPTOOL=$P/taptool

# cmd_dir CASE: work in the case's scratch directory: the guest has /tmp of
# its own (a tmpfs over the host's root), so the case's usual directory
# under /tmp does not exist there. Returns 1 after failing the case.
cmd_dir() {
	if [ ! -d "$D" ] || ! cd "$D"; then
		fail "$1" "no scratch directory $D"
		return 1
	fi
}

# cmd_run ARGS...: `vmm run --kernel KERNEL ARGS` (ARGS end in -- CMD...),
# stdin from $CMD_IN (default /dev/null), as vmm_run does otherwise.
cmd_run() {
	t0=$(date +%s)
	timeout "$BOOT_SECS" "$VMM" run --kernel "$KERNEL" "$@" <"${CMD_IN:-/dev/null}" >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
}

# status_is WANT CMD...: `vmm run -- CMD...` must end with WANT; fails the case otherwise.
status_is() {
	w=$1
	shift
	cmd_run -- "$@"
	[ "$rc" = "$w" ] && return 0
	fail cmd-status "vmm run -- $*: $(status_text), want $w: $(why)"
	return 1
}

# CMD's exit status is vmm's; a signal is 128+N; not found 127, not executable 126.
# (0 is cmd-stdio's, 1 and 255 cmd-two's, 3 cmd-tty's: a boot costs seconds.)
case_cmd_status() {
	cmd_dir cmd-status || return
	: >plain
	chmod 644 plain
	# shellcheck disable=SC2016 # $$ is the guest shell's
	status_is 42 sh -c 'exit 42' &&
		status_is 143 sh -c 'kill -TERM $$' &&
		status_is 127 no-such-command-here &&
		{ grep -q 'no-such-command-here: command not found' err ||
			{ fail cmd-status "127 without the line naming the command: $(why)"; false; }; } &&
		status_is 126 "$PWD/plain" &&
		pass cmd-status
}

# --timeout in command mode: 124 (as timeout(1)), with a line naming CMD.
case_cmd_timeout() {
	cmd_dir cmd-timeout || return
	cmd_run --timeout 5 -- sleep 120
	if [ "$rc" != 124 ]; then
		fail cmd-timeout "$(status_text), want 124: $(why)"
	elif ! grep -q 'timeout 5: sleep was still running' err; then
		fail cmd-timeout "no line naming the command: $(why)"
	else
		pass cmd-timeout
	fi
}

# stdout and stderr arrive apart and byte-exact: 16 MiB of random bytes.
case_cmd_stdio() {
	cmd_dir cmd-stdio || return
	dd if=/dev/urandom of=big bs=1048576 count=16 2>/dev/null
	cmd_run -- sh -c 'cat big; echo ERR-$((6*7)) >&2'
	if [ "$rc" != 0 ]; then
		fail cmd-stdio "$(status_text), want 0: $(why)"
	elif ! cmp -s big out; then
		fail cmd-stdio "stdout differs from the 16 MiB file ($(wc -c <out) bytes)"
	elif [ "$(cat err)" != ERR-42 ]; then
		fail cmd-stdio "stderr is '$(head -c 200 err)', want ERR-42"
	else
		pass cmd-stdio
	fi
}

# stdin from a pipe, with its end; and binary stdin into an --rwdir.
case_cmd_stdin() {
	cmd_dir cmd-stdin || return
	t0=$(date +%s)
	printf 'a\nb\n' | timeout "$BOOT_SECS" "$VMM" run --kernel "$KERNEL" -- wc -l >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
	if [ "$rc" != 0 ] || [ "$(tr -d ' ' <out)" != 2 ]; then
		fail cmd-stdin "printf 'a\\nb\\n' | vmm run -- wc -l: $(status_text), out '$(cat out)': $(why)"
		return
	fi
	dd if=/dev/urandom of=in bs=1048576 count=4 2>/dev/null
	mkdir -p w
	CMD_IN=in cmd_run --rwdir "$PWD/w" -- sh -c 'cat >w/copy'
	if [ "$rc" != 0 ]; then
		fail cmd-stdin "cat >w/copy: $(status_text), want 0: $(why)"
	elif ! cmp -s in w/copy; then
		fail cmd-stdin "stdin reached the guest changed ($(wc -c <w/copy) of 4194304 bytes)"
	else
		pass cmd-stdin
	fi
}

# The root is the host's, read-only to it: the guest's writes stay in the guest.
case_cmd_overlay() {
	cmd_dir cmd-overlay || return
	echo host-data >f
	cp f f.orig
	mkdir -p w
	cmd_run --rwdir "$PWD/w" -- sh -c \
		'echo guest-data >f && echo new >n && cat f n && echo rw >w/x && echo OK'
	if [ "$rc" != 0 ]; then
		fail cmd-overlay "$(status_text), want 0: $(why)"
	elif [ "$(cat out)" != "$(printf 'guest-data\nnew\nOK')" ]; then
		fail cmd-overlay "the guest did not see its own writes: '$(cat out)'"
	elif ! cmp -s f f.orig; then
		fail cmd-overlay "the host's file changed: '$(cat f)'"
	elif [ -e n ]; then
		fail cmd-overlay "a file the guest made appeared on the host"
	elif [ "$(cat w/x 2>/dev/null)" != rw ]; then
		fail cmd-overlay "a write to --rwdir did not reach the host"
	else
		pass cmd-overlay
	fi
}

# CMD runs where and as whom vmm was started: uid 1000 in the case's directory.
case_cmd_user() { #rig: lock=kvm-perm
	cmd_dir cmd-user || return
	kvm_mode=$(stat -c %a /dev/kvm)
	chmod 0666 /dev/kvm
	chmod 0777 .
	t0=$(date +%s)
	timeout "$BOOT_SECS" "$TAPTOOL" asuser 1000 -- "$VMM" run --kernel "$KERNEL" -- \
		sh -c 'pwd; id -u; id -g; touch mine 2>&1 || echo RO' </dev/null >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	chmod "$kvm_mode" /dev/kvm
	cat out err | tr -d '\r' >all
	if [ "$rc" != 0 ]; then
		fail cmd-user "$(status_text), want 0: $(why)"
	elif [ "$(sed -n 1p out)" != "$PWD" ]; then
		fail cmd-user "cwd '$(sed -n 1p out)', want $PWD"
	elif [ "$(sed -n 2p out)" != 1000 ] || [ "$(sed -n 3p out)" != 1000 ]; then
		fail cmd-user "ids '$(sed -n 2,3p out | tr '\n' ' ')', want 1000 1000"
	else
		pass cmd-user
	fi
}

# A person at a terminal: an interactive shell on a pty, its exit status.
case_cmd_tty() {
	cmd_dir cmd-tty || return
	pty_vmm -w '# ' -s 'echo TTY-$((6*7)); tty\n' -w 'TTY-42' -s 'exit 3\n' -- \
		"$VMM" run --kernel "$KERNEL" -- sh
	if [ "$rc" != 3 ]; then
		fail cmd-tty "status '$rc', want 3: $(why)"
	elif ! grep -q '^/dev/pts/' all; then
		fail cmd-tty "CMD's stdin is no pty: $(grep -v TTY all | tail -n 3 | tr '\n' '|')"
	elif [ "$termios" != restored ]; then
		fail cmd-tty "terminal left $termios"
	else
		pass cmd-tty
	fi
}

# Two command-mode VMs at once, each with its own status and output.
case_cmd_two() {
	cmd_dir cmd-two || return
	t0=$(date +%s)
	timeout "$BOOT_SECS" "$VMM" run --kernel "$KERNEL" -- sh -c 'echo ONE; exit 1' \
		</dev/null >out1 2>err1 &
	p1=$!
	timeout "$BOOT_SECS" "$VMM" run --kernel "$KERNEL" -- sh -c 'echo TWO; exit 255' \
		</dev/null >out2 2>err2 &
	p2=$!
	wait "$p1"
	rc1=$?
	wait "$p2"
	rc2=$?
	secs=$(($(date +%s) - t0))
	cat out1 err1 out2 err2 | tr -d '\r' >all
	if [ "$rc1" != 1 ] || [ "$rc2" != 255 ]; then
		fail cmd-two "statuses $rc1 and $rc2, want 1 and 255: $(head -n1 err1) $(head -n1 err2)"
	elif [ "$(cat out1)" != ONE ] || [ "$(cat out2)" != TWO ]; then
		fail cmd-two "outputs '$(cat out1)' and '$(cat out2)', want ONE and TWO"
	else
		pass cmd-two
	fi
}

# Refused with a command, status 125 and one line naming the option.
case_cmd_refused() {
	bad cmd-refused 125 'initrd: not with a command' --kernel "$KERNEL" --initrd "$INITRD" \
		-- true
}
