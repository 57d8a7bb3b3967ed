# The 16550's coalesced transmit path (vmm/serial.c): guests that power off
# while their tty transmits by interrupt, and byte-exact output with the
# zone toggling under two writers and kernel printk. Sourced by
# run-cases.sh (helpers in lib.sh).

FLOOD_PAYLOAD=0123456789abcdefghijklmnopqrstuvwxyz

# Power off mid-stream, twice: each run must end promptly with 0.
case_serial_poweroff_flood() { #rig: all-modes
	i=0
	while [ $i -lt 2 ]; do
		vmm_run 40 --kernel "$KERNEL" --initrd "$INITRD" --cpus 2 \
			--params "vmmtest=console-flood rig.lines=60 quiet"
		if [ "$rc" != 0 ]; then
			fail serial-poweroff-flood "run $i: $(status_text), want 0: $(why)"
			return
		fi
		# Kernel lines may land inside a tty line: FLOOD anywhere counts.
		grep -q 'FLOOD [ab] ' all || { fail serial-poweroff-flood "run $i: no FLOOD lines: $(why)"; return; }
		i=$((i + 1))
	done
	pass serial-poweroff-flood
}

# flood_check FILE N: every writer's N lines in FILE, whole and in order,
# once the kernel's KMSG lines (which may land inside a tty line, as on a
# real UART) are cut out. Prints what is wrong, nothing when all is well.
flood_check() {
	awk '{ s = s $0 "\n" } END { gsub(/\[ *[0-9]+\.[0-9]+\] KMSG [0-9]+\n/, "", s); printf "%s", s }' "$1" >flood.txt
	for w in a b; do
		grep "^FLOOD $w " flood.txt | awk -v n="$2" -v w="$w" -v p="$FLOOD_PAYLOAD" '
			NF != 4 || $3 != i || $4 != p { print "writer " w " line " NR ": \"" $0 "\""; bad = 1; exit }
			{ i++ }
			END { if (!bad && i != n) print "writer " w ": " i " lines, want " n }'
	done
}

# The same bytes with and without the fast path, on stdout and in the log.
# The zone's KVM side is the same in every host mode: one 6.12, one 6.1.
case_serial_exact() {
	n=100
	for how in off on; do
		rm -f log
		vmm_run 60 --serial-coalesce $how --kernel "$KERNEL" --initrd "$INITRD" --cpus 2 --console-log log \
			--params "vmmtest=console-flood rig.lines=$n rig.drain=1 quiet"
		if [ "$rc" != 0 ]; then
			fail serial-exact "fast path $how: $(status_text), want 0: $(why)"
			return
		fi
		grep -q '^GUEST flood done' all || { fail serial-exact "fast path $how: no 'GUEST flood done'"; return; }
		echo "INFO serial-exact fast path $how: vmm ${secs}s, $(grep -m1 '^GUEST flood done' all)"
		grep -q 'KMSG' all || { fail serial-exact "fast path $how: no KMSG line"; return; }
		bad=$(flood_check all $n)
		[ -z "$bad" ] || { fail serial-exact "fast path $how: $bad"; return; }
		tr -d '\r' <out >out.txt
		tr -d '\r' <log >log.txt
		cmp -s out.txt log.txt || { fail serial-exact "fast path $how: --console-log differs from stdout: $(cmp out.txt log.txt)"; return; }
	done
	pass serial-exact
}


