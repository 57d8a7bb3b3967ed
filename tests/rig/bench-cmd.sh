#!/bin/sh
# bench-cmd.sh [MODE]: command mode's start-to-exit time, measured inside
# the emulated arm64 host (default mode 6.12-vhe), in one QEMU boot.
# Reported, never asserted: `vmm run -k Image -- true` (boot, the agent's
# root overlay over virtio-fs, CMD, EXIT) against a plain boot of the same
# kernel from an initramfs whose init powers off at once (guest/init with
# an unknown vmmtest), each from vmm's start to its exit, median of 5
# (/proc/uptime, 10 ms). The goal is command mode within 1.3x of the boot.
# TCG: compare the two rows with each other, not with real hardware.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-6.12-vhe}
# shellcheck disable=SC1091 # beside this script
. "$top/tests/rig/bench-lib.sh"
bench_mode "$mode"
bench_prepare bench-cmd
cat >"$p/run.sh" <<'EOS'
#!/bin/sh
cd /payload
now() { cut -d' ' -f1 /proc/uptime; }
ms() { echo "$1 $2" | awk '{printf "%d", ($2 - $1) * 1000}'; }
i=0
while [ $i -lt 5 ]; do
	t0=$(now)
	./vmm run -k Image -i guest.cpio.gz -p "quiet vmmtest=none" </dev/null >boot.out 2>&1
	rb=$?
	t1=$(now)
	./vmm run -k Image -- true </dev/null >cmd.out 2>&1
	rc=$?
	t2=$(now)
	echo "BENCH boot run=$i ms=$(ms "$t0" "$t1") rc=$rb"
	echo "BENCH cmd run=$i ms=$(ms "$t1" "$t2") rc=$rc"
	[ "$rb" = 0 ] || echo "BENCH error: plain boot status $rb: $(tr -d '\r' <boot.out | tail -n1)"
	[ "$rc" = 0 ] || echo "BENCH error: vmm run -- true status $rc: $(tr -d '\r' <cmd.out | tail -n1)"
	i=$((i + 1))
done
EOS
bench_scratch_run bench-cmd "$mode"
awk -v mode="$mode" '
	$1 == "BENCH" && ($2 == "boot" || $2 == "cmd") { split($4, a, "="); v[$2, n[$2]++] = a[2] }
	function median(k,   i, j, t, m, w) {
		m = n[k]
		for (i = 0; i < m; i++) w[i] = v[k, i]
		for (i = 0; i < m; i++) for (j = i + 1; j < m; j++) if (w[j] < w[i]) { t = w[i]; w[i] = w[j]; w[j] = t }
		return w[int(m / 2)]
	}
	END {
		b = median("boot"); c = median("cmd")
		printf "vmm command-mode benchmark, host %s (emulated arm64, TCG), median of %d\n", mode, n["cmd"]
		printf "  plain boot to power-off (initramfs):    %6d ms\n", b
		printf "  vmm run -- true, start to exit:          %6d ms (%.2fx)\n", c, b ? c / b : 0
	}' "$work/b"
