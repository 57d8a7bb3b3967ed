# The kvmtool personality (vmm invoked as lkvm, vmm/lkvm.c): what
# kvm-unit-tests' runner relies on, without kvm-unit-tests. Sourced by
# run-cases.sh (helpers in lib.sh; tags after "#rig:" are read by
# run-cases.sh).

# lkvm_run SECS ARGS...: `lkvm run ARGS` through a link named lkvm, like
# vmm_run (./out, ./err, ./all, $rc, $secs).
lkvm_run() {
	lr_limit=$1
	shift
	ln -sf "$VMM" ./lkvm
	t0=$(date +%s)
	timeout "$lr_limit" ./lkvm run "$@" </dev/null >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
}

# A headerless binary (tests/rig/tools/rawhello.S) loads at RAM + 0x80000
# with the device tree in x0, prints its line on the UART and powers off:
# status 0, as kvm-unit-tests' .flat files do under kvmtool.
case_compat_raw() {
	lkvm_run "$BOOT_SECS" --nodefaults --network mode=none --loglevel=warning \
		-c 1 -m 64 -k "$P/rawhello.bin" -p "raw args"
	line=$(grep '^RAW-HELLO' all | head -n1)
	if [ "$rc" != 0 ]; then
		fail compat-raw "$(status_text), want 0: $(why)"
	elif [ "$line" != "RAW-HELLO at 0x0000000080080000 dtb-magic 0x00000000d00dfeed" ]; then
		fail compat-raw "want 'RAW-HELLO at 0x0000000080080000 dtb-magic 0x00000000d00dfeed', got '$line'"
	elif [ -s err ]; then
		fail compat-raw "stderr not empty at --loglevel=warning: $(head -n1 err)"
	else
		pass compat-raw
	fi
}

# --nodefaults: the command line reaches the guest exactly as given (no
# console= or earlycon in front; its double blank kept), and the guest
# still finds its console through the device tree's stdout-path.
case_compat_cmdline() {
	tok=tok$$
	lkvm_run "$BOOT_SECS" --nodefaults --network mode=none --kernel "$KERNEL" \
		--initrd "$INITRD" --params "vmmtest=report  quiet rig.tok=$tok" --mem=256
	want="vmmtest=report  quiet rig.tok=$tok"
	got=$(sed -n 's/^GUEST cmdline=//p' all | head -n1)
	if [ "$rc" != 0 ]; then
		fail compat-cmdline "$(status_text), want 0: $(why)"
	elif [ "$got" != "$want" ]; then
		fail compat-cmdline "guest cmdline '$got', want exactly '$want'"
	else
		pass compat-cmdline
	fi
}

# What the runner probes before a test: lkvm --help names its commands
# under kvmtool's heading; a missing kernel says kvmtool's "Fatal: Unable
# to open kernel" line; an --irqchip the host cannot create is told before
# the kernel is even looked at (the rig's hosts have a GICv3 without GICv2
# compatibility), so the runner skips such tests as it does with kvmtool;
# kvmtool options vmm lacks are refused by name, status 2.
case_compat_probes() {
	ln -sf "$VMM" ./lkvm
	./lkvm --help >help.out 2>&1
	hrc=$?
	./lkvm run --nodefaults --network mode=none --loglevel=warning \
		--kernel _NO_FILE_4Uhere_ -c 1 --params "x" >nofile.out 2>&1
	nrc=$?
	./lkvm run --irqchip=gicv2 --kernel _NO_FILE_4Uhere_ >v2.out 2>&1
	vrc=$?
	./lkvm run --nested --kernel "$KERNEL" >nested.out 2>&1
	src=$?
	cat help.out nofile.out v2.out nested.out >all
	if [ "$hrc" != 0 ] || ! grep -q 'The most commonly used lkvm commands are' help.out; then
		fail compat-probes "lkvm --help: status $hrc, no kvmtool heading: $(head -n3 help.out | tr '\n' '|')"
	elif [ "$nrc" != 3 ] || ! grep -q 'Fatal: Unable to open kernel _NO_FILE_4Uhere_' nofile.out; then
		fail compat-probes "missing kernel: status $nrc: $(cat nofile.out)"
	elif [ "$vrc" != 4 ] || ! grep -q 'irqchip gicv2' v2.out || grep -q 'Unable to open kernel' v2.out; then
		fail compat-probes "--irqchip=gicv2: status $vrc, want 4 before the kernel is opened: $(cat v2.out)"
	elif [ "$src" != 2 ] || ! grep -q -- '--nested: not supported' nested.out; then
		fail compat-probes "--nested: status $src: $(cat nested.out)"
	else
		pass compat-probes
	fi
}
