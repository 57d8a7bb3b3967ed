# The rig's shared helpers, sourced by run-cases.sh before the case files.
# Every case prints exactly one line through pass or fail; a case runs in a
# directory of its own ($T/<case>, its disk images in $D on the scratch
# disk), possibly beside another case (see run-cases.sh), so helpers keep
# their files in the current directory and never in a shared place.

pass() {
	[ -z "$result" ] || return 0
	result=pass
	echo "PASS $1"
}

fail() {
	[ -z "$result" ] || return 0
	result=fail
	n=$1
	shift
	# One line, no carriage returns, bounded length.
	echo "FAIL $n: $(echo "$*" | tr -d '\r' | tr '\n' ' ' | cut -c1-300)"
	# The end of vmm's output goes into the console log for diagnosis.
	[ -s all ] && tail -n 15 all | sed 's/^/  | /'
	[ -s all ] || [ ! -f all ] || echo "  | (vmm printed nothing)"
	return 0
}

# vmm_run SECS ARGS...: run `vmm run ARGS` with a time limit and stdin from /dev/null;
# stdout to ./out, stderr to ./err, both (\r stripped) to ./all; status in
# $rc (busybox timeout kills with SIGTERM: 143), seconds taken in $secs.
vmm_run() {
	limit=$1
	shift
	t0=$(date +%s)
	timeout "$limit" "$VMM" run "$@" </dev/null >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
}

# Describe rc for a failure message.
status_text() {
	case $rc in
	143 | 137) echo "timed out after ${secs}s" ;;
	*) if [ "$rc" -gt 128 ]; then echo "killed by signal $((rc - 128))"; else echo "status $rc"; fi ;;
	esac
}

# First stderr line, or the last output line: the likeliest explanation.
why() {
	# busybox timeout's own "Terminated" explains nothing.
	e=$(grep -v '^Terminated$' err | head -n1)
	if [ -n "$e" ]; then echo "$e"; else grep -v '^Terminated$' all | tail -n1; fi
}

# guest KEY: the value of the guest's "GUEST KEY=value" line.
guest() {
	sed -n "s/^GUEST $1=//p" all | head -n1
}

# boot NAME [ARGS...]: a normal guest boot that must end in power-off with
# the report lines; ARGS go after the kernel and initrd. Returns 1 after
# failing the case.
boot() {
	name=$1
	shift
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" "$@"
	if [ "$rc" != 0 ]; then
		fail "$name" "$(status_text), want 0: $(why)"
		return 1
	fi
	if ! grep -q '^GUEST cpus=' all; then
		fail "$name" "no GUEST lines in the output: $(why)"
		return 1
	fi
}

# bad NAME STATUS PATTERN ARGS...: vmm must exit with STATUS, print exactly
# one stderr line, starting "vmm: " and matching PATTERN (an ERE naming the
# object, case-insensitive), and leave no core file.
bad() {
	name=$1 want=$2 pat=$3
	shift 3
	vmm_run "$BAD_SECS" "$@"
	check_bad "$name" "$want" "$pat"
}

check_bad() {
	if [ "$rc" != "$2" ]; then
		fail "$1" "$(status_text), want $2: $(why)"
		return
	fi
	n=$(tr -d '\r' <err | grep -c '')
	if [ "$n" != 1 ]; then
		fail "$1" "stderr has $n lines, want 1: $(head -n2 err | tr '\n' '|')"
		return
	fi
	if ! grep -q '^vmm: ' err; then
		fail "$1" "stderr line does not start with 'vmm: ': $(cat err)"
		return
	fi
	if ! grep -qiE "$3" err; then
		fail "$1" "message does not name '$3': $(cat err)"
		return
	fi
	if ls core* >/dev/null 2>&1; then
		fail "$1" "core file left: $(ls core*)"
		return
	fi
	pass "$1"
}

# Bad input. badk runs name a kernel and initrd that would boot, so a vmm
# that wrongly accepts the input boots the guest (and fails the status check).
badk() {
	n=$1 w=$2 p=$3
	shift 3
	bad "$n" "$w" "$p" --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS" "$@"
}

# ptyrun ARGS...: vmm on a fresh pty; its output in ./all, the status vmm
# ended with in $rc, and whether it left the terminal as it found it.
pty_vmm() {
	"$PTYRUN" -t "$BOOT_SECS" "$@" >out 2>err
	cat out err | tr -d '\r' >all
	rc=$(sed -n 's/^PTY status=\([0-9]*\).*/\1/p' all)
	termios=$(sed -n 's/^PTY .*termios=\([a-z]*\).*/\1/p' all)
}

# field LINE KEY: the value of KEY=value in LINE.
field() {
	echo " $1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"
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

# vm_detach NAME ARGS...: `vmm run --detach --name NAME ARGS`; status in $rc,
# what it printed in ./dout.
vm_detach() {
	vd_name=$1
	shift
	timeout "$BOOT_SECS" "$VMM" run --detach --name "$vd_name" --kernel "$KERNEL" \
		--initrd "$INITRD" "$@" </dev/null >dout 2>derr
	rc=$?
}

# vm_gone NAME: until `vmm list` no longer shows NAME (0), or 20 s (1).
vm_gone() {
	i=0
	while [ $i -lt 40 ]; do
		"$VMM" list 2>/dev/null | grep -q "^$1 " || return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

