# Sourced by the tests/rig/bench-*.sh scripts: one boot of the emulated
# arm64 host running a payload's run.sh, as the rig does (tests/rig/run.sh),
# without the rig's cases.
#
# bench_boot MODE PAYLOAD_DIR LOG [SCRATCH_IMG]: build the host initramfs
# for MODE's kernel around PAYLOAD_DIR, boot it under QEMU (with
# SCRATCH_IMG as its virtio disk, mounted on /scratch, when given) and
# write its console, \r stripped, to LOG. Needs $top (the source tree).
bench_boot() {
	bb_mode=$1 bb_payload=$2 bb_log=$3 bb_disk=
	cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
	"$top/tests/rig/mkhost.sh" "$bb_payload.host.cpio.gz" "${bb_mode%%-*}" "$bb_payload" >/dev/null
	case $bb_mode in
	*-nvhe) bb_extra=kvm-arm.mode=nvhe ;;
	*-protected) bb_extra=kvm-arm.mode=protected ;;
	*) bb_extra= ;;
	esac
	[ -n "${4:-}" ] && bb_disk="-drive file=$4,if=virtio,format=raw,cache=unsafe"
	# bench_lock took the lock already: taking it again would wait forever.
	if [ "${bench_locked:-0}" = 1 ]; then bb_lock=; else bb_lock="flock $cache/rig.lock"; fi
	# shellcheck disable=SC2086 # bb_disk and bb_lock: words or none
	$bb_lock timeout 1800 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on -smp 2 \
		-m 3072 -nographic -no-reboot -nic none $bb_disk \
		-kernel "$cache/host/${bb_mode%%-*}/vmlinuz" -initrd "$bb_payload.host.cpio.gz" \
		-append "console=ttyAMA0 quiet panic=-1 $bb_extra" </dev/null |
		tr -d '\r' >"$bb_log" || true
}

# bench_prepare NAME: the common start of a benchmark: vmm must be built;
# makes $work (removed on exit) with the payload directory $p holding vmm,
# the guest kernel and guest.cpio.gz, and the guest tools in $work/tools.
bench_prepare() {
	[ -x "$top/build/aarch64/vmm" ] || { echo "$1: build/aarch64/vmm missing (make cross)" >&2; exit 1; }
	work=$(mktemp -d)
	# shellcheck disable=SC2064 # $work is fixed now
	trap "rm -rf '$work'" EXIT
	p=$work/payload
	mkdir -p "$p"
	"$top/tests/rig/fetch.sh" host
	image=$("$top/guest/build-kernel.sh")
	TOOLS_DIR=$work/tools "$top/guest/mkinitramfs.sh" "$p/guest.cpio.gz"
	cp "$top/build/aarch64/vmm" "$image" "$p/"
}

# bench_scratch_run NAME MODE: boot MODE's host with the payload $p (its
# run.sh made executable) and a fresh 1 GiB ext4 scratch disk, and leave
# the BENCH lines of its console in $work/b; errors go to stderr, and with
# BENCH_RAW=1 the raw lines to stdout. Exits 1 when there are none.
bench_scratch_run() {
	mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
	[ -x "$mke2fs" ] || { echo "$1: mke2fs not found (apt-get install e2fsprogs)" >&2; exit 1; }
	chmod +x "$p/run.sh"
	: >"$work/scratch.img"
	"$mke2fs" -q -t ext4 -F -L bench-scratch "$work/scratch.img" 1G
	bench_boot "$2" "$p" "$work/log" "$work/scratch.img"
	grep '^BENCH' "$work/log" >"$work/b" || { echo "$1: no results; log:" >&2; tail -n 30 "$work/log" >&2; exit 1; }
	grep '^BENCH error' "$work/b" >&2 || true
	[ "${BENCH_RAW:-0}" = 1 ] && sed 's/^BENCH /  /' "$work/b"
	return 0
}

# bench_mode MODE: exit 2 unless MODE is a rig host mode.
bench_mode() {
	case $1 in
	6.12-vhe | 6.12-nvhe | 6.12-protected | 6.1-vhe | 6.1-nvhe) ;;
	*) echo "${0##*/}: unknown mode '$1'" >&2; exit 2 ;;
	esac
}

# bench_lock: take the rig's machine-wide lock for the rest of the script
# (on fd 9), so that a load check and the boot after it see the same quiet
# machine; bench_boot then does not take it again.
bench_lock() {
	cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
	mkdir -p "$cache"
	exec 9>>"$cache/rig.lock"
	flock 9
	bench_locked=1
}

# bench_ticks: "BUSY TOTAL OURS" in clock ticks: the machine's busy and
# total CPU time from /proc/stat (all CPUs; iowait counts as idle), and the
# time of this shell and of the children it has waited for (QEMU, once its
# boot is over). BUSY - OURS over an interval is what the rest of the
# machine used.
bench_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat | tr '\n' ' '
	cut -d' ' -f14-17 "/proc/$$/stat" | awk '{ print $1 + $2 + $3 + $4 }'
}

# bench_others T0 T1: cores used by other processes between two
# bench_ticks samples, one decimal.
bench_others() {
	echo "$1 $2" | awk -v n="$(nproc)" '{
		busy = $4 - $1 - ($6 - $3); tot = $5 - $2
		if (busy < 0) busy = 0
		printf "%.2f", (tot > 0 ? busy * n / tot : 0) }'
}

# bench_quiet NAME SECS: with the lock held, measure the rest of the
# machine for SECS seconds; set bench_before to "load L, others C cores"
# and bench_busy to 1 when C is above half a core. Exits 3 then, unless
# BENCH_FORCE=1.
# shellcheck disable=SC2034 # bench_before, bench_busy: read by the caller
bench_quiet() {
	bq0=$(bench_ticks)
	sleep "$2"
	bq1=$(bench_ticks)
	bq_cores=$(bench_others "$bq0" "$bq1")
	bench_before="load $(cut -d' ' -f1-3 /proc/loadavg), others $bq_cores cores over ${2}s"
	bench_busy=0
	if awk -v c="$bq_cores" 'BEGIN { exit !(c > 0.5) }'; then
		bench_busy=1
		if [ "${BENCH_FORCE:-0}" != 1 ]; then
			echo "$1: machine busy: other processes use $bq_cores cores (load $(cut -d' ' -f1 /proc/loadavg)); BENCH_FORCE=1 runs anyway" >&2
			exit 3
		fi
	fi
}
