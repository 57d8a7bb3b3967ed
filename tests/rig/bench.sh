#!/bin/sh
# bench.sh [MODE]: boot and console figures for vmm, measured inside the
# emulated arm64 host (default mode 6.12-vhe). Reported, never asserted:
#   - time from `vmm run` to the guest's init and to vmm's exit after the
#     guest powers off (quiet kernel; median of 5 runs, and min/max)
#   - serial console throughput: bytes per second of a boot without quiet,
#     from vmm's start to the guest's init
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
while [ $i -lt 5 ]; do
	./vmm run -k Image -i guest.cpio.gz -p "quiet vmmtest=report" </dev/null 2>&1 | ./tstamp > t.$i
	init=$(grep -m1 'GUEST cpus=' t.$i | cut -d' ' -f1)
	end=$(tail -n1 t.$i | cut -d' ' -f1)
	echo "BENCH boot run=$i init_ms=$init"
	# vmm's exit: tstamp sees EOF when vmm closes the pipe
	echo "BENCH exit run=$i last_line_ms=$end"
	i=$((i + 1))
done
./vmm run -k Image -i guest.cpio.gz -p "vmmtest=report" </dev/null 2>&1 | ./tstamp > verbose
b=$(grep -m1 'Run /init' verbose | cut -d' ' -f2)
t=$(grep -m1 'Run /init' verbose | cut -d' ' -f1)
echo "BENCH serial bytes=$b ms=$t"
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
flock "$cache/rig.lock" timeout 1200 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on -smp 2 -m 3072 \
	-nographic -no-reboot -nic none -kernel "$cache/host/${mode%%-*}/vmlinuz" \
	-initrd "$work/host.cpio.gz" -append "console=ttyAMA0 quiet panic=-1 $extra" \
	| tr -d '\r' > "$work/log" || true
grep '^BENCH' "$work/log" > "$work/b" || { echo "bench: no results; log:" >&2; tail -n 30 "$work/log" >&2; exit 1; }
awk -v mode="$mode" '
	/^BENCH boot/ { split($4, a, "="); init[n1++] = a[2] }
	/^BENCH exit/ { split($4, a, "="); ex[n2++] = a[2] }
	/^BENCH serial/ { split($3, a, "="); b = a[2]; split($4, c, "="); ms = c[2] }
	/^BENCH rss_kb/ { split($2, a, "="); rss = a[2] }
	/^BENCH total_VmRSS/ { tot = $3 }
	function median(v, n,   i, j, t) {
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return v[int(n / 2)] " ms (min " v[0] ", max " v[n - 1] ")"
	}
	END {
		printf "vmm benchmark, host %s (emulated arm64, TCG)\n", mode
		printf "  vmm run -> guest init (quiet), median of %d: %s\n", n1, median(init, n1)
		printf "  vmm run -> vmm exit after power-off, median of %d: %s\n", n2, median(ex, n2)
		printf "  serial console: %d bytes in %d ms = %.0f bytes/s\n", b, ms, b * 1000 / ms
		printf "  vmm resident memory without guest RAM: %d KiB (VmRSS, guest RAM it touched included: %s KiB)\n", rss, tot
	}' "$work/b"
