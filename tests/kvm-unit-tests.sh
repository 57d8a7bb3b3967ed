#!/bin/sh
# tests/kvm-unit-tests.sh SRC_DIR [MODE...]: kvm-unit-tests' arm64 suite with
# vmm as the VMM, through vmm's kvmtool personality (vmm invoked as lkvm,
# vmm(1) KVMTOOL COMPATIBILITY), inside the rig's emulated arm64 host.
#
#   SRC_DIR    a kvm-unit-tests source tree (not part of this project; e.g.
#              git clone https://gitlab.com/kvm-unit-tests/kvm-unit-tests)
#   MODE...    rig host modes (default 6.12-vhe): 6.12-vhe 6.12-nvhe
#              6.12-protected 6.1-vhe 6.1-nvhe
#   KVMTOOL=F  a static aarch64 lkvm: the same suite under kvmtool in the
#              same host boot, printed as a second column
#   KUT_TIMEOUT=D  per-test timeout for the runner (default 180s: the host
#              is emulated)
#   KUT_TESTS="a b"  only these tests (run_tests.sh's test names)
#
# It configures and builds kvm-unit-tests out of tree into build/kut with
# the cross compiler (--arch=arm64 --target=kvmtool, so the suite passes
# kvmtool's options: --nodefaults, --network mode=none, --irqchip=...),
# fetches bash and the few GNU tools the runner needs (tests/rig/fetch.sh
# kut), boots each mode's host once with the rig's lock (tests/rig/
# bench-lib.sh) and runs the unmodified runner, run_tests.sh, there with
# KVMTOOL pointing at a link named lkvm to vmm. Prints one table per mode:
# test name, then PASS/FAIL/SKIP per VMM. Not part of `make check`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-}
[ -n "$src" ] && [ -f "$src/run_tests.sh" ] && [ -f "$src/configure" ] || {
	echo "usage: $0 KVM_UNIT_TESTS_SRC_DIR [MODE...]  (KVMTOOL=lkvm-static for a kvmtool column)" >&2
	exit 2
}
src=$(cd "$src" && pwd)
shift
[ $# -gt 0 ] || set -- 6.12-vhe
# shellcheck disable=SC1091 # beside this script
. "$top/tests/rig/bench-lib.sh"
for m in "$@"; do bench_mode "$m"; done
kvmtool=${KVMTOOL:-}
if [ -n "$kvmtool" ]; then
	[ -f "$kvmtool" ] || { echo "kvm-unit-tests: KVMTOOL=$kvmtool: no such file" >&2; exit 2; }
	[ "$(od -An -tx1 -j18 -N2 "$kvmtool" | tr -d ' \n')" = b700 ] ||
		{ echo "kvm-unit-tests: KVMTOOL=$kvmtool: not an aarch64 program" >&2; exit 2; }
fi
timeout_s=${KUT_TIMEOUT:-180s}
case $timeout_s in *[!0-9smh]* | '') echo "kvm-unit-tests: KUT_TIMEOUT: a duration such as 180s" >&2; exit 2 ;; esac
only=${KUT_TESTS:-}
case $only in *[!A-Za-z0-9_.\ -]*) echo "kvm-unit-tests: KUT_TESTS: test names only" >&2; exit 2 ;; esac

[ -x "$top/build/aarch64/vmm" ] || { echo "kvm-unit-tests: build/aarch64/vmm missing (make cross)" >&2; exit 1; }

# --- build kvm-unit-tests ----------------------------------------------------
kb=$top/build/kut
mkdir -p "$kb"
if [ ! -f "$kb/config.mak" ] || [ "$src/configure" -nt "$kb/config.mak" ]; then
	(cd "$kb" && "$src/configure" --arch=arm64 --cross-prefix=aarch64-linux-gnu- \
		--target=kvmtool --disable-pretty-print-stacks) >"$kb/configure.log" 2>&1 ||
		{ echo "kvm-unit-tests: configure failed (see $kb/configure.log)" >&2; exit 1; }
fi
make -C "$kb" -j"$(nproc)" >"$kb/make.log" 2>&1 ||
	{ echo "kvm-unit-tests: build failed (see $kb/make.log)" >&2; tail -n 5 "$kb/make.log" >&2; exit 1; }

# --- the payload ------------------------------------------------------------
"$top/tests/rig/fetch.sh" host kut
cache=${VMM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmm}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
p=$work/payload
mkdir -p "$p/kut/arm"
cp "$top/build/aarch64/vmm" "$p/vmm"
[ -n "$kvmtool" ] && cp "$kvmtool" "$p/lkvm-kvmtool"
cp -R "$cache/host/kut-tools" "$p/tools"
# What run_tests.sh reads: its scripts, the config, the test list and binaries.
cp -L "$kb/run_tests.sh" "$kb/config.mak" "$p/kut/"
cp -RL "$kb/scripts" "$p/kut/scripts"
cp -L "$kb/arm/unittests.cfg" "$kb/arm/run" "$kb"/arm/*.flat "$p/kut/arm/"
# configure's ERRATATXT names the source tree's errata.txt: bring it along.
[ -f "$src/errata.txt" ] && cp "$src/errata.txt" "$p/kut/"
ln -s arm/run "$p/kut/arm-run"
# configure recorded the machine it ran on (x86-64) as HOST; the suite runs
# on the emulated arm64 host, and arm/run refuses kvmtool on any other.
sed -i -e 's/^HOST=.*/HOST=aarch64/' -e 's|^ERRATATXT=.*|ERRATATXT=errata.txt|' "$p/kut/config.mak"

cat >"$p/run.sh" <<EOS
#!/bin/sh
timeout_s=$timeout_s
only="$only"
EOS
cat >>"$p/run.sh" <<'EOS'
cd /payload
# bash and the GNU tools: dynamic arm64 programs with their loader and
# libraries in tools/ (the host's initramfs is busybox only).
mkdir -p /lib
ln -sf /payload/tools/lib/ld-linux-aarch64.so.1 /lib/ld-linux-aarch64.so.1
# What udev would make: the runner writes to /dev/stderr and /dev/fd/N.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
export LD_LIBRARY_PATH=/payload/tools/lib
export PATH=/payload/tools/bin:$PATH
# vmm's kvmtool personality: vmm under a name starting with lkvm.
mkdir -p /payload/as-lkvm
ln -s /payload/vmm /payload/as-lkvm/lkvm
echo "KUT bash $(bash -c 'echo ok')"
for v in vmm kvmtool; do
	case $v in
	vmm) bin=/payload/as-lkvm/lkvm ;;
	kvmtool) bin=/payload/lkvm-kvmtool ;;
	esac
	[ -x "$bin" ] || continue
	rm -rf /tmp/kut-run && cp -R /payload/kut /tmp/kut-run && cd /tmp/kut-run
	t0=$(date +%s)
	# shellcheck disable=SC2086 # only: test names
	KVMTOOL=$bin TIMEOUT=$timeout_s bash ./run_tests.sh $only </dev/null 2>&1 |
		tr -d '\033' | sed 's/\[[0-9;]*m//g' | while IFS= read -r line; do echo "KUT $v $line"; done
	echo "KUT-TIME $v $(($(date +%s) - t0))"
	# The failures' own logs, for the report.
	for l in logs/*.log; do
		[ -f "$l" ] || continue
		n=${l#logs/}
		tail -n 12 "$l" | sed "s|^|KUT-LOG $v ${n%.log} |"
	done
	cd /payload
done
EOS

for m in "$@"; do
	log=$top/build/kut/$m.log
	echo "kvm-unit-tests: $m: booting the emulated host (waits for the rig lock)..." >&2
	bench_boot "$m" "$p" "$log"
	grep -q '^KUT bash ok' "$log" || { echo "kvm-unit-tests: $m: bash did not run in the host; log: $log" >&2; tail -n 20 "$log" >&2; continue; }
	awk -v mode="$m" -v kt="$kvmtool" '
		$1 == "KUT" && ($3 == "PASS" || $3 == "FAIL" || $3 == "SKIP") {
			v = $2; t = $4
			if (!(t in seen)) { seen[t] = 1; order[++n] = t }
			r[v, t] = $3
			why = $0; sub(/^KUT [a-z]+ [A-Z]+ [^ ]+ ?/, "", why)
			if ($3 != "PASS") note[v, t] = why
			c[v, $3]++
		}
		$1 == "KUT-TIME" { secs[$2] = $3 }
		END {
			printf "\nkvm-unit-tests, host %s\n", mode
			printf "%-34s %-6s%s\n", "test", "vmm", kt != "" ? " kvmtool" : ""
			for (i = 1; i <= n; i++) {
				t = order[i]
				printf "%-34s %-6s%s", t, r["vmm", t] ? r["vmm", t] : "-",
					kt != "" ? sprintf(" %-7s", r["kvmtool", t] ? r["kvmtool", t] : "-") : ""
				w = note["vmm", t]
				if (w == "" && kt != "") w = note["kvmtool", t]
				printf "%s\n", w != "" ? "  " w : ""
			}
			printf "vmm:     %d passed, %d failed, %d skipped (%s s)\n", c["vmm", "PASS"],
				c["vmm", "FAIL"], c["vmm", "SKIP"], secs["vmm"]
			if (kt != "")
				printf "kvmtool: %d passed, %d failed, %d skipped (%s s)\n", c["kvmtool", "PASS"],
					c["kvmtool", "FAIL"], c["kvmtool", "SKIP"], secs["kvmtool"]
			for (i = 1; i <= n; i++) {
				t = order[i]
				if (kt != "" && r["kvmtool", t] == "PASS" && r["vmm", t] != "PASS")
					printf "vmm fails what kvmtool passes: %s (see KUT-LOG lines in the log)\n", t
			}
		}' "$log"
	echo "(full output: $log)"
done
