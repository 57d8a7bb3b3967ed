# Cases for running VMs from scripts: names, control commands, consoles,
# exit statuses. Sourced by run-cases.sh (helpers in lib.sh;
# tags after "#rig:" are read by run-cases.sh). Every VM here is named
# rig-*, and each case stops the VMs it started.

# ticks FILE: the guest's counter_s values from its "GUEST tick" lines.
ticks() {
	tr -d '\r' <"$1" | sed -n 's/^GUEST tick [0-9]* counter_s=//p'
}

# json_state NAME: the state of VM NAME in ./list.json (vmm list --json).
json_state() {
	awk -v n="\"name\": \"$1\"" 'index($0, n) { f = 1 }
		f && /"state":/ { sub(/.*"state": "/, ""); sub(/".*/, ""); print; exit }' list.json
}

case_vm_detach_list() { #rig: lock=vms
	vm_detach rig-a --console-log "$PWD/a.log" --params "vmmtest=ticker quiet"
	if [ "$rc" != 0 ] || [ "$(cat dout)" != rig-a ]; then
		fail vm-detach-list "--detach: status $rc, printed '$(cat dout)': $(head -n1 derr)"
		return
	fi
	vm_detach rig-b --console-log "$PWD/b.log" --params "vmmtest=ticker quiet"
	wait_for '^GUEST tick 1 ' a.log 60
	"$VMM" list --json >list.json 2>err
	lrc=$?
	"$VMM" list >list.txt 2>>err
	"$VMM" kill rig-a
	"$VMM" kill rig-b
	if [ "$lrc" != 0 ]; then
		fail vm-detach-list "vmm list --json: status $lrc: $(head -n1 err)"
	elif ! grep -q '"name": "rig-a"' list.json || ! grep -q '"name": "rig-b"' list.json; then
		fail vm-detach-list "vmm list --json lacks a VM: $(tr '\n' ' ' <list.json | cut -c1-200)"
	elif [ "$(json_state rig-a)" != running ] || [ "$(json_state rig-b)" != running ]; then
		# Only these two: a case running beside this one has VMs of its own.
		fail vm-detach-list "want rig-a and rig-b running: $(tr '\n' ' ' <list.json | cut -c1-200)"
	elif ! grep -q '^rig-a  *running' list.txt || ! grep -q '^rig-b  *running' list.txt; then
		fail vm-detach-list "vmm list: $(tr '\n' '|' <list.txt)"
	elif ! vm_gone rig-a || ! vm_gone rig-b; then
		fail vm-detach-list "vmm kill left a VM listed"
	elif ! grep -q '^GUEST tick' a.log; then
		fail vm-detach-list "no guest output in the console log"
	else
		pass vm-detach-list
	fi
}

# A second VM of the same name is refused while the first runs; bad names never start.
case_vm_names() { #rig: lock=vms
	vm_detach rig-c --params "vmmtest=ticker quiet"
	vmm_run "$BAD_SECS" --name rig-c --kernel "$KERNEL" --initrd "$INITRD"
	clash=$rc clash_err=$(head -n1 err)
	"$VMM" kill rig-c
	vmm_run "$BAD_SECS" --name ../evil --kernel "$KERNEL"
	bad1=$rc
	vmm_run "$BAD_SECS" --name "" --kernel "$KERNEL"
	bad2=$rc
	if [ "$clash" != 2 ] || ! echo "$clash_err" | grep -q 'rig-c: a VM of that name is running'; then
		fail vm-names "name clash: status $clash, '$clash_err'"
	elif [ "$bad1" != 2 ] || [ "$bad2" != 2 ]; then
		fail vm-names "bad names: status $bad1 and $bad2, want 2"
	else
		pass vm-names
	fi
}

# Commands naming a VM that does not exist: status 11 and one line.
case_vm_missing() { #rig: lock=vms
	for c in stop kill pause resume info console; do
		"$VMM" $c rig-nosuch </dev/null >out 2>err
		rc=$?
		if [ "$rc" != 11 ] || [ "$(wc -l <err)" != 1 ] || ! grep -q 'vm rig-nosuch: not running' err; then
			fail vm-missing "vmm $c rig-nosuch: status $rc, '$(head -n1 err)'"
			return
		fi
	done
	pass vm-missing
}

# Paused, the guest's clock stops: after resume it goes on from where it
# was, not from where the host's is.
case_vm_pause() { #rig: all-modes lock=vms
	vm_detach rig-p --console-log "$PWD/p.log" --params "vmmtest=ticker quiet"
	wait_for 'GUEST tick 3 ' p.log 60
	"$VMM" pause rig-p >out 2>err
	prc=$?
	"$VMM" info rig-p --json >info.json 2>>err
	n0=$(ticks p.log | wc -l)
	sleep 8
	n1=$(ticks p.log | wc -l)
	"$VMM" resume rig-p >>out 2>>err
	rrc=$?
	wait_for "GUEST tick $((n1 + 2)) " p.log 60
	"$VMM" kill rig-p
	# The largest step between consecutive ticks: about 1 s, not 8.
	gap=$(ticks p.log | awk 'NR > 1 { d = $1 - p; if (d > m) m = d } { p = $1 } END { print m + 0 }')
	if [ "$prc" != 0 ] || [ "$rrc" != 0 ]; then
		fail vm-pause "pause $prc, resume $rrc: $(head -n1 err)"
	elif ! grep -q '"state": "paused"' info.json; then
		fail vm-pause "vmm info while paused: $(grep state info.json)"
	elif [ "$n1" -gt $((n0 + 1)) ]; then
		fail vm-pause "the guest ticked while paused ($n0 -> $n1)"
	elif ! awk -v g="$gap" 'BEGIN { exit !(g > 0 && g < 4) }'; then
		fail vm-pause "the guest's counter jumped ${gap}s over an 8 s pause"
	else
		pass vm-pause
	fi
}

# vmm info NAME: configuration, state, counters.
case_vm_info() { #rig: lock=vms
	vm_detach rig-i --cpus 2 --mem 192M --params "vmmtest=ticker quiet"
	sleep 3
	"$VMM" info rig-i --json >info.json 2>err
	irc=$?
	"$VMM" info rig-i >info.txt 2>>err
	"$VMM" kill rig-i
	if [ "$irc" != 0 ]; then
		fail vm-info "status $irc: $(head -n1 err)"
	elif ! grep -q '"cpus": 2' info.json || ! grep -q '"mem_mib": 192' info.json; then
		fail vm-info "config missing: $(cut -c1-200 info.json)"
	elif ! grep -q '^console.tx_bytes: [1-9]' info.txt; then
		fail vm-info "human form: $(tr '\n' '|' <info.txt | cut -c1-200)"
	elif ! grep -q '^exits.kvm.exits: [1-9]' info.txt || ! grep -q '^exits.mmio: [1-9]' info.txt; then
		fail vm-info "no exit counts: $(grep '^exits' info.txt | tr '\n' '|' | cut -c1-200)"
	else
		pass vm-info
	fi
}

# Attach, type, detach (the guest runs on), attach again; a second client meanwhile is refused.
case_vm_console() { #rig: lock=vms
	vm_detach rig-s --params "vmmtest=shell quiet"
	sleep 6
	pty_vmm -w 'attached to rig-s' -s '\n' -w '# ' -s 'echo FIRST-$((6*7))\n' -w 'FIRST-42' \
		-s '\x01x' -- "$VMM" console rig-s
	first_rc=$rc first_t=$termios
	cp all first.all
	"$VMM" list >list.txt 2>&1
	# The second session holds the console a few seconds: meanwhile a third is refused.
	pty_vmm -w 'attached to rig-s' -s 'sleep 5; echo SECOND-$((6*7))\n' -w 'SECOND-42' \
		-s '\x01x' -- "$VMM" console rig-s &
	sleep 3
	"$VMM" console rig-s </dev/null >busy.out 2>busy.err
	busy=$?
	wait
	"$VMM" kill rig-s
	if [ "$first_rc" != 0 ] || [ "$first_t" != restored ] || ! grep -q '^FIRST-42' first.all; then
		fail vm-console "first attach: status '$first_rc', terminal $first_t"
	elif ! grep -q '^rig-s  *running' list.txt; then
		fail vm-console "the VM did not survive the detach: $(tr '\n' '|' <list.txt)"
	elif ! grep -q '^SECOND-42' all; then
		fail vm-console "second attach did not reach the guest: $(tail -n3 all | tr '\n' '|')"
	elif [ "$busy" != 12 ] || ! grep -q 'already attached' busy.err; then
		fail vm-console "a second client: status $busy, '$(head -n1 busy.err)', want 12"
	else
		pass vm-console
	fi
}

# vmm stop: the power button; the guest powers off cleanly.
case_vm_stop() { #rig: lock=vms
	vm_detach rig-st --console-log "$PWD/st.log" --params "vmmtest=ticker quiet"
	wait_for 'GUEST tick 2 ' st.log 60
	timeout 60 "$VMM" stop --timeout 30 rig-st >out 2>err
	rc=$?
	if [ "$rc" != 0 ]; then
		fail vm-stop "status $rc: $(head -n1 err)"
		"$VMM" kill rig-st 2>/dev/null
	elif ! grep -q 'GUEST power button' st.log; then
		fail vm-stop "the guest did not see the power button"
	elif ! vm_gone rig-st; then
		fail vm-stop "still listed after vmm stop"
	else
		pass vm-stop
	fi
}

# A guest that ignores the button is killed after --timeout: status 8.
case_vm_stop_timeout() { #rig: lock=vms
	vm_detach rig-sx --params "vmmtest=ticker quiet rig.nobutton=1"
	sleep 4
	timeout 60 "$VMM" stop --timeout 3 rig-sx >out 2>err
	rc=$?
	if [ "$rc" != 8 ] || ! grep -q 'did not power off within 3 s' err; then
		fail vm-stop-timeout "status $rc, '$(head -n1 err)', want 8"
		"$VMM" kill rig-sx 2>/dev/null
	elif ! vm_gone rig-sx; then
		fail vm-stop-timeout "still listed"
	else
		pass vm-stop-timeout
	fi
}

# A vmm killed with SIGKILL leaves stale files: noticed, cleaned, the name reusable.
case_vm_stale() { #rig: lock=vms
	vm_detach rig-z --params "vmmtest=ticker quiet"
	pid=$(sed -n 's/^\([0-9]*\).*/\1/p' /tmp/vmm-0/rig-z.lock)
	kill -9 "$pid"
	sleep 1
	ls /tmp/vmm-0/ >before.txt
	"$VMM" list >list.txt 2>&1
	ls /tmp/vmm-0/ >after.txt
	vm_detach rig-z --params "vmmtest=ticker quiet"
	again=$rc
	"$VMM" kill rig-z
	if ! grep -q 'rig-z.sock' before.txt; then
		fail vm-stale "no stale socket to begin with: $(tr '\n' ' ' <before.txt)"
	elif grep -q '^rig-z ' list.txt || grep -q 'rig-z\.\(sock\|lock\)' after.txt; then
		fail vm-stale "stale VM listed or its files left: $(tr '\n' ' ' <after.txt)"
	elif [ "$again" != 0 ]; then
		fail vm-stale "the name could not be reused: status $again"
	else
		pass vm-stale
	fi
}

# --timeout SECONDS: status 8.
case_timeout() { #rig: lock=vms
	vmm_run "$BOOT_SECS" --timeout 4 --kernel "$KERNEL" --initrd "$INITRD" \
		--params "vmmtest=ticker quiet"
	if [ "$rc" != 8 ] || ! grep -q 'vmm: --timeout 4' err; then
		fail timeout "$(status_text), want 8: $(why)"
	else
		pass timeout
	fi
}

# SIGTERM to a foreground vmm: it stops the guest and dies of the signal (143).
case_sigterm() { #rig: lock=vms
	"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=ticker quiet" \
		</dev/null >out 2>err &
	pid=$!
	wait_for 'GUEST tick 1 ' out 60
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	if [ "$rc" != 143 ]; then
		fail sigterm "status $rc, want 143 (128 + SIGTERM)"
	else
		pass sigterm
	fi
}
