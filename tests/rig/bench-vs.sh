#!/bin/sh
# bench-vs.sh [MODE]: vmm side by side with kvmtool, in one boot of the
# emulated arm64 host (default mode 6.12-vhe). Reported, never asserted.
#
#   KVMTOOL=FILE   a static aarch64 lkvm built from kvmtool's source (never
#                  part of this tree); without it only vmm's column is shown
#   BENCH_RUNS=N   runs of every figure per VMM (default 5); the table shows
#                  medians. The VMMs alternate run by run, the order
#                  reversed every other run.
#   BENCH_SECS=S   seconds per random-read figure (default 5)
#   BENCH_MB=M     disk image MiB (default 64)
#   BENCH_NET_MB=M MiB per TCP throughput figure (default 64)
#   BENCH_FORCE=1  run on a busy machine; the table is then marked BUSY
#   BENCH_RAW=1    also print the raw per-run lines
#
# Both VMMs get the same kernel, initramfs (guest/init), 2 vCPUs, 256 MiB,
# GICv3, virtio-mmio devices and 8250 console, and each its default guest
# CPU features (both give SVE and pointer auth). Rows, each with its unit
# and which way is better:
#   - boot (quiet): `run` to the guest init's first line, and to the VMM's
#     exit after the guest powers off; the VMM's own share: that exit time
#     minus the guest's uptime when its init started (init_uptime_s of
#     vmmtest=report): start-up before the kernel's clock runs, plus init's
#     work, power-off and teardown
#   - verbose boot: wall time to exit; console bytes/s from the kernel's
#     first line to "Run /init"
#   - resident memory beyond guest RAM: Rss of /proc/PID/smaps without the
#     mappings of 256 MiB or more, with the guest's shell up
#   - CPU outside the guest per quiet boot: the VMM process's utime+stime
#     minus its vCPUs' guest time (cutime+cstime-cguest_time of the shell
#     that waited for it; tick-based accounting)
#   - disk (guest/tools/diskbench on vda, O_DIRECT in the guest, host caches
#     dropped first): sequential 1 MiB read MB/s, 4 KiB random read IOPS at
#     queue depth 1, 4 and 16, for vmm's io=io_uring, aio and sync, each
#     also ",direct"; compared with kvmtool's one engine with the same
#     caching (its plain and ",direct" disks)
#   - network (tap 10.8.0.1 <-> guest 10.8.0.2, guest/tools/netbench): TCP
#     MB/s guest->host and host->guest, 1-byte request/response latency
#     (average of 200), vhost-net off and on (vmm vhost=off|on, kvmtool
#     mode=tap,vhost=0|1)
#
# The machine must be quiet: with the rig's lock held, the CPU used by
# other processes is measured for 5 s (from /proc/stat); above half a core
# the script exits 3, unless BENCH_FORCE=1. The load average and the other
# processes' CPU use before and during the boot (the emulated host's QEMU
# excluded) head the table, which says BUSY when either is above half a
# core. The emulated host is TCG: absolute figures are far below a real
# arm64 machine; only the ratios of a quiet run mean anything.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-6.12-vhe}
runs=${BENCH_RUNS:-5} secs=${BENCH_SECS:-5} mb=${BENCH_MB:-64} netmb=${BENCH_NET_MB:-64}
kvmtool=${KVMTOOL:-}
# shellcheck disable=SC1091 # beside this script
. "$top/tests/rig/bench-lib.sh"
bench_mode "$mode"
for v in "BENCH_RUNS=$runs" "BENCH_SECS=$secs" "BENCH_MB=$mb" "BENCH_NET_MB=$netmb"; do
	case ${v#*=} in '' | *[!0-9]* | 0) echo "bench-vs: ${v%%=*}: a positive number" >&2; exit 2 ;; esac
done
if [ -n "$kvmtool" ]; then
	[ -f "$kvmtool" ] || { echo "bench-vs: KVMTOOL=$kvmtool: no such file" >&2; exit 2; }
	[ "$(od -An -tx1 -j18 -N2 "$kvmtool" | tr -d ' \n')" = b700 ] ||
		{ echo "bench-vs: KVMTOOL=$kvmtool: not an aarch64 program" >&2; exit 2; }
fi
bench_prepare bench-vs
cp "$work/tools/diskbench" "$work/tools/netbench" "$top/tests/rig/vs-vm.sh" "$p/"
cp "$top/tests/rig/vs-payload.sh" "$p/run.sh"
[ -n "$kvmtool" ] && cp "$kvmtool" "$p/lkvm"
aarch64-linux-gnu-gcc -static -O2 -o "$p/tstamp" "$top/tests/rig/tools/tstamp.c"
aarch64-linux-gnu-gcc -static -O2 -o "$p/taptool" "$top/tests/rig/tools/taptool.c"
printf 'runs=%s\nsecs=%s\nmb=%s\nnetmb=%s\n' "$runs" "$secs" "$mb" "$netmb" >"$p/vs.conf"

bench_lock
bench_quiet bench-vs 5
t0=$(bench_ticks)
bench_scratch_run bench-vs "$mode"
t1=$(bench_ticks)
during=$(bench_others "$t0" "$t1")
busy=$bench_busy
awk -v c="$during" 'BEGIN { exit !(c > 0.5) }' && busy=1
complete=1
grep -q '^BENCH done' "$work/b" || complete=0

awk -v mode="$mode" -v runs="$runs" -v before="$bench_before" -v busy="$busy" \
	-v during="load $(cut -d' ' -f1-3 /proc/loadavg) after, others $during cores" \
	-v kvm="$([ -n "$kvmtool" ] && echo 1 || echo 0)" -v secs="$secs" -v mb="$mb" -v netmb="$netmb" '
	function val(k,   i, a) {
		for (i = 1; i <= NF; i++) if (split($i, a, "=") == 2 && a[1] == k) return a[2]
		return ""
	}
	# add ROW WHO VALUE: one run figure of a row; rows keep their first order.
	function add(row, who, v) {
		if (v == "") return
		if (!(row in seen)) { seen[row] = 1; order[nrows++] = row }
		n[row, who]++
		fig[row, who, n[row, who]] = v + 0
	}
	function median(row, who,   m, i, j, t, v) {
		m = n[row, who]
		if (!m) return ""
		for (i = 1; i <= m; i++) v[i] = fig[row, who, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
	}
	$1 != "BENCH" || $2 == "error" || $2 == "done" { next }
	$2 == "boot" || $2 == "verbose" {
		if (val("rc") != "0") { print "bench-vs: " $3 " " $2 " boot run " val("run") ": VMM status " val("rc") > "/dev/stderr"; next }
	}
	$2 == "boot" {
		w = val("who")
		add("boot to init, quiet (ms)|lower", w, val("init_ms"))
		add("boot to power-off, quiet (ms)|lower", w, val("exit_ms"))
		add("VMM own share of a boot (ms)|lower", w, val("own_ms"))
		add("CPU outside guest per boot (ms)|lower", w, val("cpu_ms"))
	}
	$2 == "verbose" {
		w = val("who")
		add("verbose boot to power-off (ms)|lower", w, val("exit_ms"))
		add("console during verbose boot (B/s)|higher", w, val("console_bps"))
	}
	$2 == "rss" { add("resident beyond guest RAM (KiB)|lower", val("who"), val("rss_kb")) }
	$2 == "disk" {
		w = val("who"); c = val("cfg"); j = val("jobs")
		# kvmtool has one engine: its plain and direct disks stand beside
		# every vmm engine with the same caching.
		if (w == "kvmtool") { kd[c == "direct" ? "direct" : "cached"] = 1; key = c == "direct" ? "direct" : "cached" }
		else key = c
		if ($7 == "seqread") add("disk " key ": seq read 1M (MB/s)|higher", w, val("mbps"))
		else if ($7 == "randread") add("disk " key ": 4K rand read QD" j " (IOPS)|higher", w, val("iops"))
	}
	$2 == "net" {
		w = val("who"); v = val("vhost")
		if ($6 == "g2h") add("net vhost=" v ": TCP guest->host (MB/s)|higher", w, val("mbps"))
		else if ($6 == "h2g") add("net vhost=" v ": TCP host->guest (MB/s)|higher", w, val("mbps"))
		else if ($6 == "rr") add("net vhost=" v ": TCP 1-byte round trip (us)|lower", w, val("avg_us"))
	}
	# num X: a median as printed: one decimal below 100, none above.
	function num(x) { return x == "" ? "-" : sprintf(x < 100 ? "%.1f" : "%.0f", x) }
	END {
		printf "vmm vs kvmtool, host %s (emulated arm64, TCG), medians of %d runs%s\n", mode, runs, busy ? "   *** BUSY: figures not comparable ***" : ""
		printf "machine before: %s\nmachine during: %s\n", before, during
		fmt = "%-46s %-7s %12s %12s %12s\n"
		printf fmt, "figure", "better", "vmm", kvm ? "kvmtool" : "", kvm ? "vmm/kvmtool" : ""
		for (i = 0; i < nrows; i++) {
			row = order[i]; split(row, rb, "|")
			name = rb[1]; better = rb[2]
			# A kvmtool figure for a vmm disk engine row: the same caching.
			kr = row
			if (row ~ /^disk /) {
				split(row, d, " "); eng = d[2]; sub(/:$/, "", eng)
				kr = row; sub("disk " eng ":", "disk " (eng ~ /,direct$/ ? "direct" : "cached") ":", kr)
				if (eng == "cached" || eng == "direct") continue
			}
			a = median(row, "vmm"); b = median(kr, "kvmtool")
			r = (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-"
			printf fmt, name, better, num(a), kvm ? num(b) : "", kvm ? r : ""
		}
		printf "(disk: %d MiB image on the host'"'"'s ext4, %d s per random-read figure, kvmtool figures per caching beside each vmm engine;\n", mb, secs
		printf " net: %d MiB per direction, 200 round trips; MB = 10^6 bytes; CPU from tick accounting)\n", netmb
	}' "$work/b"
[ "$complete" = 1 ] || { echo "bench-vs: the emulated host stopped before the end: rows are missing" >&2; exit 1; }
