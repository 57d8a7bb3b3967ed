#!/bin/sh
# `make check`: the native cmocka unit tests, the same under ASan+UBSan and
# the threaded ones under TSan, each fuzz target for a few seconds, then the
# integration rig (real arm64 KVM inside an emulated arm64 host, every host
# mode). Ends with one "N passed, N failed" line over all of them; exits
# non-zero on any failure.
#   VMM_RIG_MODES="6.12-vhe 6.1-nvhe"  limit the rig to some host modes
#   VMM_SKIP_RIG=1                     unit tests only
#   VMM_SKIP_SAN=1                     no ASan+UBSan / TSan unit test stages
#   VMM_SKIP_FUZZ=1                    no fuzz stage
#   VMM_FUZZ_SECS=N                    seconds per fuzz target (default 10)
# The Makefile passes the sanitizer and fuzz binaries in VMM_ASAN_TESTS,
# VMM_TSAN_TESTS and VMM_FUZZ_TARGETS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$here/run-unit.sh" "$@" | tee "$log"
up=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -n1)
uf=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -n1)
up=${up:-0} uf=${uf:-1}

# stage NAME CMD...: run a stage that ends with "NAME: N passed, N failed";
# adds its counts to sp/sf (a stage that printed no such line failed once).
sp=0 sf=0
stage() {
	name=$1
	shift
	start=$(date +%s)
	"$@" 2>&1 | tee "$log"
	p=$(sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p" "$log" | tail -n1)
	f=$(sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p" "$log" | tail -n1)
	sp=$((sp + ${p:-0})) sf=$((sf + ${f:-1}))
	echo "$name: stage took $(($(date +%s) - start)) s"
}
relabel() { # LABEL CMD...: run-unit.sh's "unit:" lines as "LABEL:"
	label=$1
	shift
	"$@" | sed "s/^unit: /$label: /"
}
if [ "${VMM_SKIP_SAN:-0}" != 1 ]; then
	# shellcheck disable=SC2086 # lists of binaries
	stage asan relabel asan "$here/run-unit.sh" ${VMM_ASAN_TESTS:-}
	# shellcheck disable=SC2086
	stage tsan relabel tsan "$here/run-unit.sh" ${VMM_TSAN_TESTS:-}
fi
if [ "${VMM_SKIP_FUZZ:-0}" != 1 ]; then
	# shellcheck disable=SC2086
	stage fuzz "$here/fuzz/run.sh" "${VMM_FUZZ_SECS:-10}" ${VMM_FUZZ_TARGETS:-}
fi

rp=0 rf=0
if [ "${VMM_SKIP_RIG:-0}" != 1 ]; then
	# shellcheck disable=SC2086 # the modes are words
	"$here/rig/run.sh" ${VMM_RIG_MODES:-} | tee "$log"
	rp=$(sed -n 's/^rig: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -n1)
	rf=$(sed -n 's/^rig: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -n1)
	rp=${rp:-0} rf=${rf:-1}
fi
echo "$((up + sp + rp)) passed, $((uf + sf + rf)) failed"
[ $((uf + sf + rf)) -eq 0 ]
