#!/bin/sh
# The integration cases' runner, run inside the emulated arm64 host by
# busybox sh as /payload/run.sh (see tests/rig/run.sh). /payload holds vmm,
# Image (guest kernel), initrd.cpio.gz (guest/mkinitramfs.sh), the guest
# tools, lib.sh (the helpers) and the case files cases_<area>.sh. Every case
# prints exactly one line: "PASS <case>" or "FAIL <case>: <reason>", then a
# "TIME <case> <N>s" line for the log.
# Usage: run.sh [CASE...] (default: the cases of this host's tier and mode).
#
# The case list is read from the case files: every function named
# case_<name> (underscores become dashes) is a case, in file order, the
# files in the order of AREAS below (any other cases_*.sh after them).
# Tags after "#rig:" on the case's definition line:
#   all-modes   run in every host mode. Cases of code that differs by host
#               mode: boot, SMP, counter, reboot, pause, disk and network
#               I/O, vhost-net, the vGIC, the timer. Without it a case runs
#               in one 6.12 mode and one 6.1 mode, picked from a hash of its
#               name (stable as cases come and go), unless RIG_TIER=full.
#   solo        runs with no other case beside it (it changes what every
#               case sees, like /dev/kvm); solo cases run last.
#   lock=NAME   never runs beside another case holding lock NAME (shared
#               taps, the VMs' runtime directory, /dev/kvm's mode, /boot).
# Cases run RIG_JOBS (default 2) at a time: the emulated host has two CPUs
# and a one-vCPU guest leaves one idle. Each runs in a subshell in its own
# directory ($T/<case>), its output gathered and printed whole.
#
# No set -e on purpose: a failing command must fail its case, not end the
# run; every status that matters is checked explicitly.
set -u

P=${PAYLOAD:-/payload}
VMM=$P/vmm
KERNEL=$P/Image
INITRD=$P/initrd.cpio.gz
COUNTER=$P/counter
PTYRUN=$P/ptyrun
PRNG=$P/prng
SCRATCH=${RIG_SCRATCH:-/scratch}
ROOTFS=$SCRATCH/rootfs.img
T=${RIG_TMP:-/tmp/rig}
BOOT_SECS=60  # one guest boot; a hang fails one case, not the run
BAD_SECS=30   # a bad-input run should end at once; bounded if it boots
PARAMS="vmmtest=report quiet"
AREAS="disk net user_net fs hostile boot cpu vms console info bad cmd"

mkdir -p "$T"
# Cores land in the case's directory, so "no core file" means something.
# shellcheck disable=SC3045 # busybox ash has ulimit -c
ulimit -c unlimited 2>/dev/null
[ -w /proc/sys/kernel/core_pattern ] && echo core >/proc/sys/kernel/core_pattern

# shellcheck disable=SC1091 # in the payload
. "$P/lib.sh"
files=
for a in $AREAS; do
	[ -f "$P/cases_$a.sh" ] && files="$files $P/cases_$a.sh"
done
for f in "$P"/cases_*.sh; do
	case " $files " in *" $f "*) ;; *) files="$files $f" ;; esac
done
for f in $files; do
	# shellcheck disable=SC1090 # the case files, found above
	. "$f"
done

for f in "$VMM" "$KERNEL" "$INITRD" "$COUNTER" "$PTYRUN" "$PRNG"; do
	[ -e "$f" ] || echo "RIG payload: $f missing"
done

# Settings from tests/rig/run.sh: RIG_CASES, RIG_VERBOSE, RIG_TIER, RIG_JOBS.
RIG_CASES='' RIG_VERBOSE=0 RIG_TIER=ci RIG_JOBS=2
# shellcheck disable=SC1091 # written by run.sh
[ -f "$P/rig.conf" ] && . "$P/rig.conf"
mode=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^rig\.mode=//p' | tail -n1)

# case_table: "name tag..." per case, in run order.
# shellcheck disable=SC2086 # the file list
case_table() {
	sed -n 's/^case_\([a-z0-9_]*\)() *{.*$/\1 &/p' $files |
		sed 's/ case_.*#rig:/ /; s/ case_.*$//' |
		awk '{ gsub(/_/, "-", $1); print }'
}

# picked NAME: whether NAME's two modes (one 6.12, one 6.1) include this one.
picked() {
	h=$(echo "$1" | awk '{ a = "abcdefghijklmnopqrstuvwxyz0123456789-"; h = 0
		for (i = 1; i <= length($0); i++) h = (h * 31 + index(a, substr($0, i, 1))) % 1000003
		print h }')
	set -- 6.12-vhe 6.12-nvhe 6.12-protected
	shift $((h % 3))
	m612=$1
	set -- 6.1-vhe 6.1-nvhe
	shift $((h / 3 % 2))
	[ "$mode" = "$m612" ] || [ "$mode" = "$1" ]
}

# The plan: $T/queue (cases run side by side) and $T/solo, lines "name locks".
rm -rf "$T/claim" "$T/lock" "$T/printlock"
mkdir -p "$T/claim" "$T/lock"
: >"$T/queue"
: >"$T/solo"
[ $# -gt 0 ] || set -- ${RIG_CASES:-}
nall=0 nskip=0
case_table >"$T/table"
while read -r name tags; do
	nall=$((nall + 1))
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	elif [ "$RIG_TIER" != full ] && [ -n "$mode" ]; then
		case " $tags " in
		*" all-modes "*) ;;
		*) picked "$name" || { nskip=$((nskip + 1)); continue; } ;;
		esac
	fi
	locks=$(echo " $tags " | tr ' ' '\n' | sed -n 's/^lock=//p' | sort | tr '\n' ' ')
	case " $tags " in
	*" solo "*) echo "$name $locks" >>"$T/solo" ;;
	*) echo "$name $locks" >>"$T/queue" ;;
	esac
done <"$T/table"
for c in "$@"; do
	awk -v c="$c" '$1 == c { f = 1 } END { exit !f }' "$T/table" || echo "FAIL $c: no such case (no case_$(echo "$c" | tr - _) in the case files)"
done
echo "RIG plan: $(($(wc -l <"$T/queue") + $(wc -l <"$T/solo"))) of $nall cases here (tier $RIG_TIER, mode ${mode:-?}, $nskip run in other modes), $RIG_JOBS at a time"

# run_one NAME: the case in its own directory and subshell; its output is
# printed whole once it ends, so side-by-side cases never mix lines.
run_one() {
	(
		c=$1
		mkdir -p "$T/$c"
		cd "$T/$c" || exit 0
		# The case's directory on the scratch disk, for its disk images.
		D=$SCRATCH/rig/$c
		rm -rf "$D"
		[ -d "$SCRATCH" ] && mkdir -p "$D"
		rm -f core*
		result=
		# Not t0: the helpers use that one for their own timing.
		case_t0=$(date +%s)
		"case_$(echo "$c" | tr - _)"
		[ -n "$result" ] || fail "$c" "case printed no result"
		if [ "$RIG_VERBOSE" = 1 ] && [ "$result" = pass ] && [ -f all ]; then
			echo "  $ vmm output ($c, status ${rc:-?}):"
			head -n 60 all | sed 's/^/  | /'
		fi
		echo "TIME $c $(($(date +%s) - case_t0))s"
		rm -rf "$D"
	) </dev/null >"$T/$1.res" 2>&1
	until mkdir "$T/printlock" 2>/dev/null; do sleep 0.1; done
	cat "$T/$1.res"
	rmdir "$T/printlock"
}

# take_locks LOCK...: all of them, or none (returns 1).
take_locks() {
	tl_got=
	for l in "$@"; do
		if ! mkdir "$T/lock/$l" 2>/dev/null; then
			for g in $tl_got; do rmdir "$T/lock/$g"; done
			return 1
		fi
		tl_got="$tl_got $l"
	done
}

drop_locks() {
	for l in "$@"; do rmdir "$T/lock/$l"; done
}

# lane QUEUE: take the first case of QUEUE that no lane has claimed and
# whose locks are free, run it, start over; ends when every case is claimed.
lane() {
	while :; do
		left=0 ran=0
		while read -r name locks; do
			[ -d "$T/claim/$name" ] && continue
			left=1
			# shellcheck disable=SC2086 # a word list
			take_locks $locks || continue
			if mkdir "$T/claim/$name" 2>/dev/null; then
				run_one "$name"
				ran=1
			fi
			# shellcheck disable=SC2086
			drop_locks $locks
			[ "$ran" = 1 ] && break
		done <"$1"
		[ "$left" = 1 ] || return 0
		[ "$ran" = 1 ] || sleep 1
	done
}

j=0
while [ "$j" -lt "$RIG_JOBS" ]; do
	lane "$T/queue" &
	j=$((j + 1))
done
wait
lane "$T/solo"
