# Command mode as the guest's agent (guest/agent/) sees it: `vmm run --
# CMD` with the rig's guest kernel and the rig host's own root (busybox) as
# CMD's root. vmm's side of the same feature has its own cases
# (cases_cmd.sh); these check what the agent does: stdio kept apart and
# byte-exact, statuses, the throw-away overlay, shares, the pty.
# The cases run in $T (under the host's /tmp), which the guest's own /tmp
# tmpfs hides (CMD's working directory is vmm's): vmm runs from / or the
# case's directory is shared.

# agent_run SECS ARGS...: like vmm_run, in command mode with the rig's
# kernel, vmm started from /.
agent_run() {
	ar_secs=$1 ar_dir=$PWD
	shift
	t0=$(date +%s)
	(cd / && timeout "$ar_secs" "$VMM" run --kernel "$KERNEL" "$@" \
		</dev/null >"$ar_dir/out" 2>"$ar_dir/err")
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
}

case_agent_pipes() {
	agent_run "$BOOT_SECS" -- /bin/sh -c 'echo to-out; echo to-err >&2; exit 7'
	if [ "$rc" != 7 ]; then
		fail agent-pipes "$(status_text), want 7: $(why)"
	elif [ "$(cat out)" != to-out ]; then
		fail agent-pipes "stdout '$(cat out)', want to-out"
	elif [ "$(cat err)" != to-err ]; then
		fail agent-pipes "stderr '$(cat err)', want to-err"
	else
		pass agent-pipes
	fi
}

# 600 KiB of random stdin through CMD and back, both ways bigger than
# every buffer on the way: back-pressure must neither lose nor reorder.
case_agent_stdin() {
	head -c 614400 /dev/urandom >in.bin
	want=$(sha256sum <in.bin | cut -c1-64)
	t0=$(date +%s)
	d=$PWD
	(cd / && timeout "$BOOT_SECS" "$VMM" run --kernel "$KERNEL" -- /bin/sh -c \
		'cat; echo done >&2' <"$d/in.bin" >"$d/out.bin" 2>"$d/err")
	rc=$?
	secs=$(($(date +%s) - t0))
	cat err >all
	got=$(sha256sum <out.bin | cut -c1-64)
	if [ "$rc" != 0 ]; then
		fail agent-stdin "$(status_text), want 0: $(why)"
	elif [ "$got" != "$want" ]; then
		fail agent-stdin "stdout is $(wc -c <out.bin) bytes, sha $got, want 614400, $want"
	elif [ "$(cat err)" != done ]; then
		fail agent-stdin "stderr '$(cat err)', want done"
	else
		pass agent-stdin
	fi
}

case_agent_status() {
	agent_run "$BOOT_SECS" -- no-such-command-here
	r1=$rc e1=$(cat err)
	# In the guest's own /proc: there whatever the rig host's root holds.
	agent_run "$BOOT_SECS" -- /proc/version
	r2=$rc e2=$(cat err)
	agent_run "$BOOT_SECS" -- /bin/sh -c 'kill -TERM $$'
	r3=$rc
	# The agent's EXIT also carries "NAME: command not found" and
	# "/proc/version: Permission denied"; whether vmm prints them is vmm's.
	if [ "$r1" != 127 ]; then
		fail agent-status "not found: status $r1, want 127, stderr '$e1'"
	elif [ "$r2" != 126 ]; then
		fail agent-status "not executable: status $r2, want 126, stderr '$e2'"
	elif [ "$r3" != 143 ]; then
		fail agent-status "SIGTERM: status $r3, want 143: $(why)"
	else
		pass agent-status
	fi
}

# Writes anywhere succeed in the guest and never reach the host; the
# guest has its own /proc, /tmp (tmpfs) and /dev/pts; the host name; CMD
# inherits no descriptor beyond stdio, no blocked or ignored signal.
case_agent_overlay() {
	rm -f /etc/agent-overlay-probe
	# shellcheck disable=SC2016 # expanded by the guest's shell
	agent_run "$BOOT_SECS" -- /bin/sh -c 'cd / && echo probe >/etc/agent-overlay-probe &&
		cat /etc/agent-overlay-probe && echo "pid1=$(cat /proc/1/comm)" &&
		grep -E " /(tmp|proc|dev/pts|run) " /proc/mounts | cut -d" " -f2,3 | sort | tr "\n" , &&
		echo && echo "pwd=$(pwd) host=$(hostname)" &&
		echo "fds=$(ls /proc/self/fd | tr "\n" " ")" &&
		grep -E "^Sig(Blk|Ign)" /proc/self/status | tr -d " \t" | tr "\n" ,'
	if [ "$rc" != 0 ]; then
		fail agent-overlay "$(status_text), want 0: $(why)"
	elif [ -e /etc/agent-overlay-probe ]; then
		fail agent-overlay "the guest's write reached the host's /etc"
	elif ! grep -q '^probe$' out || ! grep -q '^pid1=vmm-agent$' out; then
		fail agent-overlay "unexpected output: $(tr '\n' ' ' <out)"
	elif ! grep -q '^/dev/pts devpts,/proc proc,/run tmpfs,/tmp tmpfs,$' out; then
		fail agent-overlay "mounts: $(sed -n 4p out)"
	elif ! grep -q '^pwd=/ host=vmm$' out; then
		fail agent-overlay "$(grep pwd= out)"
	elif ! grep -q '^fds=0 1 2 3 $' out; then
		fail agent-overlay "CMD inherited more than stdio: $(grep fds= out)"
	elif ! grep -q '^SigBlk:0000000000000000,SigIgn:0000000000000000,$' out; then
		fail agent-overlay "CMD's signals are not the defaults: $(grep Sig out)"
	else
		pass agent-overlay
	fi
}

# --rwdir writes reach the host, --rodir refuses writes; the working
# directory is vmm's (here a shared one).
case_agent_shares() {
	mkdir -p rw ro
	echo keep >ro/keep
	(cd rw && timeout "$BOOT_SECS" "$VMM" run --kernel "$KERNEL" --rwdir "$PWD" \
		--rodir "${PWD%/rw}/ro" -- /bin/sh -c \
		"echo from-guest >new && cat ../ro/keep && echo pwd=\$(pwd) &&
		 if echo x >../ro/new; then echo ro-writable; fi" </dev/null >../out 2>../err)
	rc=$?
	cat out err | tr -d '\r' >all
	if [ "$rc" != 0 ]; then
		fail agent-shares "$(status_text), want 0: $(why)"
	elif [ "$(cat rw/new 2>/dev/null)" != from-guest ]; then
		fail agent-shares "the rw share's file on the host: '$(cat rw/new 2>&1)'"
	elif [ -e ro/new ] || grep -q ro-writable out; then
		fail agent-shares "the ro share took a write"
	elif ! grep -q '^keep$' out || ! grep -q 'Read-only' err ||
		! grep -q "^pwd=$PWD/rw\$" out; then
		fail agent-shares "out '$(cat out)', err '$(cat err)'"
	else
		pass agent-shares
	fi
}

# On a terminal CMD gets a pty of the terminal's size as its controlling
# terminal, and follows a resize.
case_agent_tty() {
	# shellcheck disable=SC2016 # expanded by the guest's shell
	pty_vmm -w 'size=' -s 'hello\r' -w 'got=' -s '@winsize=100x30' -- \
		"$VMM" run --kernel "$KERNEL" --rwdir "$PWD" -- /bin/sh -c \
		'echo "size=$(stty size) tty=$(tty)"; read -r line; echo "got=$line"
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			s=$(stty size); [ "$s" = "30 100" ] && break; sleep 0.5
		done; echo "size2=$s"'
	if [ "$rc" != 0 ]; then
		fail agent-tty "status '$rc', want 0: $(why)"
	elif ! grep -q 'size=24 80 tty=/dev/pts/0' all; then
		fail agent-tty "terminal: $(grep size= all)"
	elif ! grep -q 'got=hello' all; then
		fail agent-tty "CMD read '$(grep got= all)' from the terminal, want hello"
	elif ! grep -q 'size2=30 100' all; then
		fail agent-tty "after a resize to 100x30: $(grep size2= all)"
	else
		pass agent-tty
	fi
}
