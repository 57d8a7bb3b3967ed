#!/bin/sh
# bench-fs.sh [MODE]: virtio-fs (--share) figures for vmm, measured inside
# the emulated arm64 host (default mode 6.12-vhe), in one QEMU boot.
# Reported, never asserted.
#
# The share is a directory on the host's scratch disk (ext4 on a QEMU
# virtio disk, as in the rig) holding tree/: BENCH_FILES (default 10000)
# small files in 100 directories. The guest (guest/init fs-bench) mounts
# it and times, with /proc/uptime (10 ms):
#   - a sequential write of a 64 MiB file in 1 MiB blocks, fsync'ed, MB/s
#   - a sequential read of it in 1 MiB blocks, guest cache dropped, MB/s
#   - find over the tree, then find -exec stat over its files, seconds
# The first row is the emulated host itself doing the same on the same
# directory, its caches dropped before the read and the walks: what the
# guest's figures are to be compared with. The guest's walks start with
# its own caches cold and the host's warm (the host just made the tree).
# TCG: compare rows with each other, not with real hardware.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-6.12-vhe}
files=${BENCH_FILES:-10000}
# shellcheck disable=SC1091 # beside this script
. "$top/tests/rig/bench-lib.sh"
bench_mode "$mode"
case $files in '' | *[!0-9]*) echo "bench-fs: BENCH_FILES: a number" >&2; exit 2 ;; esac
bench_prepare bench-fs
cat >"$p/run.sh" <<EOS
#!/bin/sh
files=$files
EOS
cat >>"$p/run.sh" <<'EOS'
cd /payload
if ! grep -q ' /scratch ' /proc/mounts; then
	echo "BENCH error: no scratch disk"
	exit 1
fi
now() { cut -d' ' -f1 /proc/uptime; }
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
sub() { echo "$1 $2" | awk '{print $1-$2}'; }
s=/scratch/share
mkdir -p $s/tree
i=0
while [ $i -lt 100 ]; do
	mkdir -p $s/tree/d$i
	j=0
	while [ $j -lt $((files / 100)) ]; do
		echo $j >$s/tree/d$i/f$j
		j=$((j + 1))
	done
	i=$((i + 1))
done
drop
t0=$(now)
dd if=/dev/zero of=$s/big bs=1M count=64 conv=fsync 2>/dev/null
t1=$(now)
drop
t2=$(now)
dd if=$s/big of=/dev/null bs=1M 2>/dev/null
t3=$(now)
drop
t4=$(now)
n=$(find $s/tree | wc -l)
t5=$(now)
find $s/tree -type f -exec stat -c %s {} + >/dev/null
t6=$(now)
echo "BENCH host write_s=$(sub $t1 $t0) read_s=$(sub $t3 $t2) find_s=$(sub $t5 $t4) stat_s=$(sub $t6 $t5) entries=$n"
rm -f $s/big
drop
./vmm run -k Image -i guest.cpio.gz --cpus 2 --share "$s,tag=bench" \
	-p "quiet vmmtest=fs-bench" </dev/null >out 2>&1
rc=$?
tr -d '\r' <out | sed -n 's/^GUEST bench /BENCH guest /p; s/^GUEST bench_note /BENCH note guest /p'
echo "BENCH note host nofile=$(ulimit -n)/$(ulimit -Hn) vmm: $(tr -d '\r' <out | grep '^vmm' | tail -n2 | tr '\n' '|')"
[ "$rc" = 0 ] || echo "BENCH error: vmm status $rc: $(tr -d '\r' <out | grep -v '^GUEST' | tail -n1)"
EOS
bench_scratch_run bench-fs "$mode"
awk -v mode="$mode" '
	function val(k,   i, a) {
		for (i = 1; i <= NF; i++) if (split($i, a, "=") == 2 && a[1] == k) return a[2]
		return ""
	}
	function mbps(s) { return s > 0 ? sprintf("%.1f", 64 * 1048576 / s / 1e6) : "-" }
	$1 == "BENCH" && $2 == "note" { notes = notes "  " substr($0, 12) "\n" }
	$1 == "BENCH" && ($2 == "host" || $2 == "guest") {
		printf "%-22s %10s %10s %10s %12s %8s\n", ($2 == "host" ? "host, on the directory" : "guest, virtio-fs"),
			mbps(val("write_s")), mbps(val("read_s")), val("find_s"), val("stat_s"), val("entries")
	}
	BEGIN {
		printf "vmm virtio-fs benchmark, host %s (emulated arm64, TCG): a share on ext4\n", mode
		printf "%-22s %10s %10s %10s %12s %8s\n", "", "seq write", "seq read", "find", "find+stat", ""
		printf "%-22s %10s %10s %10s %12s %8s\n", "who", "MB/s", "MB/s", "s", "s", "entries"
	}
	END { printf "%s", notes; printf "(64 MiB in 1 MiB blocks, write fsync'\''ed; MB = 10^6 bytes; times from /proc/uptime)\n" }' "$work/b"
