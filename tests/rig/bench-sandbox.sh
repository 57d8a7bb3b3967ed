#!/bin/sh
# bench-sandbox.sh [MODE]: what the sandbox (--sandbox on, vmm/sandbox.c)
# costs on the exit paths, measured inside the emulated arm64 host (default
# mode 6.12-vhe), in one QEMU boot. Reported, never asserted.
#
# For --sandbox on and off, alternately, BENCH_ROUNDS times (default 2):
#   - MMIO exits per second: the guest reads the PL031's data register in a
#     loop for BENCH_SECS (default 5) s (guest/tools/mmio.c loop), every
#     read a KVM_RUN return, a bus dispatch and a KVM_RUN again;
#   - 4 KiB random reads, IOPS at queue depth 1 and 4, on a 64 MiB image
#     (io=io_uring, O_DIRECT in the guest, the host page cache in vmm), as
#     bench-disk.sh measures them: requests through the ioeventfd, the blk
#     queue thread, io_uring_enter and the irqfd.
# The seccomp filters run on each of those system calls. The emulated host
# is TCG and shares the machine: figures are rough; compare the two rows.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-6.12-vhe}
secs=${BENCH_SECS:-5}
rounds=${BENCH_ROUNDS:-2}
# shellcheck disable=SC1091 # beside this script
. "$top/tests/rig/bench-lib.sh"
bench_mode "$mode"
case $secs$rounds in '' | *[!0-9]*) echo "bench-sandbox: BENCH_SECS, BENCH_ROUNDS: numbers" >&2; exit 2 ;; esac
bench_prepare bench-sandbox
cat >"$p/run.sh" <<EOS
#!/bin/sh
secs=$secs rounds=$rounds
EOS
cat >>"$p/run.sh" <<'EOS'
cd /payload
if ! grep -q ' /scratch ' /proc/mounts; then
	echo "BENCH error: no scratch disk"
	exit 1
fi
img=/scratch/bench.img
dd if=/dev/zero of=$img bs=1M count=64 conv=fsync 2>/dev/null
r=0
while [ $r -lt $rounds ]; do
	for sb in on off; do
		./vmm run -k Image -i guest.cpio.gz --sandbox $sb \
			-p "quiet vmmtest=mmio-bench rig.secs=$secs" </dev/null >out 2>&1
		rc=$?
		tr -d '\r' <out | sed -n "s/^GUEST mmio_loop /BENCH $sb mmio /p"
		[ "$rc" = 0 ] || echo "BENCH error: mmio, --sandbox $sb: vmm status $rc: $(tr -d '\r' <out | grep -v '^GUEST' | tail -n1)"
		sync; echo 3 >/proc/sys/vm/drop_caches
		./vmm run -k Image -i guest.cpio.gz --cpus 2 --sandbox $sb --disk "$img,io=io_uring" \
			-p "quiet vmmtest=blk-bench rig.dev=vda rig.mb=64 rig.secs=$secs" </dev/null >out 2>&1
		rc=$?
		tr -d '\r' <out | sed -n "s/^GUEST bench /BENCH $sb disk /p"
		[ "$rc" = 0 ] || echo "BENCH error: disk, --sandbox $sb: vmm status $rc: $(tr -d '\r' <out | grep -v '^GUEST' | tail -n1)"
	done
	r=$((r + 1))
done
EOS
bench_scratch_run bench-sandbox "$mode"
awk -v mode="$mode" -v secs="$secs" '
	function val(k,   i, a) {
		for (i = 1; i <= NF; i++) if (split($i, a, "=") == 2 && a[1] == k) return a[2]
		return ""
	}
	$1 == "BENCH" && $2 != "error" {
		sb = $2
		if ($3 == "mmio") { m[sb] += val("per_s"); nm[sb]++ }
		else if ($3 == "disk" && $5 == "randread" && val("jobs") == 1) { q1[sb] += val("iops"); n1[sb]++ }
		else if ($3 == "disk" && $5 == "randread") { q4[sb] += val("iops"); n4[sb]++ }
	}
	function avg(s, n) { return n ? sprintf("%.0f", s / n) : "-" }
	END {
		printf "vmm sandbox cost, host %s (emulated arm64, TCG; rough figures)\n", mode
		printf "%-14s %16s %16s %16s\n", "--sandbox", "MMIO exits/s", "4K randread", "4K randread"
		printf "%-14s %16s %16s %16s\n", "", "", "IOPS QD1", "IOPS QD4"
		split("on off", o, " ")
		for (i = 1; i <= 2; i++)
			printf "%-14s %16s %16s %16s\n", o[i], avg(m[o[i]], nm[o[i]]),
				avg(q1[o[i]], n1[o[i]]), avg(q4[o[i]], n4[o[i]])
		printf "(means of %d runs each, %s s per figure; PL031 reads for MMIO; io=io_uring, 64 MiB image)\n", nm["on"], secs
	}' "$work/b"
