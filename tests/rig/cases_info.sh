# Cases for the host report: vmm info and vmm check. Sourced by run-cases.sh.

# --- vmm info / vmm check ------------------------------------------------
# The mode this host was booted in: rig.mode=<mode> on the host's kernel
# command line (run.sh puts it there); without it, from kvm-arm.mode=.
rig_want_mode() {
	m=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^rig\.mode=//p' | tail -n1)
	case $m in
	*-vhe) echo VHE ;;
	*-nvhe) echo nVHE ;;
	*-protected) echo protected ;;
	*)
		case " $(cat /proc/cmdline) " in
		*" kvm-arm.mode=nvhe "*) echo nVHE ;;
		*" kvm-arm.mode=protected "*) echo protected ;;
		*) echo VHE ;;
		esac
		;;
	esac
}

# info_run ARGS...: `vmm info ARGS` into ./out, ./err, ./all; status in $rc.
info_run() {
	timeout "$BAD_SECS" "$VMM" info "$@" </dev/null >out 2>err
	rc=$?
	cat out err | tr -d '\r' >all
}

# json_ok FILE: the shape `vmm info --json` promises, checked without jq:
# "{", then one '  "key": value' member per line (string, number, true,
# false, null, or a one-line array of those), commas between members, "}".
json_ok() {
	awk '
		BEGIN { bad = "" }
		NR == 1 { if ($0 != "{") bad = "line 1 is not {"; next }
		{ lines[NR] = $0 }
		END {
			if (bad == "" && lines[NR] != "}") bad = "last line is not }"
			s = "\"([^\"\\\\]|\\\\.)*\""
			scalar = "(" s "|-?[0-9]+|true|false|null)"
			member = "^  " s ": (" scalar "|\\[\\]|\\[" scalar "(, " scalar ")*\\])"
			for (i = 2; bad == "" && i < NR; i++) {
				l = lines[i]
				comma = (i < NR - 1)
				if (comma && l !~ /,$/) { bad = "line " i " lacks its comma"; break }
				if (!comma && l ~ /,$/) { bad = "line " i " has a trailing comma"; break }
				if (comma) l = substr(l, 1, length(l) - 1)
				if (l !~ (member "$")) { bad = "line " i " is not a member: " lines[i]; break }
				k = l; sub(/^  "/, "", k); sub(/".*/, "", k)
				if (k in seen) { bad = "key " k " twice"; break }
				seen[k] = 1
			}
			if (bad != "") { print bad; exit 1 }
		}' "$1"
}

# jval KEY: the raw JSON value of KEY in ./out ("true", "\"VHE\"", ...).
jval() {
	sed -n "s/^  \"$1\": \(.*\)/\1/p" out | sed 's/,$//' | head -n1
}

case_info_json() {
	info_run --json
	want=$(rig_want_mode)
	if [ "$rc" != 0 ]; then
		fail info-json "$(status_text), want 0: $(why)"
	elif [ -s err ]; then
		fail info-json "stderr not empty: $(head -n1 err)"
	elif ! why_json=$(json_ok out); then
		fail info-json "not the JSON vmm promises: $why_json"
	elif [ "$(jval mode)" != "\"$want\"" ]; then
		fail info-json "mode $(jval mode), want \"$want\" (evidence $(jval mode_evidence))"
	elif [ "$(jval mode_source)" != '"kernel log"' ]; then
		fail info-json "mode_source $(jval mode_source), want \"kernel log\" (vmm runs as root)"
	elif [ "$want" = VHE ] && [ "$(jval cmdline_kvm_arm_mode)" != null ]; then
		fail info-json "cmdline_kvm_arm_mode $(jval cmdline_kvm_arm_mode) on a VHE host"
	elif [ "$want" = nVHE ] && [ "$(jval cmdline_kvm_arm_mode)" != '"nvhe"' ]; then
		fail info-json "cmdline_kvm_arm_mode $(jval cmdline_kvm_arm_mode), want \"nvhe\""
	elif [ "$(jval cpus_started_at_el2)" != true ]; then
		fail info-json "cpus_started_at_el2 $(jval cpus_started_at_el2), want true"
	elif [ "$(jval kvm)" != '"ok"' ] || [ "$(jval api_version)" != 12 ]; then
		fail info-json "kvm $(jval kvm), api_version $(jval api_version)"
	elif [ "$(jval page_size)" != "$(getconf PAGESIZE 2>/dev/null || echo 4096)" ]; then
		fail info-json "page_size $(jval page_size)"
	elif [ "$(jval ready)" != true ]; then
		fail info-json "ready $(jval ready): $(jval problems)"
	else
		pass info-json
	fi
}

# The emulated host: GICv3 with an ITS, no GICv2 compatibility (QEMU's
# gic-version=3 has no GICV frame; pKVM never emulates a GICv2 anyway).
case_info_gic() {
	info_run --json
	got="v3=$(jval gic_v3) its=$(jval gic_its) v2=$(jval gic_v2)"
	if [ "$rc" != 0 ]; then
		fail info-gic "$(status_text), want 0: $(why)"
	elif [ "$got" != "v3=true its=true v2=false" ]; then
		fail info-gic "$got, want v3=true its=true v2=false"
	else
		info_run
		if [ "$rc" != 0 ]; then
			fail info-gic "human: $(status_text), want 0: $(why)"
		elif ! grep -q '^GICv2: *no (--irqchip gicv2 will fail)$' out; then
			fail info-gic "human output: $(grep '^GICv2' out || echo 'no GICv2 line')"
		elif ! grep -q '^GICv3: *yes$' out || ! grep -q '^GICv3 ITS: *yes$' out; then
			fail info-gic "human output: $(grep '^GICv3' out | tr '\n' '|')"
		else
			pass info-gic
		fi
	fi
}

case_check_ok() {
	timeout "$BAD_SECS" "$VMM" check </dev/null >out 2>err
	rc=$?
	cat out err | tr -d '\r' >all
	if [ "$rc" != 0 ]; then
		fail check-ok "$(status_text), want 0: $(why)"
	elif [ -s err ]; then
		fail check-ok "stderr not empty: $(head -n1 err)"
	elif ! grep -q "^ok: KVM API 12, $(rig_want_mode) mode, GICv3" out; then
		fail check-ok "summary: $(head -n1 out)"
	else
		pass check-ok
	fi
}

# no_kvm_vmm ARGS...: vmm ARGS with /dev/kvm hidden (tmpfs over /dev in a
# private mount namespace; /dev/kmsg goes too, so the log comes from
# syslog(2)). Falls back to renaming the node.
no_kvm_vmm() {
	if unshare -m true 2>/dev/null; then
		# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
		timeout "$BAD_SECS" unshare -m sh -c 'mount -t tmpfs none /dev && exec "$0" "$@"' \
			"$VMM" "$@" </dev/null >out 2>err
		rc=$?
	else
		mv /dev/kvm /dev/kvm.rig-hidden || { rc=255; echo "cannot hide /dev/kvm" >err; return; }
		timeout "$BAD_SECS" "$VMM" "$@" </dev/null >out 2>err
		rc=$?
		mv /dev/kvm.rig-hidden /dev/kvm
	fi
	cat out err | tr -d '\r' >all
}

case_check_no_kvm() { #rig: solo
	no_kvm_vmm check
	secs=0
	if [ -s out ]; then
		fail check-no-kvm "stdout not empty: $(head -n1 out)"
		return
	fi
	# KVM itself runs (the log says so), only the node is gone: vmm says that.
	check_bad check-no-kvm 4 '^vmm: /dev/kvm: No such file or directory: KVM runs .*device node is missing'
}

# Without /dev/kvm, info still reports what it can, and exits 0.
case_info_no_kvm() { #rig: solo
	no_kvm_vmm info --json
	want=$(rig_want_mode)
	if [ "$rc" != 0 ]; then
		fail info-no-kvm "$(status_text), want 0: $(why)"
	elif ! why_json=$(json_ok out); then
		fail info-no-kvm "not the JSON vmm promises: $why_json"
	elif [ "$(jval kvm)" != '"unavailable: No such file or directory"' ]; then
		fail info-no-kvm "kvm $(jval kvm)"
	elif [ "$(jval gic_v3)" != null ] || [ "$(jval ready)" != false ]; then
		fail info-no-kvm "gic_v3 $(jval gic_v3), ready $(jval ready): want null, false"
	elif [ "$(jval mode)" != "\"$want\"" ]; then
		fail info-no-kvm "mode $(jval mode), want \"$want\" (log: $(jval kernel_log) $(jval kernel_log_error))"
	else
		pass info-no-kvm
	fi
}

# --- vmm run --stats -------------------------------------------------------
# stats_num KEY: the number on the "vmm: stats: KEY N" line of ./err.
stats_num() {
	sed -n "s/^vmm: stats: $1 \([0-9]*\).*/\1/p" err | head -n1
}

# The counts add up: every MMIO exit KVM handed to vmm was handled by vmm,
# and each handled one reached a device or was unclaimed. The guest powers
# off through PSCI, a hypercall, so KVM counted at least one.
case_run_stats() {
	boot run-stats --params "quiet" --stats || return
	ku=$(stats_num kvm.mmio_user) vm=$(stats_num vmm.mmio) un=$(stats_num vmm.unclaimed)
	dev=$(sed -n 's/^vmm: stats: mmio\.[^ ]* \([0-9]*\) exits.*/\1/p' err | awk '{ s += $1 } END { print s + 0 }')
	if [ -z "$(stats_num kvm.exits)" ] || [ "$(stats_num kvm.exits)" = 0 ]; then
		fail run-stats "no kvm.exits count: $(grep -m1 stats err)"
	elif [ -z "$(stats_num kvm.hvc)" ] || [ "$(stats_num kvm.hvc)" = 0 ]; then
		fail run-stats "kvm.hvc '$(stats_num kvm.hvc)', want at least the power-off call"
	elif [ -z "$vm" ] || [ "$vm" = 0 ] || [ "$ku" != "$vm" ]; then
		fail run-stats "kvm.mmio_user '$ku' and vmm.mmio '$vm' differ (or none)"
	elif [ "$dev" != $((vm - un)) ]; then
		fail run-stats "device exits add up to $dev, want vmm.mmio - vmm.unclaimed = $((vm - un))"
	elif [ "$(stats_num kvm.exits)" -lt "$ku" ]; then
		fail run-stats "kvm.exits $(stats_num kvm.exits) below its mmio_user $ku"
	else
		pass run-stats
	fi
}
