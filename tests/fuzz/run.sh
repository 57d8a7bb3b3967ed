#!/bin/sh
# Run libFuzzer targets, one "test" each; ends with "fuzz: N passed, N failed".
#   run.sh SECS TARGET...         CI (make check): each target for SECS
#       seconds from its seed corpus tests/fuzz/corpus/NAME, new inputs going
#       to a scratch directory; two targets at a time
#   run.sh -grow SECS TARGET...   by hand (make fuzz-run): each target for
#       SECS seconds, one at a time, then the corpus in the tree is replaced
#       by a minimal one (-merge) holding all it had and found
# A crash, leak, sanitizer report or timeout fails the target; its input is
# kept as build/fuzz/artifacts/NAME-crash-... and the log as NAME.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
grow=0
[ "${1:-}" = -grow ] && { grow=1; shift; }
secs=${1:?usage: run.sh [-grow] SECS TARGET...}
shift
art=build/fuzz/artifacts
mkdir -p "$art"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Device log lines (stderr) are closed: libFuzzer keeps its own and the
# sanitizers' output.
opts="-close_fd_mask=3 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1"

run_one() { # target -> exit status
	name=${1##*/fuzz_}
	corpus=$here/corpus/$name
	mkdir -p "$corpus"
	if [ "$grow" = 1 ]; then
		# shellcheck disable=SC2086 # options are words
		"$1" $opts -max_total_time="$secs" -artifact_prefix="$art/$name-" \
			"$corpus" >"$art/$name.log" 2>&1 || return 1
		mkdir -p "$scratch/$name.min"
		"$1" -close_fd_mask=3 -merge=1 "$scratch/$name.min" "$corpus" \
			>>"$art/$name.log" 2>&1 || return 1
		rm -f "$corpus"/* && cp "$scratch/$name.min"/* "$corpus"/ 2>/dev/null
		return 0
	fi
	mkdir -p "$scratch/$name"
	# shellcheck disable=SC2086
	"$1" $opts -max_total_time="$secs" -artifact_prefix="$art/$name-" \
		"$scratch/$name" "$corpus" >"$art/$name.log" 2>&1
}

report() { # target status
	name=${1##*/fuzz_}
	stats=$(grep -E '^#[0-9]+.*(DONE|pulse)' "$art/$name.log" | tail -n1 |
		sed -n 's/.*\(cov: [0-9]*\).*\(exec\/s: [0-9]*\).*/\1 \2/p')
	if [ "$2" -eq 0 ]; then
		echo "fuzz: $name ok ($stats)"
	else
		echo "fuzz: $name FAILED (status $2, log $art/$name.log):"
		grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$art/$name.log" | head -n 8
	fi
}

passed=0 failed=0
set -- "$@"
while [ $# -gt 0 ]; do
	a=$1 b=
	shift
	if [ "$grow" = 0 ] && [ $# -gt 0 ]; then
		b=$1
		shift
	fi
	run_one "$a" & pa=$!
	[ -n "$b" ] && { run_one "$b" & pb=$!; }
	wait $pa; ra=$?
	report "$a" $ra
	[ $ra -eq 0 ] && passed=$((passed + 1)) || failed=$((failed + 1))
	if [ -n "$b" ]; then
		wait $pb; rb=$?
		report "$b" $rb
		[ $rb -eq 0 ] && passed=$((passed + 1)) || failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
