#!/bin/sh
# `make check`: the native cmocka unit tests, then the integration rig (real
# arm64 KVM inside an emulated arm64 host, every host mode). Ends with one
# "N passed, N failed" line over both; exits non-zero on any failure.
#   VMM_RIG_MODES="6.12-vhe 6.1-nvhe"  limit the rig to some host modes
#   VMM_SKIP_RIG=1                     unit tests only
set -u
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$here/run-unit.sh" "$@" | tee "$log"
up=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -n1)
uf=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -n1)
up=${up:-0} uf=${uf:-1}

rp=0 rf=0
if [ "${VMM_SKIP_RIG:-0}" != 1 ]; then
	# shellcheck disable=SC2086 # the modes are words
	"$here/rig/run.sh" ${VMM_RIG_MODES:-} | tee "$log"
	rp=$(sed -n 's/^rig: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -n1)
	rf=$(sed -n 's/^rig: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -n1)
	rp=${rp:-0} rf=${rf:-1}
fi
echo "$((up + rp)) passed, $((uf + rf)) failed"
[ $((uf + rf)) -eq 0 ]
