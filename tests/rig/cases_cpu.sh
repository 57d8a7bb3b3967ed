# CPU feature cases: SVE, pointer auth, PMUv3, MTE and steal time reach the
# guest where the host offers them, go away when switched off, and an
# explicit request the host cannot honour is refused (status 4, one line).
# What each host mode offers is read from vmm's own host report, and every
# case prints it ("RIG cpu-host ..." lines in the log). Sourced by
# run-cases.sh (helpers in lib.sh).

# host_caps: ./host.json from `vmm info --json`; hc KEY: its raw value.
host_caps() {
	"$VMM" info --json >host.json 2>/dev/null
	echo "RIG cpu-host $mode: sve=$(hc sve) vls=$(hc sve_vector_lengths | tr -d ' ') ptrauth=$(hc ptrauth_address)/$(hc ptrauth_generic) pmu=$(hc pmu_v3) mte=$(hc mte) steal=$(hc steal_time)"
}

hc() {
	sed -n "s/^  \"$1\": \(.*\)/\1/p" host.json | sed 's/,$//' | head -n1
}

# The host's longest and shortest SVE vector lengths (bits), "" without SVE.
host_max_vl() { hc sve_vector_lengths | tr -d '[] ' | tr ',' '\n' | grep . | tail -n1; }
host_min_vl() { hc sve_vector_lengths | tr -d '[] ' | tr ',' '\n' | grep . | head -n1; }

# has_feat NAME: the guest's /proc/cpuinfo Features has NAME.
has_feat() {
	case ",$(guest features)," in *",$1,"*) return 0 ;; *) return 1 ;; esac
}

# want_feat CASE NAME HOSTVAL: NAME is in the guest's Features exactly when
# HOSTVAL is true. Returns 1 after failing CASE.
want_feat() {
	if [ "$3" = true ]; then
		has_feat "$2" || { fail "$1" "host offers $2, guest Features lack it: $(guest features)"; return 1; }
	else
		! has_feat "$2" || { fail "$1" "host lacks $2 ($3), guest has it"; return 1; }
	fi
}

# pmu_ok CASE: cycles non-zero and about 4 times as many for 4 times the work.
pmu_ok() {
	pm_line=$(grep '^GUEST pmu_cycles=' all)
	pm_c=$(field "$pm_line" pmu_cycles)
	pm_i=$(field "$pm_line" pmu_instr)
	echo "RIG cpu-pmu $mode: cycles=$pm_c instructions=$pm_i"
	case $pm_c in
	*,*) ;;
	*) fail "$1" "no PMU counts: $(grep '^GUEST pmu' all | head -n1)"; return 1 ;;
	esac
	# Nested TCG: cycles follow QEMU's clock, and a fixed cost of the
	# measurement weighs on the short run, so 4x the work shows as anything
	# from about 1.5x to 5x: check the counter grows with the work, not the ratio.
	if ! awk -v c="$pm_c" 'BEGIN { split(c, a, ","); exit !(a[1] > 0 && a[2] >= 1.25 * a[1] && a[2] <= 8 * a[1]) }'; then
		fail "$1" "PMU cycles $pm_c: want non-zero, the second 1.25-8 times the first"
		return 1
	fi
	# An emulated CPU may have no instruction counter (QEMU without icount);
	# where it has one, it must scale too.
	[ "$pm_i" = unsupported ] && return 0
	if ! awk -v c="$pm_i" 'BEGIN { split(c, a, ","); exit !(a[1] == 0 || (a[2] >= 3 * a[1] && a[2] <= 5 * a[1])) }'; then
		fail "$1" "PMU instructions $pm_i: the second not about 4 times the first"
		return 1
	fi
}

# refused CASE PATTERN ARGS...: a guest that would boot, with ARGS, must be
# refused with status 4 and one stderr line matching PATTERN (an ERE).
# Returns 1 after failing CASE; prints nothing on success.
refused() {
	rf_case=$1 rf_pat=$2
	shift 2
	vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS" "$@"
	[ "$rc" = 4 ] || { fail "$rf_case" "$*: $(status_text), want 4: $(why)"; return 1; }
	[ "$(grep -c '' err)" = 1 ] || { fail "$rf_case" "$*: stderr has $(grep -c '' err) lines, want 1"; return 1; }
	grep -qE "$rf_pat" err || { fail "$rf_case" "$*: message does not match '$rf_pat': $(cat err)"; return 1; }
}

# --- cases -------------------------------------------------------------

# Defaults (and --mte where the host has it): the guest gets what the host has.
case_cpu_features() { #rig: all-modes
	host_caps
	mte=
	[ "$(hc mte)" = true ] && mte=--mte
	# shellcheck disable=SC2086 # $mte: empty or one word
	boot cpu-features --params "vmmtest=cpufeat rig.secs=0 quiet" $mte || return
	echo "RIG cpu-guest $mode: $(grep '^GUEST \(features\|sve\|paca\|pmu\|mte\|pvtime\)' all | tr '\n' ' ')"
	want_feat cpu-features sve "$(hc sve)" || return
	# Protected KVM: pointer auth stays off (the guest's key registers are
	# undefined there; see arm64/cpu_features.h).
	pa=$(hc ptrauth_address) pg=$(hc ptrauth_generic)
	case $mode in *-protected) pa=false pg=false ;; esac
	want_feat cpu-features paca "$pa" || return
	want_feat cpu-features pacg "$pg" || return
	want_feat cpu-features mte "$(hc mte)" || return
	if [ "$(hc sve)" = true ]; then
		line=$(grep '^GUEST sve_vl=' all)
		max=$(field "$line" sve_max_vl)
		rdvl=$(field "$line" sve_rdvl)
		[ "$max" = "$(host_max_vl)" ] ||
			{ fail cpu-features "guest's longest SVE vector $max bits, host's $(host_max_vl)"; return; }
		[ "$rdvl" = "$max" ] ||
			{ fail cpu-features "RDVL says $rdvl bits after setting $max"; return; }
	fi
	pmu=$(hc pmu_v3)
	case $mode in *-protected) pmu=false ;; esac # counts nothing there
	if [ "$pmu" = true ]; then
		pmu_ok cpu-features || return
	elif [ -z "$(guest pmu)" ]; then
		fail cpu-features "host has no PMU, yet the guest counted: $(grep '^GUEST pmu' all)"
		return
	fi
	if [ "$(hc mte)" = true ] && [ "$(guest mte_fault)" != SEGV_MTESERR ]; then
		fail cpu-features "MTE: a mismatching tag gave '$(guest mte_fault)$(guest mte)', want SEGV_MTESERR"
		return
	fi
	want_pv=no
	[ "$(hc steal_time)" = true ] && want_pv=yes
	[ "$(guest pvtime)" = $want_pv ] ||
		{ fail cpu-features "guest uses steal time: $(guest pvtime), want $want_pv"; return; }
	pass cpu-features
}

# Each switch off takes its feature away.
case_cpu_off() {
	host_caps
	boot cpu-off --params "vmmtest=cpufeat rig.secs=0 quiet" --sve off --ptrauth off \
		--pmu off --steal-time off --mte off || return
	for f in sve paca pacg mte; do
		! has_feat $f || { fail cpu-off "guest Features have $f: $(guest features)"; return; }
	done
	[ -n "$(guest pmu)" ] || { fail cpu-off "--pmu off, yet the guest counted: $(grep '^GUEST pmu' all)"; return; }
	[ "$(guest pvtime)" = no ] || { fail cpu-off "--steal-time off, yet the guest uses it"; return; }
	pass cpu-off
}

# --sve-max-vl caps the guest's vector length (at the host's shortest).
case_cpu_sve_max_vl() {
	host_caps
	min=$(host_min_vl)
	if [ -z "$min" ]; then
		bad cpu-sve-max-vl 4 'sve-max-vl.*no SVE' --kernel "$KERNEL" --initrd "$INITRD" \
			--sve-max-vl 128
		return
	fi
	boot cpu-sve-max-vl --params "vmmtest=cpufeat rig.secs=0 quiet" --sve-max-vl "$min" || return
	line=$(grep '^GUEST sve_vl=' all)
	for k in sve_vl sve_max_vl sve_rdvl; do
		[ "$(field "$line" $k)" = "$min" ] ||
			{ fail cpu-sve-max-vl "--sve-max-vl $min: guest says $line"; return; }
	done
	pass cpu-sve-max-vl
}

# Explicit requests the host cannot honour: status 4 and one line naming
# the feature: --mte where the host lacks MTE (6.12-protected and 6.1-nvhe
# run without it, see run.sh), --sve-max-vl where it lacks SVE or has a
# gap in its vector lengths. A host with everything has nothing to refuse.
case_cpu_refuse() { #rig: all-modes
	host_caps
	tried=
	if [ "$(hc mte)" != true ]; then
		refused cpu-refuse '^vmm: --mte: .*no MTE' --mte || return
		tried="$tried --mte"
	fi
	case $mode in
	*-protected)
		refused cpu-refuse '^vmm: --ptrauth on: protected KVM' --ptrauth on || return
		refused cpu-refuse '^vmm: --pmu: protected KVM' --pmu || return
		tried="$tried --ptrauth --pmu"
		;;
	esac
	if [ "$(hc sve)" != true ]; then
		refused cpu-refuse '^vmm: --sve-max-vl 128: .*no SVE' --sve-max-vl 128 || return
		tried="$tried --sve-max-vl"
	else
		odd=
		for vl in 2048 1920 1792 1664 1536 1408 1280 1152 1024 896 768 640 512 384 256 128; do
			case " $(hc sve_vector_lengths | tr -d '[],') " in *" $vl "*) ;; *) odd=$vl; break ;; esac
		done
		if [ -n "$odd" ]; then
			refused cpu-refuse "^vmm: --sve-max-vl $odd: .*(not an SVE vector length|below)" \
				--sve-max-vl "$odd" || return
			tried="$tried --sve-max-vl $odd"
		fi
	fi
	echo "RIG cpu-refuse $mode: refused:${tried:- nothing (the host has every feature and length)}"
	pass cpu-refuse
}

# Steal time: the host kept busy (a spinner per host CPU beside a CPU-bound
# guest) shows as steal in the guest's /proc/stat; `vmm info NAME` shows the
# VM's features meanwhile.
case_cpu_steal_time() { #rig: solo
	host_caps
	if [ "$(hc steal_time)" != true ]; then
		badk cpu-steal-time 4 '^vmm: --steal-time on: .*no steal time' --steal-time on
		return
	fi
	name=cpusteal$$
	"$VMM" run --name "$name" --kernel "$KERNEL" --initrd "$INITRD" \
		--params "vmmtest=cpufeat rig.secs=6 quiet" </dev/null >out 2>err &
	vpid=$!
	wait_for '^GUEST spin_start' out "$BOOT_SECS" || { kill "$vpid"; fail cpu-steal-time "guest never started spinning"; return; }
	(while :; do :; done) &
	s1=$!
	(while :; do :; done) &
	s2=$!
	"$VMM" info "$name" --json >info.json 2>&1
	wait "$vpid"
	rc=$?
	kill "$s1" "$s2"
	cat out err | tr -d '\r' >all
	[ "$rc" = 0 ] || { fail cpu-steal-time "vmm ended with status $rc: $(why)"; return; }
	grep -q '"steal_time": true' info.json ||
		{ fail cpu-steal-time "vmm info $name: no \"steal_time\": true in $(tr -d '\n' <info.json | cut -c1-200)"; return; }
	ticks=$(field "$(grep '^GUEST steal_ticks=' all)" steal_ticks)
	echo "RIG cpu-steal $mode: $(grep '^GUEST steal_ticks=' all) info: $(grep -o '"cpu_features".*' info.json | tr -d '\n ' | cut -c1-200)"
	case $ticks in '' | *[!0-9]*) fail cpu-steal-time "no steal reading: $(why)"; return ;; esac
	[ "$ticks" -gt 0 ] || { fail cpu-steal-time "no steal time in the guest with the host busy"; return; }
	pass cpu-steal-time
}
