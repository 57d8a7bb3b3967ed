#!/bin/sh
# run.sh [MODE...]: the integration rig. Boots an emulated arm64 host under
# qemu-system-aarch64 (TCG, EL2) once per MODE and runs the cases there with
# tests/rig/run-cases.sh: the static build/aarch64/vmm booting the minimal
# guest kernel under the host's real KVM. The cases live by area in
# tests/rig/cases_<area>.sh, their helpers in tests/rig/lib.sh.
#
#   MODE    6.12-vhe 6.12-nvhe 6.12-protected 6.1-vhe 6.1-nvhe (default: all)
#   RIG_VMM=FILE           test this aarch64 vmm (default build/aarch64/vmm)
#   RIG_CASES="case ..."   run only these cases, in every MODE given
#                          (a case is function case_<name> of a case file)
#   RIG_TIER=ci|full       ci (default): cases tagged all-modes run in every
#                          mode, the others in one 6.12 and one 6.1 mode;
#                          full: every case in every mode (make check-full)
#   RIG_JOBS=N             cases side by side in one host (default 2)
#   RIG_TIMEOUT=SECS       limit for one host boot (default 900)
#   RIG_RNG_BOOTS=N        boots of the rng cases, for their boot-time medians
#                          in the log (default 1)
#   Emulated hosts run one at a time on a machine: a second rig run waits
#   (flock on $VMM_CACHE/rig.lock) rather than slow both into timeouts.
#   RIG_VERBOSE=1          put vmm's output of passing cases in the log too
#                          (failing cases always show its last lines)
#
# Prints "PASS <mode>/<case>" / "FAIL <mode>/<case>: <reason>" as they come,
# then "rig: N passed, N failed". Console logs: build/rig/<mode>.log.
#
# Each host boot gets a fresh scratch disk (build/rig/scratch-<mode>.img, a
# sparse ext4 file system of RIG_SCRATCH_SIZE, default 1G, made here with
# mke2fs -d and holding rootfs.img from guest/mkrootfs.sh), which the host
# mounts on /scratch for the disk cases' images; it is deleted after the
# run unless RIG_KEEP_SCRATCH=1.
# Exit status 0 only if nothing failed and at least one case ran.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
out=build/rig
timeout_s=${RIG_TIMEOUT:-900}
all_modes="6.12-vhe 6.12-nvhe 6.12-protected 6.1-vhe 6.1-nvhe"

die() { echo "rig: $*" >&2; exit 1; }

# shellcheck disable=SC2086 # a word list
[ $# -gt 0 ] || set -- $all_modes
for m in "$@"; do
	case " $all_modes " in
	*" $m "*) ;;
	*) echo "rig: unknown mode '$m' (modes: $all_modes)" >&2; exit 2 ;;
	esac
done

vmm=${RIG_VMM:-build/aarch64/vmm}
[ -f "$vmm" ] || die "$vmm not found: build it first with 'make cross' (or run 'make rig')"
file_type=$(od -An -tx1 -j18 -N2 "$vmm" | tr -d ' \n')
[ "$file_type" = b700 ] || die "$vmm is not an aarch64 ELF binary"
command -v qemu-system-aarch64 >/dev/null ||
	die "qemu-system-aarch64 not found (apt-get install qemu-system-arm)"
mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
[ -x "$mke2fs" ] || die "mke2fs not found (apt-get install e2fsprogs)"
scratch_size=${RIG_SCRATCH_SIZE:-1G}
rig_lock=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}/rig.lock
mkdir -p "${rig_lock%/*}"

mkdir -p "$out"
"$here/fetch.sh" host
image=$(guest/build-kernel.sh) || die "guest kernel build failed (guest/build-kernel.sh)"
TOOLS_DIR=$out/tools guest/mkinitramfs.sh "$out/guest-initrd.cpio.gz"
# The scratch disk's contents, the same for every mode.
rm -rf "$out/scratch-stage"
mkdir -p "$out/scratch-stage"
guest/mkrootfs.sh "$out/scratch-stage/rootfs.img" 32M

# The payload is the same for every mode; the host initramfs differs only
# by kernel (its modules), so each is built once.
payload=$out/payload
rm -rf "$payload"
mkdir -p "$payload"
cp "$vmm" "$payload/vmm"
cp "$image" "$payload/Image"
cp "$out/guest-initrd.cpio.gz" "$payload/initrd.cpio.gz"
# The guest tools run in the host too (counter is its reference clock,
# prng/diskbench work on the image files).
for t in "$out"/tools/*; do
	cp "$t" "$payload/"
	chmod 0755 "$payload/${t##*/}"
done
aarch64-linux-gnu-gcc -static -O2 -o "$payload/ptyrun" "$here/tools/ptyrun.c"
aarch64-linux-gnu-gcc -static -O2 -o "$payload/taptool" "$here/tools/taptool.c"
# A headerless program for the lkvm personality's raw kernels (cases_compat.sh).
aarch64-linux-gnu-gcc -nostdlib -static -Wl,--build-id=none -Wl,-Ttext=0 \
	-o "$out/rawhello.elf" "$here/tools/rawhello.S"
aarch64-linux-gnu-objcopy -O binary "$out/rawhello.elf" "$payload/rawhello.bin"
cp "$here/run-cases.sh" "$payload/run.sh"
cp "$here/lib.sh" "$here"/cases_*.sh "$top/guest/mkzboot.sh" "$payload/"
cp "$here/tools/offroot.sh" "$payload/"
chmod 0755 "$payload/vmm" "$payload/ptyrun" "$payload/taptool" "$payload/run.sh"
case ${RIG_CASES:-} in *[!a-z0-9\ -]*) die "RIG_CASES: case names are [a-z0-9-]" ;; esac
case ${RIG_VERBOSE:-0} in 0 | 1) ;; *) die "RIG_VERBOSE: 0 or 1" ;; esac
case ${RIG_TIER:-ci} in ci | full) ;; *) die "RIG_TIER: ci or full" ;; esac
case ${RIG_JOBS:-2} in [1-8]) ;; *) die "RIG_JOBS: 1 to 8" ;; esac
case ${RIG_RNG_BOOTS:-1} in [1-9]) ;; *) die "RIG_RNG_BOOTS: 1 to 9" ;; esac
printf "RIG_CASES='%s'\nRIG_VERBOSE=%s\nRIG_TIER=%s\nRIG_JOBS=%s\n" "${RIG_CASES:-}" \
	"${RIG_VERBOSE:-0}" "${RIG_TIER:-ci}" "${RIG_JOBS:-2}" >"$payload/rig.conf"
printf "RIG_RNG_BOOTS=%s\n" "${RIG_RNG_BOOTS:-1}" >>"$payload/rig.conf"

passed=0 failed=0 ran=0 built=
for mode in "$@"; do
	kernel=${mode%%-*}
	kmode=${mode#*-}
	case $kmode in
	vhe) extra='' want=VHE ;;
	nvhe) extra=kvm-arm.mode=nvhe want=nVHE ;;
	protected) extra=kvm-arm.mode=protected want=protected ;;
	esac
	# MTE in the emulated CPU (QEMU's virt needs mte=on) where vmm's --mte
	# is tested; the other modes keep a host without it, where --mte must
	# be refused (tests/rig/cases_cpu.sh).
	case $mode in
	6.12-protected | 6.1-nvhe) qmte= ;;
	*) qmte=,mte=on ;;
	esac
	hostcpio=$out/host-$kernel.cpio.gz
	case " $built " in
	*" $kernel "*) ;;
	*) "$here/mkhost.sh" "$hostcpio" "$kernel" "$payload"; built="$built $kernel" ;;
	esac
	vmlinuz=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}/host/$kernel/vmlinuz
	log=$out/$mode.log
	counts=$out/$mode.counts
	rcfile=$out/$mode.qemu-status
	rm -f "$counts" "$rcfile"
	scratch=$out/scratch-$mode.img
	rm -f "$scratch"
	: >"$scratch" # else mke2fs says "Creating regular file"
	"$mke2fs" -q -t ext4 -F -L rig-scratch -E root_owner=0:0 -d "$out/scratch-stage" \
		"$scratch" "$scratch_size" ||
		die "mke2fs $scratch failed (e2fsprogs 1.43 or later is needed for -d)"
	# One emulated host at a time on this machine: a second one beside it
	# slows both so much that boot limits fail at random.
	exec 8>"$rig_lock"
	flock -n 8 || { echo "rig: $mode: waiting for another rig run ($rig_lock)" >&2; flock 8; }
	t0=$(date +%s)
	# pauth-impdef: QEMU's own pointer-auth algorithm instead of QARMA, which
	# TCG computes slowly on every PAC instruction of the host kernel and of
	# the guests (pointer auth is on for them by default): hosts reach /init
	# in 3 s instead of 7, cases run up to twice as fast.
	# QEMU's exit status goes through a file: a pipeline only reports its
	# last command's. awk strips the serial line's \r, keeps the whole log
	# and prints results as they arrive.
	{
		set +e
		timeout -k 10 "$timeout_s" qemu-system-aarch64 \
			-M "virt,virtualization=on,gic-version=3$qmte" -cpu max,pauth-impdef=on -smp 2 -m 3072 \
			-nographic -no-reboot -nic none \
			-drive "file=$scratch,if=virtio,format=raw,cache=unsafe" \
			-kernel "$vmlinuz" -initrd "$hostcpio" \
			-append "console=ttyAMA0 quiet panic=-1 rig.mode=$mode $extra" </dev/null 2>&1
		echo $? >"$rcfile"
	} | awk -v mode="$mode" -v want="$want" -v logf="$log" -v counts="$counts" '
		function say(s) { print s; fflush() }
		function classify(l) {
			l = tolower(l)
			if (l ~ /protected/) return "protected"
			if (l ~ /nvhe mode|hyp mode/) return "nVHE"
			if (l ~ /vhe mode/) return "VHE"
			return "unknown"
		}
		BEGIN { p = f = n = hm = done = 0; printf "" > logf }
		{
			gsub(/\r/, "")
			print > logf
		}
		/^RIG host-mode: / {
			hm = 1
			line = substr($0, 16)
			got = classify(line)
			if (got == want) { say("PASS " mode "/host-mode"); p++ }
			else { say("FAIL " mode "/host-mode: want " want ", kernel says \"" line "\""); f++ }
			next
		}
		/^RIG dev-kvm: / {
			if ($3 == "yes") { say("PASS " mode "/dev-kvm"); p++ }
			else { say("FAIL " mode "/dev-kvm: /dev/kvm missing in the host"); f++ }
			next
		}
		/^RIG init uptime=/ { split($3, a, "="); boot = a[2]; next }
		/^RIG done/ { done = 1; next }
		/^PASS [^ ]+$/ { say("PASS " mode "/" $2); p++; n++; next }
		/^FAIL [^ :]+: / { sub(/^FAIL /, ""); say("FAIL " mode "/" $0); f++; n++; next }
		END {
			if (!hm) { say("FAIL " mode "/host-mode: no \"RIG host-mode\" line (host never reached /init)"); f++ }
			print p, f, n, done, (boot == "" ? "?" : boot) > counts
			close(counts)
		}'
	secs=$(($(date +%s) - t0))
	exec 8>&-
	qrc=$(cat "$rcfile" 2>/dev/null || echo '?')
	read -r p f n fin boot <"$counts"
	passed=$((passed + p))
	failed=$((failed + f))
	ran=$((ran + n))
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "FAIL $mode/rig: timed out after ${timeout_s}s (log: $log)"
		failed=$((failed + 1))
	elif [ "$fin" != 1 ]; then
		echo "FAIL $mode/rig: host stopped before the payload finished, qemu status $qrc, last line: $(grep -v '^$' "$log" | tail -n1 | cut -c1-200) (log: $log)"
		failed=$((failed + 1))
	elif [ "$n" = 0 ]; then
		echo "FAIL $mode/rig: no case ran (log: $log)"
		failed=$((failed + 1))
	fi
	rm -f "$counts" "$rcfile"
	[ "${RIG_KEEP_SCRATCH:-0}" = 1 ] || rm -f "$scratch"
	echo "rig: $mode took ${secs}s (host /init at ${boot}s of its uptime)"
done

[ "$ran" -gt 0 ] || { [ "$failed" -gt 0 ] || failed=1; echo "rig: no case ran"; }
echo "rig: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
