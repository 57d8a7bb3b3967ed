#!/bin/sh
# bench.sh [MODE]: boot and console figures for vmm, measured inside the
# emulated arm64 host (default mode 6.12-vhe). Reported, never asserted;
# each boot figure with the serial console's fast path on and off
# (--serial-coalesce), the two alternating, 3 runs each (median, min, max):
#   - time from `vmm run` to the guest's init and to vmm's exit after the
#     guest powers off, with a quiet kernel
#   - a verbose boot (no quiet): serial console bytes per second from vmm's
#     start to the guest's init, and the time to vmm's exit
#   - vmm's resident memory, guest RAM excluded (from /proc/PID/smaps)
# The emulated host is TCG: absolute times are ~50x a real arm64 machine;
# compare runs of this script with each other, not with hardware.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-6.12-vhe}
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
p=$work/payload
mkdir -p "$p"
[ -x "$top/build/aarch64/vmm" ] || { echo "bench: build/aarch64/vmm missing (make cross)" >&2; exit 1; }
image=$("$top/guest/build-kernel.sh")
"$top/guest/mkinitramfs.sh" "$p/guest.cpio.gz"
cp "$top/build/aarch64/vmm" "$image" "$p/"
aarch64-linux-gnu-gcc -static -O2 -o "$p/tstamp" "$top/tests/rig/tools/tstamp.c"
cat > "$p/run.sh" <<'EOS'
#!/bin/sh
cd /payload
i=0
while [ $i -lt 3 ]; do
	for fp in on off; do
		./vmm run --serial-coalesce $fp -k Image -i guest.cpio.gz -p "quiet vmmtest=report" \
			</dev/null 2>&1 | ./tstamp > t
		echo "BENCH quiet fp=$fp run=$i init_ms=$(grep -m1 'GUEST cpus=' t | cut -d' ' -f1)" \
			"exit_ms=$(tail -n1 t | cut -d' ' -f1)"
		./vmm run --serial-coalesce $fp -k Image -i guest.cpio.gz -p "vmmtest=report" \
			</dev/null 2>&1 | ./tstamp > t
		# vmm's exit: tstamp sees EOF when vmm closes the pipe
		echo "BENCH verbose fp=$fp run=$i bytes=$(grep -m1 'Run /init' t | cut -d' ' -f2)" \
			"init_ms=$(grep -m1 'Run /init' t | cut -d' ' -f1) exit_ms=$(tail -n1 t | cut -d' ' -f1)"
	done
	i=$((i + 1))
done
(sleep 25; echo 'poweroff -f') | ./vmm run -k Image -i guest.cpio.gz -p "quiet vmmtest=shell" >/dev/null 2>&1 &
sleep 20
pid=$(pidof vmm)
awk -v mem=262144 '/^[0-9a-f]+-[0-9a-f]+ /{ split($1, a, "-"); skip = 0 }
	/^Size:/{ skip = ($2 == mem) }
	/^Rss:/{ if (!skip) rss += $2 }
	END { print "BENCH rss_kb=" rss }' /proc/$pid/smaps
grep VmRSS /proc/$pid/status | sed 's/^/BENCH total_/'
wait
EOS
chmod +x "$p/run.sh"
"$top/tests/rig/mkhost.sh" "$work/host.cpio.gz" "${mode%%-*}" "$p" >/dev/null
case $mode in *-nvhe) extra=kvm-arm.mode=nvhe ;; *-protected) extra=kvm-arm.mode=protected ;; *) extra= ;; esac
load0=$(cut -d" " -f1-3 /proc/loadavg)
flock "$cache/rig.lock" timeout 1200 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on -smp 2 -m 3072 \
	-nographic -no-reboot -nic none -kernel "$cache/host/${mode%%-*}/vmlinuz" \
	-initrd "$work/host.cpio.gz" -append "console=ttyAMA0 quiet panic=-1 $extra" \
	| tr -d '\r' > "$work/log" || true
echo "this machine's load average (1, 5, 15 min) before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep '^BENCH' "$work/log" > "$work/b" || { echo "bench: no results; log:" >&2; tail -n 30 "$work/log" >&2; exit 1; }
awk -v mode="$mode" '
	function val(k,   i, a) { for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) return a[2] } }
	/^BENCH quiet/ { fp = val("fp"); n = nq[fp]++; qi[fp, n] = val("init_ms"); qe[fp, n] = val("exit_ms") }
	/^BENCH verbose/ { fp = val("fp"); n = nv[fp]++; vb[fp, n] = val("bytes") * 1000 / val("init_ms")
		ve[fp, n] = val("exit_ms") }
	/^BENCH rss_kb/ { split($2, a, "="); rss = a[2] }
	/^BENCH total_VmRSS/ { tot = $3 }
	function median(arr, fp, n,   v, i, j, t) {
		for (i = 0; i < n; i++) v[i] = arr[fp, i] + 0
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return sprintf("%.0f (min %.0f, max %.0f)", v[int(n / 2)], v[0], v[n - 1])
	}
	END {
		printf "vmm benchmark, host %s (emulated arm64, TCG); fast path = --serial-coalesce\n", mode
		for (k = 0; k < 2; k++) {
			fp = k ? "off" : "on"
			printf "fast path %s:\n", fp
			printf "  quiet: vmm run -> guest init, median of %d: %s ms\n", nq[fp], median(qi, fp, nq[fp])
			printf "  quiet: vmm run -> vmm exit after power-off: %s ms\n", median(qe, fp, nq[fp])
			printf "  verbose: serial console bytes/s to init, median of %d: %s\n", nv[fp], median(vb, fp, nv[fp])
			printf "  verbose: vmm run -> vmm exit after power-off: %s ms\n", median(ve, fp, nv[fp])
		}
		printf "vmm resident memory without guest RAM: %d KiB (VmRSS, guest RAM it touched included: %s KiB)\n", rss, tot
	}' "$work/b"
