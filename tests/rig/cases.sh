#!/bin/sh
# The integration cases, run inside the emulated arm64 host by busybox sh as
# /payload/run.sh (see tests/rig/run.sh). /payload holds vmm, Image (guest
# kernel), initrd.cpio.gz (guest/mkinitramfs.sh) and counter. Every case
# prints exactly one line: "PASS <case>" or "FAIL <case>: <reason>".
# Usage: run.sh [CASE...] (default: all, in the order below).
#
# No set -e on purpose: a failing command must fail its case, not end the
# run; every status that matters is checked explicitly.
set -u

P=${PAYLOAD:-/payload}
VMM=$P/vmm
KERNEL=$P/Image
INITRD=$P/initrd.cpio.gz
COUNTER=$P/counter
T=${RIG_TMP:-/tmp/rig}
BOOT_SECS=60  # one guest boot; a hang fails one case, not the run
BAD_SECS=30   # a bad-input run should end at once; bounded if it boots
PARAMS="vmmtest=report quiet"

mkdir -p "$T"
# Cores land in the case's directory, so "no core file" means something.
# shellcheck disable=SC3045 # busybox ash has ulimit -c
ulimit -c unlimited 2>/dev/null
[ -w /proc/sys/kernel/core_pattern ] && echo core >/proc/sys/kernel/core_pattern

# --- helpers -----------------------------------------------------------
result=
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

# --- cases -------------------------------------------------------------
case_boot_poweroff() {
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
case_cpus_1() { cpus_case 1; }
case_cpus_2() { cpus_case 2; }
case_cpus_4() { cpus_case 4; }

case_mem() {
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
case_counter() {
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
case_reboot() {
	t0=$(date +%s)
	"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=reboot quiet" \
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
	if [ "$n" -ge 2 ]; then
		pass reboot
	elif [ "$running" = no ]; then
		fail reboot "vmm ended with status $rc after $n boot(s): $(why)"
	else
		fail reboot "$n boot(s) in ${secs}s, want 2: $(why)"
	fi
}

case_reboot_exit() {
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

# Bad input. badk runs name a kernel and initrd that would boot, so a vmm
# that wrongly accepts the input boots the guest (and fails the status check).
badk() {
	n=$1 w=$2 p=$3
	shift 3
	bad "$n" "$w" "$p" --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS" "$@"
}

case_bad_missing_kernel() {
	bad bad-missing-kernel 3 '/nonexistent/Image' --kernel /nonexistent/Image --initrd "$INITRD"
}
case_bad_not_image() {
	echo "this is not a kernel" >notimage.txt
	bad bad-not-image 3 'notimage\.txt' --kernel "$PWD/notimage.txt" --initrd "$INITRD"
}
case_bad_truncated() {
	head -c 4096 "$KERNEL" >truncated.Image
	bad bad-truncated 3 'truncated\.Image' --kernel "$PWD/truncated.Image" --initrd "$INITRD"
}
case_bad_missing_initrd() {
	bad bad-missing-initrd 3 '/nonexistent/initrd' --kernel "$KERNEL" --initrd /nonexistent/initrd.gz
}
case_bad_mem_0() { badk bad-mem-0 2 'mem' --mem 0; }
case_bad_mem_huge() { badk bad-mem-huge 4 'mem|ram|64' --mem 64G; }
case_bad_mem_ipa() { badk bad-mem-ipa 4 'ipa|mem|ram' --ipa-bits 32 --mem 3G; }
case_bad_cpus_0() { badk bad-cpus-0 2 'cpu' --cpus 0; }
case_bad_cpus_many() { badk bad-cpus-many 4 'cpu' --cpus 100000; }
case_bad_ipa_small() { badk bad-ipa-small 4 'ipa' --ipa-bits 20; }
case_bad_ipa_large() { badk bad-ipa-large 4 'ipa' --ipa-bits 60; }
# The emulated host's GICv3 has no GICv2 compatibility interface.
case_bad_gicv2() { badk bad-gicv2 4 'gic ?v2' --irqchip gicv2; }
case_bad_option() { badk bad-option 2 'frobnicate' --frobnicate; }

# /dev/kvm hidden in a private mount namespace (tmpfs over /dev); if
# unshare is not possible, the node is renamed for the run and put back.
case_bad_no_kvm() {
	if unshare -m true 2>/dev/null; then
		t0=$(date +%s)
		# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
		timeout "$BAD_SECS" unshare -m sh -c 'mount -t tmpfs none /dev && exec "$0" "$@"' \
			"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS" \
			</dev/null >out 2>err
		rc=$?
		secs=$(($(date +%s) - t0))
		cat out err | tr -d '\r' >all
	else
		mv /dev/kvm /dev/kvm.rig-hidden || { fail bad-no-kvm "cannot hide /dev/kvm"; return; }
		vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS"
		mv /dev/kvm.rig-hidden /dev/kvm
	fi
	check_bad bad-no-kvm 4 'kvm'
}

ALL="boot-poweroff cpus-1 cpus-2 cpus-4 mem cmdline initrd counter reboot
reboot-exit dtb-dump bad-missing-kernel bad-not-image bad-truncated
bad-missing-initrd bad-mem-0 bad-mem-huge bad-mem-ipa bad-cpus-0
bad-cpus-many bad-ipa-small bad-ipa-large bad-gicv2 bad-option bad-no-kvm"

for f in "$VMM" "$KERNEL" "$INITRD" "$COUNTER"; do
	[ -e "$f" ] || echo "RIG payload: $f missing"
done

# Settings from tests/rig/run.sh: RIG_CASES, RIG_VERBOSE.
RIG_CASES='' RIG_VERBOSE=0
# shellcheck disable=SC1091 # written by run.sh
[ -f "$P/rig.conf" ] && . "$P/rig.conf"
# Cases: the arguments, else RIG_CASES, else all.
# shellcheck disable=SC2086 # word lists, split on purpose
[ $# -gt 0 ] || set -- ${RIG_CASES:-$ALL}
for c in "$@"; do
	fn=case_$(echo "$c" | tr - _)
	mkdir -p "$T/$c"
	cd "$T/$c" || continue
	rm -f core*
	result=
	t0=$(date +%s)
	"$fn"
	[ -n "$result" ] || fail "$c" "case printed no result"
	if [ "$RIG_VERBOSE" = 1 ] && [ "$result" = pass ] && [ -f all ]; then
		echo "  $ vmm output ($c, status ${rc:-?}):"
		head -n 60 all | sed 's/^/  | /'
	fi
	echo "TIME $c $(($(date +%s) - t0))s"
done
