#!/bin/sh
# bench-disk.sh [MODE]: virtio-blk figures for vmm, measured inside the
# emulated arm64 host (default mode 6.12-vhe), in one QEMU boot. Reported,
# never asserted.
#
# The image is a 64 MiB file on the host's scratch disk (ext4 on a QEMU
# virtio disk, as in the rig), written in full before the first run. The
# guest (2 vCPUs, minimal kernel, no AIO or io_uring inside) runs
# guest/tools/diskbench on /dev/vda with O_DIRECT:
#   - sequential write and read of 64 MiB in 1 MiB blocks, MB/s (10^6 B/s)
#   - 4 KiB random reads over the 64 MiB for BENCH_SECS (default 5) s, IOPS,
#     with 1 job (queue depth 1) and 4 jobs (queue depth 4)
# for each backend (io=io_uring, aio, sync), with the host page cache
# (vmm's default) and with ",direct" (vmm opens the image O_DIRECT). The
# host caches are dropped before every run. The first row is the emulated
# host itself doing the same on the image file with O_DIRECT: what the
# guest's figures are to be compared with.
# The emulated host is TCG: absolute figures are far below a real arm64
# machine; compare rows with each other and runs of this script with each
# other.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-6.12-vhe}
secs=${BENCH_SECS:-5}
# shellcheck disable=SC1091 # beside this script
. "$top/tests/rig/bench-lib.sh"
bench_mode "$mode"
case $secs in '' | *[!0-9]*) echo "bench-disk: BENCH_SECS: seconds" >&2; exit 2 ;; esac
bench_prepare bench-disk
cp "$work/tools/diskbench" "$p/"
cat >"$p/run.sh" <<EOS
#!/bin/sh
secs=$secs
EOS
cat >>"$p/run.sh" <<'EOS'
cd /payload
if ! grep -q ' /scratch ' /proc/mounts; then
	echo "BENCH error: no scratch disk"
	exit 1
fi
img=/scratch/bench.img
dd if=/dev/zero of=$img bs=1M count=64 conv=fsync 2>/dev/null
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
for t in "1 seqwrite" "1 seqread" "1 randread" "4 randread"; do
	drop
	echo "BENCH host jobs=${t% *} $(./diskbench -s 64M -t "$secs" -j "${t% *}" "${t#* }" $img 2>&1)"
done
for io in io_uring aio sync; do
	for d in "" ",direct"; do
		drop
		./vmm run -k Image -i guest.cpio.gz --cpus 2 --disk "$img,io=$io$d" \
			-p "quiet vmmtest=blk-bench rig.dev=vda rig.mb=64 rig.secs=$secs" </dev/null >out 2>&1
		rc=$?
		tr -d '\r' <out | sed -n "s/^GUEST bench /BENCH $io$d /p"
		[ "$rc" = 0 ] || echo "BENCH error: io=$io$d: vmm status $rc: $(tr -d '\r' <out | grep -v '^GUEST' | tail -n1)"
	done
done
EOS
bench_scratch_run bench-disk "$mode"
awk -v mode="$mode" -v secs="$secs" '
	function val(k,   i, a) {
		for (i = 1; i <= NF; i++) if (split($i, a, "=") == 2 && a[1] == k) return a[2]
		return ""
	}
	$1 == "BENCH" && $2 != "error" {
		row = $2; j = val("jobs")
		if (!(row in seen)) { seen[row] = 1; order[n++] = row }
		if ($4 == "seqwrite") w[row] = val("mbps")
		else if ($4 == "seqread") r[row] = val("mbps")
		else if ($4 == "randread" && j == 1) q1[row] = val("iops")
		else if ($4 == "randread") q4[row] = val("iops")
		else bad[row] = $0
	}
	function show(v) { return v == "" ? "-" : v }
	END {
		printf "vmm disk benchmark, host %s (emulated arm64, TCG): 64 MiB image on ext4, O_DIRECT I/O\n", mode
		printf "%-24s %10s %10s %14s %14s\n", "", "seq write", "seq read", "4K randread", "4K randread"
		printf "%-24s %10s %10s %14s %14s\n", "who (vmm --disk option)", "MB/s", "MB/s", "IOPS QD1", "IOPS QD4"
		for (i = 0; i < n; i++) {
			k = order[i]
			name = k == "host" ? "host, on the file" : "guest, io=" k
			printf "%-24s %10s %10s %14s %14s\n", name, show(w[k]), show(r[k]), show(q1[k]), show(q4[k])
		}
		printf "(randread: %s s per figure; MB = 10^6 bytes; guest rows without ,direct use the host page cache)\n", secs
	}' "$work/b"
