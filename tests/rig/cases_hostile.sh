# A hostile guest: guest/tools/hostile.c drives a virtio-mmio disk itself
# with a chain that re-arms itself on every sector read (the device would
# loop forever with no guest help), or floods every queue with kicks.
# Whatever it does, vmm must stay live: a guest reset, pause, stop, kill
# and SIGTERM each complete, and a paused VM's device threads touch no
# guest memory. Before bounded batches they never completed at all; the
# bound here, HOSTILE_MS, is far above what they take (tens to hundreds of
# ms; each case logs its figures as a "hostile ..." line) so that a busy
# machine cannot fail a case: the figures are for reading, not asserting.
# Sourced by run-cases.sh (helpers in lib.sh; tags after "#rig:" are read
# by run-cases.sh).
HOSTILE=$P/hostile
HOSTILE_MS=5000
# The guest kernel keeps to mem=; the rings live in the RAM above it.
HOSTILE_ARGS="--mem 256M --params"
HOSTILE_PARAMS="mem=192M quiet"

# now_ms: the host's monotonic counter in milliseconds (the counter tool).
now_ms() {
	"$COUNTER" | sed -n 's/^counter_s=//p' | awk '{ printf "%d\n", $1 * 1000 }'
}

# info_num NAME KEY: the first number KEY has in `vmm info NAME --json`
# (requests: the disk's completed requests, vda coming before the rng and
# other devices that count requests too; pid: vmm's process id).
info_num() {
	"$VMM" info "$1" --json 2>/dev/null | grep -o "\"$2\": [0-9]*" | head -n1 | sed 's/.*: //'
}

# gone PID MS: until PID has exited (0), or MS milliseconds (1).
gone() {
	g_end=$(($(now_ms) + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ "$(now_ms)" -lt "$g_end" ] || return 1
		sleep 0.05
	done
}

# rearm_case NAME IO END: a VM whose vda (the re-arming image, io=IO) loops;
# the guest resets the device once mid-loop and re-arms it; the host checks
# the loop runs, pauses (no request completes while paused) and resumes
# it, then ends the VM with END (stop, kill or term), each within
# HOSTILE_MS (stop: the guest's own power-off on top).
rearm_case() {
	name=$1 io=$2 end=$3 vm=rig-h$$
	need_scratch "$name" || return
	"$HOSTILE" mkimage "$D/re.img" || { fail "$name" "hostile mkimage failed"; return; }
	vm_detach "$vm" --console-log "$PWD/c.log" --disk "$D/re.img,io=$io" \
		$HOSTILE_ARGS "vmmtest=hostile-rearm rig.secs=2 $HOSTILE_PARAMS"
	if [ "$rc" != 0 ]; then
		fail "$name" "vmm run --detach: status $rc: $(head -n1 derr)"
		return
	fi
	pid=$(info_num "$vm" pid)
	if ! wait_for 'GUEST hostile rearmed' c.log 90; then
		"$VMM" kill "$vm" 2>/dev/null
		fail "$name" "the guest never re-armed its chain: $(grep -v '^\[' c.log | tail -n2 | tr '\n' ' ')"
		return
	fi
	reset_ms=$(sed -n 's/^GUEST hostile reset_ms=\([0-9]*\).*/\1/p' c.log | tr -d '\r' | head -n1)
	r0=$(info_num "$vm" requests)
	sleep 1
	r1=$(info_num "$vm" requests)
	t0=$(now_ms)
	"$VMM" pause "$vm" >/dev/null 2>err
	prc=$?
	pause_ms=$(($(now_ms) - t0))
	p0=$(info_num "$vm" requests)
	sleep 1
	p1=$(info_num "$vm" requests)
	"$VMM" resume "$vm" >/dev/null 2>>err
	rrc=$?
	sleep 1
	r2=$(info_num "$vm" requests)
	t0=$(now_ms)
	case $end in
	stop) "$VMM" stop "$vm" >/dev/null 2>>err ;;
	kill) "$VMM" kill "$vm" >/dev/null 2>>err ;;
	term) kill -TERM "$pid" ;;
	esac
	limit=$HOSTILE_MS
	[ "$end" = stop ] && limit=$((HOSTILE_MS + 10000))
	gone "$pid" 30000
	end_ms=$(($(now_ms) - t0))
	kill -KILL "$pid" 2>/dev/null
	echo "hostile $name: reset ${reset_ms}ms, pause ${pause_ms}ms, $end ${end_ms}ms;" \
		"requests/s $((r1 - r0)) running, $((p1 - p0)) paused, after resume $r2"
	if [ -z "$reset_ms" ] || [ "$reset_ms" -ge "$HOSTILE_MS" ]; then
		fail "$name" "the guest's reset (Status=0) took '${reset_ms}' ms, want < $HOSTILE_MS"
	elif [ -z "$r0" ] || [ -z "$r1" ] || [ $((r1 - r0)) -lt 100 ]; then
		fail "$name" "the chain is not looping: requests $r0 -> $r1 in 1 s"
	elif [ "$prc" != 0 ] || [ "$rrc" != 0 ]; then
		fail "$name" "pause $prc, resume $rrc: $(head -n1 err)"
	elif [ "$pause_ms" -ge "$HOSTILE_MS" ]; then
		fail "$name" "vmm pause took ${pause_ms} ms, want < $HOSTILE_MS"
	elif [ "$p0" != "$p1" ]; then
		fail "$name" "requests completed while paused: $p0 -> $p1"
	elif [ -z "$r2" ] || [ "$r2" -le "$p1" ]; then
		fail "$name" "no request after resume: $p1 -> $r2"
	elif [ "$end_ms" -ge "$limit" ]; then
		fail "$name" "vmm $end took ${end_ms} ms, want < $limit"
	elif ls core* >/dev/null 2>&1; then
		fail "$name" "core file left"
	else
		pass "$name"
	fi
}

# The pause and reset paths run in every host mode with io_uring; the other
# backends' loops are vmm's own code, the same in every mode: two modes.
case_hostile_rearm_uring() { rearm_case hostile-rearm-uring io_uring kill; } #rig: all-modes lock=vms
case_hostile_rearm_aio() { rearm_case hostile-rearm-aio aio term; } #rig: lock=vms
case_hostile_rearm_sync() { rearm_case hostile-rearm-sync sync stop; } #rig: lock=vms
case_hostile_rearm_direct() { rearm_case hostile-rearm-direct io_uring,direct kill; } #rig: lock=vms

# Kicks as fast as one vCPU can write them, on every queue of every
# virtio device (a disk, a NIC, the virtio console), drivers bound: vmm
# stays responsive and stops the guest promptly.
case_hostile_flood() { #rig: all-modes lock=vms lock=net
	vm=rig-hf$$
	need_scratch hostile-flood || return
	truncate -s 8M "$D/f.img"
	tap_up rigtap0 10.0.90 || { fail hostile-flood "cannot make rigtap0"; return; }
	vm_detach "$vm" --console-log "$PWD/c.log" --disk "$D/f.img" --console virtio \
		--network tap,ifname=rigtap0 --params "vmmtest=hostile-flood rig.secs=20 quiet"
	if [ "$rc" != 0 ]; then
		tap_down rigtap0
		fail hostile-flood "vmm run --detach: status $rc: $(head -n1 derr)"
		return
	fi
	pid=$(info_num "$vm" pid)
	wait_for 'GUEST hostile flooding' c.log 90
	sleep 2
	t0=$(now_ms)
	"$VMM" pause "$vm" >/dev/null 2>err
	prc=$?
	pause_ms=$(($(now_ms) - t0))
	"$VMM" resume "$vm" >/dev/null 2>>err
	rrc=$?
	sleep 1
	t0=$(now_ms)
	"$VMM" kill "$vm" >/dev/null 2>>err
	gone "$pid" 30000
	end_ms=$(($(now_ms) - t0))
	kill -KILL "$pid" 2>/dev/null
	tap_down rigtap0
	echo "hostile flood: pause ${pause_ms}ms, kill ${end_ms}ms"
	if ! grep -q 'GUEST hostile flooding' c.log; then
		fail hostile-flood "the guest never flooded: $(grep -v '^\[' c.log | tail -n2 | tr '\n' ' ')"
	elif [ "$prc" != 0 ] || [ "$rrc" != 0 ] || [ "$pause_ms" -ge "$HOSTILE_MS" ]; then
		fail hostile-flood "pause $prc (${pause_ms} ms), resume $rrc: $(head -n1 err)"
	elif [ "$end_ms" -ge "$HOSTILE_MS" ]; then
		fail hostile-flood "vmm kill took ${end_ms} ms, want < $HOSTILE_MS"
	else
		pass hostile-flood
	fi
}
