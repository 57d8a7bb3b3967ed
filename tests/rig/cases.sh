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
PTYRUN=$P/ptyrun
PRNG=$P/prng
SCRATCH=${RIG_SCRATCH:-/scratch}
ROOTFS=$SCRATCH/rootfs.img
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

# --- the console as a person at a terminal sees it ------------------------

# ptyrun ARGS...: vmm on a fresh pty; its output in ./all, the status vmm
# ended with in $rc, and whether it left the terminal as it found it.
pty_vmm() {
	"$PTYRUN" -t "$BOOT_SECS" "$@" >out 2>err
	cat out err | tr -d '\r' >all
	rc=$(sed -n 's/^PTY status=\([0-9]*\).*/\1/p' all)
	termios=$(sed -n 's/^PTY .*termios=\([a-z]*\).*/\1/p' all)
}

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
	pty_vmm -w 'GUEST shell' -s 'sleep 30; echo SLEPT\n' -w 'sleep 30' -s '\x03' \
		-w '# ' -s 'stty raw -echo; od -An -tx1 -N1; stty sane; echo CTRL-$((1+1))\n' \
		-w 'stty sane' -s '\x01\x01' -w 'CTRL-2' -s 'poweroff -f\n' -- \
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

# Unclaimed MMIO reads 0 and is logged once; a load pair there (no valid
# syndrome) gets an external abort injected: SIGBUS in the guest, vmm goes on.
case_mmio_unclaimed() {
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
case_irqchip_gicv3() {
	boot irqchip-gicv3 --irqchip gicv3 --params "$PARAMS" || return
	pass irqchip-gicv3
}

case_irqchip_its() {
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
case_panic_exit() {
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

# --- disks (virtio-blk) -------------------------------------------------
# Images live on the host's scratch disk (an ext4 file system on a QEMU
# virtio disk, mounted on /scratch by the host's /init; tests/rig/run.sh
# makes it), in $D, the case's own directory there, removed after the case.
# The scratch file system also holds rootfs.img from guest/mkrootfs.sh,
# never written: cases that write a root disk copy it. Data disks are
# checked both ways: what the guest reads and what the image file holds.

# need_scratch NAME: fail NAME unless the scratch disk is mounted.
need_scratch() {
	if ! awk -v m="$SCRATCH" '$2 == m { f = 1 } END { exit !f }' /proc/mounts; then
		fail "$1" "no scratch disk mounted on $SCRATCH (see RIG scratch: in the log)"
		return 1
	fi
	if [ ! -f "$ROOTFS" ]; then
		fail "$1" "$ROOTFS missing on the scratch disk"
		return 1
	fi
}

# sum: checksum of stdin, the same function as guest/init's.
sum() {
	sha256sum | cut -c1-64
}

# pcheck SEED|zero SIZE FILE [OFFSET]: "ok" when FILE holds the prng
# stream SEED (or zeroes) there, else what differs (guest/tools/prng.c:
# 1 MiB reads, no pipes, which cost seconds per 64 MiB under TCG).
pcheck() {
	r=$("$PRNG" -c "$@")
	r=${r#prng=}
	echo "$r" | tr ' ' _
}

# blocks FILE: 512-byte blocks FILE has allocated.
blocks() {
	stat -c %b "$1"
}

# dboot NAME [SECS] ARGS...: a guest boot for a disk case: vmm must end with
# status 0 and the guest's "GUEST end" line in the output. ARGS are vmm
# run's after --kernel. Returns 1 after failing the case.
dboot() {
	name=$1
	shift
	limit=$BOOT_SECS
	case $1 in [0-9]*) limit=$1; shift ;; esac
	vmm_run "$limit" --kernel "$KERNEL" "$@"
	if [ "$rc" != 0 ]; then
		fail "$name" "$(status_text), want 0: $(why)"
		return 1
	fi
	if ! grep -q '^GUEST end' all; then
		fail "$name" "the guest did not finish its test: $(why)"
		return 1
	fi
}

# disk_line DEV: the guest's "GUEST disk DEV ..." line (blk-info).
disk_line() {
	sed -n "s/^GUEST disk $1 //p" all | head -n1
}

# field LINE KEY: the value of KEY=value in LINE.
field() {
	echo " $1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"
}

# The content guest/init's files-write writes into /data.
files_sum() {
	{ "$PRNG" 11 3M; echo "vmm disk-root test file"; "$PRNG" 12 100K; } | sum
}

# The root disk: the guest runs from it (no initrd), writes files, powers
# off; a second boot reads them back.
case_disk_root() {
	need_scratch disk-root || return
	img=$D/root.img
	cp "$ROOTFS" "$img" || { fail disk-root "cannot copy $ROOTFS"; return; }
	want=$(files_sum)
	dboot disk-root --disk "$img" --params "vmmtest=files-write quiet" || return
	root=$(sed -n 's/^GUEST root=//p' all | head -n1)
	line=$(guest cmdline)
	case " $line " in
	*" root=/dev/vda rw "*) ;;
	*) fail disk-root "vmm did not add 'root=/dev/vda rw': guest cmdline: $line"; return ;;
	esac
	if [ "$root" != "vda fs=ext4 mode=rw" ]; then
		fail disk-root "guest / is '$root', want 'vda fs=ext4 mode=rw'"
	elif ! grep -q '^GUEST rootfs=ok' all; then
		fail disk-root "the guest did not run from rootfs.img (no /etc/vmm-rootfs)"
	elif [ "$(guest sums)" != "$want" ]; then
		fail disk-root "first boot: files sum '$(guest sums)', want $want"
	elif ! dboot disk-root --disk "$img" --params "vmmtest=files-read quiet"; then
		return
	elif [ "$(guest sums)" != "$want" ]; then
		fail disk-root "second boot: files sum '$(guest sums)', want $want"
	else
		pass disk-root
	fi
}

# bigfile NAME IO_OPTS: vdb, a 96 MiB sparse raw image: the guest writes
# 64 MiB of the prng stream with dd oflag=direct and reads it back with
# O_DIRECT; the image file must hold the same bytes, and zeroes after them.
# vda is rootfs.img, ro. --verbose: vmm names the backend it uses.
bigfile() {
	name=$1 opts=$2
	need_scratch "$name" || return
	img=$D/big.img
	truncate -s 96M "$img"
	seed=$(($$ % 1000 + 100))
	dboot "$name" 120 --verbose --initrd "$INITRD" --disk "$ROOTFS,ro" --disk "$img,$opts" \
		--params "vmmtest=blk-rw quiet rig.dev=vdb rig.mb=64 rig.seed=$seed" || return
	io=${opts#io=}
	io=${io%%,*}
	job=$(sed -n 's/^GUEST job0 //p' all)
	if ! grep -q "vmm: .*big\.img: vdb, .*$io" all; then
		fail "$name" "vmm did not say it uses $io for vdb: $(grep 'big\.img' err | head -n1)"
	elif [ "$(field "$job" write_rc)" != 0 ]; then
		fail "$name" "guest dd to /dev/vdb failed: $(sed -n 's/^GUEST job0 dd: //p' all)"
	elif [ "$(field "$job" read)" != ok ]; then
		fail "$name" "guest read back (O_DIRECT) what it did not write: $(field "$job" read)"
	elif [ "$(pcheck "$seed" 64M "$img")" != ok ]; then
		fail "$name" "the image file does not hold what the guest wrote: $(pcheck "$seed" 64M "$img")"
	elif [ "$(pcheck zero 32M "$img" 64M)" != ok ]; then
		fail "$name" "the image's last 32 MiB are not zeroes: $(pcheck zero 32M "$img" 64M)"
	elif [ "$(stat -c %s "$img")" != $((96 << 20)) ]; then
		fail "$name" "the image's size changed to $(stat -c %s "$img")"
	else
		pass "$name"
	fi
}
case_disk_bigfile_uring() { bigfile disk-bigfile-uring io=io_uring; }
case_disk_bigfile_aio() { bigfile disk-bigfile-aio io=aio; }
case_disk_bigfile_sync() { bigfile disk-bigfile-sync io=sync; }
case_disk_bigfile_direct() { bigfile disk-bigfile-direct io=io_uring,direct; }

# Four disks of different sizes, each with its own marker written by the
# host: the guest sees them as vda..vdd in command-line order.
case_disk_many() {
	need_scratch disk-many || return
	args=
	for i in 0 1 2 3; do
		truncate -s $((i + 1))M "$D/m$i.img"
		printf 'rig-marker-%s-%s\n' "$i" "$$" | dd of="$D/m$i.img" conv=notrunc 2>/dev/null
		args="$args --disk $D/m$i.img"
	done
	# shellcheck disable=SC2086 # args is a word list
	dboot disk-many --initrd "$INITRD" $args --params "vmmtest=blk-info quiet" || return
	i=0
	for d in vda vdb vdc vdd; do
		line=$(disk_line $d)
		if [ -z "$line" ]; then
			fail disk-many "the guest has no $d"
			return
		fi
		if [ "$(field "$line" marker)" != "rig-marker-$i-$$" ]; then
			fail disk-many "$d starts with '$(field "$line" marker)', want rig-marker-$i-$$ (m$i.img)"
			return
		fi
		if [ "$(field "$line" size)" != $(((i + 1) * 2048)) ]; then
			fail disk-many "$d has $(field "$line" size) sectors, want $(((i + 1) * 2048))"
			return
		fi
		i=$((i + 1))
	done
	if [ -n "$(disk_line vde)" ]; then
		fail disk-many "the guest has a fifth disk vde"
	else
		pass disk-many
	fi
}

# Two vCPUs, queues=2: two hardware queues in the guest; two writers in
# parallel on different ranges; both read back, in the guest and the file.
# vda has no queues=: one queue per vCPU by default.
case_disk_mq() {
	need_scratch disk-mq || return
	img=$D/mq.img
	truncate -s 48M "$img"
	dboot disk-mq 120 --cpus 2 --initrd "$INITRD" --disk "$ROOTFS,ro" --disk "$img,queues=2" \
		--params "vmmtest=blk-rw quiet rig.dev=vdb rig.mb=24 rig.seed=31 rig.jobs=2" || return
	q=$(guest queues)
	qa=$(field "$(disk_line vda)" queues)
	if [ "$q" != 2 ]; then
		fail disk-mq "/sys/block/vdb/mq has $q queues, want 2"
		return
	fi
	if [ "$qa" != 2 ]; then
		fail disk-mq "vda (no queues=) has $qa queues with 2 vCPUs, want 2 (one per vCPU)"
		return
	fi
	for j in 0 1; do
		job=$(sed -n "s/^GUEST job$j //p" all)
		if [ "$(field "$job" write_rc)" != 0 ]; then
			fail disk-mq "writer $j failed: $(sed -n "s/^GUEST job$j dd: //p" all)"
			return
		elif [ "$(field "$job" read)" != ok ]; then
			fail disk-mq "writer $j: the guest read back other data: $(field "$job" read)"
			return
		elif [ "$(pcheck $((31 + j)) 24M "$img" $((j * 24))M)" != ok ]; then
			fail disk-mq "writer $j: the image file differs: $(pcheck $((31 + j)) 24M "$img" $((j * 24))M)"
			return
		fi
	done
	pass disk-mq
}

# A read-only disk (a copy of rootfs.img, ext4): writes fail, a rw mount
# ends up read-only, and the image is byte-identical afterwards.
case_disk_ro() {
	need_scratch disk-ro || return
	img=$D/ro.img
	cp "$ROOTFS" "$img" || { fail disk-ro "cannot copy $ROOTFS"; return; }
	before=$(sum <"$img") # a file, not a pipe: quick enough
	mtime=$(stat -c %Y "$img")
	dboot disk-ro --initrd "$INITRD" --disk "$ROOTFS,ro" --disk "$img,ro" \
		--params "vmmtest=blk-ro quiet" || return
	opts=$(guest mount_opts)
	if [ "$(guest ro_sysfs)" != 1 ]; then
		fail disk-ro "/sys/block/vdb/ro is '$(guest ro_sysfs)', want 1"
	elif [ "$(guest write_direct_rc | cut -d' ' -f1)" = 0 ]; then
		fail disk-ro "an O_DIRECT write to /dev/vdb succeeded"
	elif [ "$(guest write_buffered_rc | cut -d' ' -f1)" = 0 ]; then
		fail disk-ro "a buffered write (with fsync) to /dev/vdb succeeded"
	elif [ "$(guest mount_rc | cut -d' ' -f1)" = 0 ] && [ "${opts%%,*}" != ro ]; then
		fail disk-ro "mount -o rw /dev/vdb gave a mount with options '$opts'"
	elif [ "$(guest remount_rw_rc)" = 0 ]; then
		fail disk-ro "remounting /dev/vdb read-write succeeded"
	elif [ "$(guest touch_rc)" = 0 ]; then
		fail disk-ro "creating a file on /dev/vdb succeeded"
	elif [ "$(sum <"$img")" != "$before" ]; then
		fail disk-ro "the image changed"
	elif [ "$(stat -c %Y "$img")" != "$mtime" ]; then
		fail disk-ro "the image's mtime changed"
	else
		pass disk-ro
	fi
}

# DISCARD frees the image's blocks; WRITE_ZEROES (BLKZEROOUT) reads back as
# zeroes; data outside both ranges stays. vdb: 64 MiB, the first 48 MiB
# written by the host with prng streams 7, 8 and 9 (16 MiB each): [0,16M)
# discarded, [16M,32M) zeroed, [32M,48M) kept.
case_disk_discard() {
	need_scratch disk-discard || return
	img=$D/discard.img
	{ "$PRNG" 7 16M && "$PRNG" 8 16M && "$PRNG" 9 16M; } >"$img"
	truncate -s 64M "$img"
	sync
	a=$(blocks "$img")
	dboot disk-discard 120 --initrd "$INITRD" --disk "$ROOTFS,ro" --disk "$img" \
		--params "vmmtest=blk-discard quiet" || return
	sync
	b=$(blocks "$img")
	line=$(disk_line vdb)
	if [ "$(field "$line" discard_max)" = 0 ]; then
		fail disk-discard "the guest's vdb does not take discards (discard_max_bytes 0)"
	elif [ "$(field "$line" wzeroes_max)" = 0 ]; then
		fail disk-discard "the guest's vdb does not take WRITE_ZEROES (write_zeroes_max_bytes 0)"
	elif [ "$(guest discard_rc | cut -d' ' -f1)" != 0 ]; then
		fail disk-discard "blkdiscard failed in the guest: $(guest discard_rc)"
	elif [ "$(guest blkzero)" != ok ]; then
		fail disk-discard "BLKZEROOUT failed in the guest: $(guest blkzero)"
	elif [ "$(guest zeroed)" != ok ]; then
		fail disk-discard "the zeroed range does not read back as zeroes in the guest: $(guest zeroed)"
	elif [ "$(guest kept)" != ok ]; then
		fail disk-discard "the guest reads [32M,48M) changed: $(guest kept)"
	elif [ "$(pcheck zero 16M "$img" 16M)" != ok ]; then
		fail disk-discard "the image's zeroed range [16M,32M) is not zeroes: $(pcheck zero 16M "$img" 16M)"
	elif [ "$(pcheck 9 16M "$img" 32M)" != ok ]; then
		fail disk-discard "the image's range [32M,48M) changed: $(pcheck 9 16M "$img" 32M)"
	elif [ $((a - b)) -lt $((8 << 11)) ]; then
		fail disk-discard "the image's allocation went from $((a / 2)) KiB to $((b / 2)) KiB after discarding 16 MiB"
	else
		pass disk-discard
	fi
}

# serial=: the guest reads it from /sys/block/vdX/serial (GET_ID); 20
# bytes, the most there is room for, arrive whole; no serial, none.
case_disk_serial() {
	need_scratch disk-serial || return
	truncate -s 1M "$D/s0.img" "$D/s1.img" "$D/s2.img"
	dboot disk-serial --initrd "$INITRD" --disk "$D/s0.img,serial=ABC123" \
		--disk "$D/s1.img,serial=ABCDEFGHIJ0123456789" --disk "$D/s2.img" \
		--params "vmmtest=blk-info quiet rig.serial=1" || return
	s0=$(field "$(disk_line vda)" serial)
	s1=$(field "$(disk_line vdb)" serial)
	s2=$(field "$(disk_line vdc)" serial)
	if [ "$s0" = timeout ] || [ "$s1" = timeout ] || [ "$s2" = timeout ]; then
		fail disk-serial "reading /sys/block/vdX/serial never finished in the guest (vda '$s0', vdb '$s1', vdc '$s2'): no answer to GET_ID"
	elif [ "$s0" != ABC123 ]; then
		fail disk-serial "vda serial '$s0', want ABC123"
	elif [ "$s1" != ABCDEFGHIJ0123456789 ]; then
		fail disk-serial "vdb serial '$s1', want ABCDEFGHIJ0123456789 (20 bytes)"
	elif [ "$s2" != none ]; then
		fail disk-serial "vdc (no serial=) has serial '$s2', want none"
	else
		pass disk-serial
	fi
}

# hold_start IMG_SPEC: a vmm in the background whose guest waits with the
# image as vda until hold_release; its output in ./hold.out, ./hold.err.
# Returns 1 if the guest did not get to "GUEST holding" within BOOT_SECS.
hold_start() {
	rm -f hold.in
	mkfifo hold.in
	"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --disk "$1" \
		--params "vmmtest=hold quiet rig.hold=$((BOOT_SECS * 2))" <hold.in >hold.out 2>hold.err &
	hold_pid=$!
	# Opening the FIFO for writing lets vmm's open of its stdin finish.
	exec 3>hold.in
	t0=$(date +%s)
	while kill -0 "$hold_pid" 2>/dev/null; do
		grep -q '^GUEST holding' hold.out && return 0
		[ $(($(date +%s) - t0)) -ge "$BOOT_SECS" ] && break
		sleep 1
	done
	return 1
}

# hold_release: let the holding guest power off; its status in hold_rc.
hold_release() {
	# A vmm that is gone leaves the FIFO without a reader: no SIGPIPE for
	# this shell then, just a failed echo.
	trap '' PIPE
	echo go >&3 2>/dev/null
	exec 3>&-
	trap - PIPE
	t0=$(date +%s)
	while kill -0 "$hold_pid" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$BOOT_SECS" ]; do
		sleep 1
	done
	kill -9 "$hold_pid" 2>/dev/null
	{ wait "$hold_pid"; } 2>/dev/null
	hold_rc=$?
}

# One writer per image: a second vmm wanting it (rw or ro) while one has it
# rw is refused (status 3, the image named); while one has it ro, more ro
# users are fine (a whole boot) and a rw one is refused.
case_disk_lock() {
	need_scratch disk-lock || return
	img=$D/lock.img
	truncate -s 4M "$img"
	if ! hold_start "$img"; then
		fail disk-lock "the first vmm (rw) did not get its guest going: $(tr -d '\r' <hold.err | head -n1)"
		hold_release
		return
	fi
	vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img" --params "$PARAMS"
	rc1=$rc err1=$(head -n1 err)
	vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img,ro" --params "$PARAMS"
	rc2=$rc err2=$(head -n1 err)
	hold_release
	cat hold.out hold.err | tr -d '\r' >all
	if [ "$rc1" != 3 ] || ! echo "$err1" | grep -q 'vmm: disk .*lock\.img.*in use'; then
		fail disk-lock "a second rw vmm: status $rc1, '$err1'; want 3 and 'vmm: disk ...lock.img: in use ...'"
		return
	fi
	if [ "$rc2" != 3 ] || ! echo "$err2" | grep -q 'vmm: disk .*lock\.img.*in use'; then
		fail disk-lock "a ro vmm while one has the image rw: status $rc2, '$err2'; want 3 and 'in use'"
		return
	fi
	if [ "$hold_rc" != 0 ]; then
		fail disk-lock "the first (rw) vmm ended with status $hold_rc, want 0"
		return
	fi
	if ! hold_start "$img,ro"; then
		fail disk-lock "the first vmm (ro) did not get its guest going: $(tr -d '\r' <hold.err | head -n1)"
		hold_release
		return
	fi
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img,ro" \
		--params "vmmtest=blk-info quiet"
	rc3=$rc err3=$(why)
	seen=$(field "$(disk_line vda)" ro)
	vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img" --params "$PARAMS"
	rc4=$rc err4=$(head -n1 err)
	hold_release
	if [ "$rc3" != 0 ] || [ "$seen" != 1 ]; then
		fail disk-lock "a second ro vmm: status $rc3 (want 0), guest vda ro='$seen' (want 1): $err3"
	elif [ "$rc4" != 3 ] || ! echo "$err4" | grep -q 'vmm: disk .*lock\.img.*in use'; then
		fail disk-lock "a rw vmm while one has the image ro: status $rc4, '$err4'; want 3 and 'in use'"
	elif [ "$hold_rc" != 0 ]; then
		fail disk-lock "the first (ro) vmm ended with status $hold_rc, want 0"
	else
		pass disk-lock
	fi
}

# SIGTERM after the guest synced: vmm dies of it (143) and what the guest
# wrote is on the image, as the next boot shows.
case_disk_sigterm() {
	need_scratch disk-sigterm || return
	img=$D/root.img
	cp "$ROOTFS" "$img" || { fail disk-sigterm "cannot copy $ROOTFS"; return; }
	want=$(files_sum)
	"$VMM" run --kernel "$KERNEL" --disk "$img" --params "vmmtest=files-write quiet rig.hold=1" \
		</dev/null >out 2>err &
	pid=$!
	t0=$(date +%s)
	synced=no
	while kill -0 "$pid" 2>/dev/null; do
		if grep -q '^GUEST synced' out; then synced=yes; break; fi
		[ $(($(date +%s) - t0)) -ge "$BOOT_SECS" ] && break
		sleep 1
	done
	kill -TERM "$pid" 2>/dev/null
	t0=$(date +%s)
	while kill -0 "$pid" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$BAD_SECS" ]; do
		sleep 1
	done
	alive=no
	kill -0 "$pid" 2>/dev/null && alive=yes
	kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
	if [ "$synced" = no ]; then
		fail disk-sigterm "the guest never said 'GUEST synced' (vmm status $rc): $(why)"
	elif [ "$alive" = yes ]; then
		fail disk-sigterm "vmm still running ${BAD_SECS}s after SIGTERM"
	elif [ "$rc" != 143 ]; then
		fail disk-sigterm "status $rc after SIGTERM, want 143"
	elif [ "$(guest sums)" != "$want" ]; then
		fail disk-sigterm "the guest wrote files with sum '$(guest sums)', want $want"
	elif ! dboot disk-sigterm --disk "$img" --params "vmmtest=files-read quiet"; then
		return
	elif [ "$(guest sums)" != "$want" ]; then
		fail disk-sigterm "after SIGTERM and a new boot: files sum '$(guest sums)', want $want"
	else
		pass disk-sigterm
	fi
}

# An image of 1 MiB + 100 bytes: the guest sees 2048 sectors, vmm warns
# once (naming the image), the boot is normal.
case_disk_odd_size() {
	need_scratch disk-odd-size || return
	img=$D/odd.img
	truncate -s $(((1 << 20) + 100)) "$img"
	printf 'rig-odd-%s\n' "$$" | dd of="$img" conv=notrunc 2>/dev/null
	dboot disk-odd-size --initrd "$INITRD" --disk "$img" --params "vmmtest=blk-info quiet" || return
	line=$(disk_line vda)
	n=$(grep -c 'odd\.img' err)
	if [ "$(field "$line" size)" != 2048 ]; then
		fail disk-odd-size "the guest sees $(field "$line" size) sectors, want 2048"
	elif [ "$(field "$line" marker)" != "rig-odd-$$" ]; then
		fail disk-odd-size "vda starts with '$(field "$line" marker)', want rig-odd-$$"
	elif [ "$n" != 1 ] || ! grep -q '^vmm: .*odd\.img.*512' err; then
		fail disk-odd-size "want one 'vmm: ... odd.img ... 512' warning, got $n lines naming the image: $(head -n2 err | tr '\n' '|')"
	elif [ "$(stat -c %s "$img")" != $(((1 << 20) + 100)) ]; then
		fail disk-odd-size "the image's size changed to $(stat -c %s "$img")"
	else
		pass disk-odd-size
	fi
}

case_bad_disk_missing() {
	badk bad-disk-missing 3 '/nonexistent/disk\.img' --disk /nonexistent/disk.img
}
case_bad_disk_dir() {
	need_scratch bad-disk-dir || return
	badk bad-disk-dir 3 "$D" --disk "$D"
}
case_bad_disk_option() {
	need_scratch bad-disk-option || return
	truncate -s 1M "$D/opt.img"
	badk bad-disk-option 2 'frobnicate' --disk "$D/opt.img,frobnicate"
}

# A file on a read-only mount (root's permissions do not help there):
# without ro, vmm refuses it, naming it.
case_bad_disk_unwritable() {
	mkdir -p romnt
	umount romnt 2>/dev/null
	if ! mount -t tmpfs -o size=4m tmpfs romnt; then
		fail bad-disk-unwritable "cannot mount a tmpfs"
		return
	fi
	truncate -s 1M romnt/unwritable.img
	if mount -o remount,ro romnt; then
		badk bad-disk-unwritable 3 'unwritable\.img' --disk "$PWD/romnt/unwritable.img"
	else
		fail bad-disk-unwritable "cannot remount the tmpfs read-only"
	fi
	umount romnt
}

# A file mode 0444 and a user who is not root: refused, naming the image.
# The user is made up for the case (busybox su, as root, asks nothing);
# /dev/kvm is opened to all for the run, since vmm opens it before disks.
case_bad_disk_perm() {
	need_scratch bad-disk-perm || return
	grep -q '^rigusr:' /etc/passwd 2>/dev/null ||
		echo 'rigusr:x:1000:1000:rig:/tmp:/bin/sh' >>/etc/passwd
	img=$D/perm.img
	truncate -s 1M "$img"
	chmod 0444 "$img"
	chmod 0755 "$D"
	kvm_mode=$(stat -c %a /dev/kvm)
	chmod 0666 /dev/kvm
	t0=$(date +%s)
	# busybox su takes one command string: the paths have no blanks.
	timeout "$BAD_SECS" su -s /bin/sh -c "exec $VMM run --kernel $KERNEL --initrd $INITRD --params '$PARAMS' --disk $img" \
		rigusr </dev/null >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	chmod "$kvm_mode" /dev/kvm
	cat out err | tr -d '\r' >all
	check_bad bad-disk-perm 3 'perm\.img'
}

# Cases of the other features, in files of their own (copied beside run.sh).
# shellcheck disable=SC1091 # in the payload
. "$P/cases_boot.sh"
# shellcheck disable=SC1091
. "$P/cases_info.sh"
# shellcheck disable=SC1091
. "$P/cases_vms.sh"
# shellcheck disable=SC1091
. "$P/cases_net.sh"

ALL="boot-poweroff cpus-1 cpus-2 cpus-4 mem cmdline initrd counter reboot
reboot-exit panic-exit mmio-unclaimed irqchip-gicv3 irqchip-its console-quit console-keys
console-error console-pipe dtb-dump bad-missing-kernel bad-not-image bad-truncated
bad-missing-initrd bad-mem-0 bad-mem-huge bad-mem-ipa bad-cpus-0
bad-cpus-many bad-ipa-small bad-ipa-large bad-gicv2 bad-option bad-no-kvm
disk-root disk-bigfile-uring disk-bigfile-aio disk-bigfile-sync disk-bigfile-direct
disk-many disk-mq disk-ro disk-discard disk-serial disk-lock disk-sigterm
disk-odd-size bad-disk-missing bad-disk-dir bad-disk-option bad-disk-unwritable
bad-disk-perm $BOOT_CASES $INFO_CASES $VMS_CASES $NET_CASES"

for f in "$VMM" "$KERNEL" "$INITRD" "$COUNTER" "$PTYRUN" "$PRNG"; do
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
	# The case's directory on the scratch disk, for its disk images.
	D=$SCRATCH/rig/$c
	rm -rf "$D"
	[ -d "$SCRATCH" ] && mkdir -p "$D"
	rm -f core*
	result=
	# Not t0: the helpers use that one for their own timing.
	case_t0=$(date +%s)
	"$fn"
	[ -n "$result" ] || fail "$c" "case printed no result"
	if [ "$RIG_VERBOSE" = 1 ] && [ "$result" = pass ] && [ -f all ]; then
		echo "  $ vmm output ($c, status ${rc:-?}):"
		head -n 60 all | sed 's/^/  | /'
	fi
	echo "TIME $c $(($(date +%s) - case_t0))s"
	rm -rf "$D"
done
