# The entropy device (virtio-rng): /dev/hwrng in the guest, the guest's
# crng ready before its init, --rng off, and `vmm info`'s counters.
# Sourced by run-cases.sh (helpers in lib.sh; tags after "#rig:" are read
# by run-cases.sh).

# rng_boots NAME N ARGS...: N boots in vmmtest=rng; the printk times of
# "crng init done" and "Run /init" of each go to ./crng.times and
# ./init.times. Fails the case and returns 1 on a bad boot.
rng_boots() {
	rb_name=$1 rb_n=$2
	shift 2
	: >crng.times
	: >init.times
	i=0
	while [ $i -lt "$rb_n" ]; do
		boot_rng "$rb_name" "$@" || return 1
		sed -n 's/^GUEST crng_at=\([0-9.]*\) .*/\1/p' all >>crng.times
		sed -n 's/^GUEST crng_at=.* init_at=\([0-9.]*\)$/\1/p' all >>init.times
		i=$((i + 1))
	done
}

boot_rng() {
	br_name=$1
	shift
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=rng quiet" "$@"
	if [ "$rc" != 0 ]; then
		fail "$br_name" "$(status_text), want 0: $(why)"
		return 1
	fi
	if ! grep -q '^GUEST hwrng=' all; then
		fail "$br_name" "no GUEST lines in the output: $(why)"
		return 1
	fi
}

# median FILE: the middle of FILE's numbers ("-" for none).
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'
}

# With the device (the default): the kernel uses virtio_rng (it ranks it
# above KVM's SMCCC TRNG), /dev/hwrng gives 64 bytes that are not all the
# same, and the crng was ready before init (on these hosts it is at 0 s
# either way: the CPU's RNDR or the SMCCC TRNG seed it first). One boot in
# CI; RIG_RNG_BOOTS=N boots N times and logs the median times, for the
# boot-time comparison with rng-off (a figure, not a check).
case_rng() {
	rng_boots rng "${RIG_RNG_BOOTS:-1}" || return
	hex=$(sed -n 's/^GUEST hwrng_hex=//p' all)
	echo "NOTE rng: median of ${RIG_RNG_BOOTS:-1} boots with virtio-rng: crng init done at $(median crng.times)s, init at $(median init.times)s"
	case $(guest hwrng) in
	virtio_rng*) ;;
	*) fail rng "the guest's hwrng is '$(guest hwrng)', want virtio_rng.N"; return ;;
	esac
	if [ "${#hex}" != 128 ]; then
		fail rng "read from /dev/hwrng: '$hex', want 64 bytes"
	elif [ -z "$(echo "$hex" | sed 's/^\(..\)\(\1\)*$//')" ]; then
		fail rng "/dev/hwrng gave 64 equal bytes: $hex"
	elif [ "$(guest crng)" != before-init ]; then
		fail rng "crng '$(guest crng)' (crng at $(median crng.times)s, init at $(median init.times)s), want before-init"
	else
		pass rng
	fi
}

# --rng off: no virtio_rng among the guest's hwrngs (KVM's SMCCC TRNG may
# still be there: it is the host kernel's, not a device of vmm's); the
# boot times for comparison.
case_rng_off() {
	rng_boots rng-off "${RIG_RNG_BOOTS:-1}" --rng off || return
	echo "NOTE rng-off: median of ${RIG_RNG_BOOTS:-1} boots without virtio-rng: crng init done at $(median crng.times)s, init at $(median init.times)s"
	case "$(guest hwrng),$(guest hwrng_available)" in
	*virtio_rng*) fail rng-off "the guest still has a virtio_rng: current $(guest hwrng), available $(guest hwrng_available)" ;;
	*) pass rng-off ;;
	esac
}

# vmm info: the device and its counters; the guest's kernel has read from
# it while booting (hwrng feeds the crng), so bytes are above zero.
case_rng_info() { #rig: lock=vms
	vm_detach rig-rng --console-log "$PWD/r.log" --params "vmmtest=ticker quiet"
	if [ "$rc" != 0 ]; then
		fail rng-info "--detach: status $rc: $(head -n1 derr)"
		return
	fi
	wait_for '^GUEST tick 1 ' r.log 60
	"$VMM" info rig-rng --json >info.json 2>err
	irc=$?
	"$VMM" info rig-rng >info.txt 2>>err
	"$VMM" kill rig-rng
	vm_gone rig-rng
	bytes=$(tr -d ' \n' <info.json | sed -n 's/.*"rng":\[{"name":"rng0","requests":\([0-9]*\),"bytes":\([0-9]*\)}\].*/\2/p')
	if [ "$irc" != 0 ]; then
		fail rng-info "vmm info --json: status $irc: $(head -n1 err)"
	elif [ -z "$bytes" ] || [ "$bytes" -eq 0 ]; then
		fail rng-info "no rng0 with bytes served in: $(tr -d ' \n' <info.json | grep -o '"rng".\{0,80\}')"
	elif ! grep -qi 'rng' info.txt; then
		fail rng-info "the text form names no rng: $(tr '\n' '|' <info.txt | cut -c1-200)"
	else
		pass rng-info
	fi
}
