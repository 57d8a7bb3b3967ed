# Bad input: every refusal is one line on stderr naming the object, with
# its own exit status, and no core file. Sourced by run-cases.sh (helpers
# in lib.sh; tags after "#rig:" are read by run-cases.sh).

case_bad_missing_kernel() {
	bad bad-missing-kernel 3 '/nonexistent/Image' --kernel /nonexistent/Image --initrd "$INITRD"
}

case_bad_not_image() {
	echo "this is not a kernel" >notimage.txt
	bad bad-not-image 3 'notimage\.txt' --kernel "$PWD/notimage.txt" --initrd "$INITRD"
}

case_bad_truncated() {
	head -c 4096 "$KERNEL" >truncated.Image
	bad bad-truncated 3 'truncated\.Image' --kernel "$PWD/truncated.Image" --initrd "$INITRD"
}

case_bad_missing_initrd() {
	bad bad-missing-initrd 3 '/nonexistent/initrd' --kernel "$KERNEL" --initrd /nonexistent/initrd.gz
}

case_bad_mem_0() { badk bad-mem-0 2 'mem' --mem 0; }

case_bad_mem_huge() { badk bad-mem-huge 4 'mem|ram|64' --mem 64G; }

case_bad_mem_ipa() { badk bad-mem-ipa 2 'ipa|mem|ram' --ipa-bits 32 --mem 3G; }

case_bad_cpus_0() { badk bad-cpus-0 2 'cpu' --cpus 0; }

case_bad_cpus_many() { badk bad-cpus-many 4 'cpu' --cpus 100000; }

case_bad_ipa_small() { badk bad-ipa-small 2 'ipa' --ipa-bits 20; }

case_bad_ipa_large() { badk bad-ipa-large 2 'ipa' --ipa-bits 60; }

# The emulated host's GICv3 has no GICv2 compatibility interface.
case_bad_gicv2() { badk bad-gicv2 4 'gic ?v2' --irqchip gicv2; }

case_bad_option() { badk bad-option 2 'frobnicate' --frobnicate; }

# /dev/kvm hidden in a private mount namespace (tmpfs over /dev); if
# unshare is not possible, the node is renamed for the run and put back.
case_bad_no_kvm() { #rig: solo
	if unshare -m true 2>/dev/null; then
		t0=$(date +%s)
		# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
		timeout "$BAD_SECS" unshare -m sh -c 'mount -t tmpfs none /dev && exec "$0" "$@"' \
			"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS" \
			</dev/null >out 2>err
		rc=$?
		secs=$(($(date +%s) - t0))
		cat out err | tr -d '\r' >all
	else
		mv /dev/kvm /dev/kvm.rig-hidden || { fail bad-no-kvm "cannot hide /dev/kvm"; return; }
		vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --params "$PARAMS"
		mv /dev/kvm.rig-hidden /dev/kvm
	fi
	check_bad bad-no-kvm 4 'kvm'
}

