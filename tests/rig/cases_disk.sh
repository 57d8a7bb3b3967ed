# Disks (virtio-blk): root and data disks on every I/O backend, many disks,
# multiqueue, read-only, discard, serials, image locks, and bad disks.
# Sourced by run-cases.sh (helpers in lib.sh; tags after "#rig:" are read
# by run-cases.sh).

# Images live on the host's scratch disk (an ext4 file system on a QEMU
# virtio disk, mounted on /scratch by the host's /init; tests/rig/run.sh
# makes it), in $D, the case's own directory there, removed after the case.
# The scratch file system also holds rootfs.img from guest/mkrootfs.sh,
# never written: cases that write a root disk copy it. Data disks are
# checked both ways: what the guest reads and what the image file holds.

# need_scratch NAME: fail NAME unless the scratch disk is mounted.
need_scratch() {
	if ! awk -v m="$SCRATCH" '$2 == m { f = 1 } END { exit !f }' /proc/mounts; then
		fail "$1" "no scratch disk mounted on $SCRATCH (see RIG scratch: in the log)"
		return 1
	fi
	if [ ! -f "$ROOTFS" ]; then
		fail "$1" "$ROOTFS missing on the scratch disk"
		return 1
	fi
}

# sum: checksum of stdin, the same function as guest/init's.
sum() {
	sha256sum | cut -c1-64
}

# pcheck SEED|zero SIZE FILE [OFFSET]: "ok" when FILE holds the prng
# stream SEED (or zeroes) there, else what differs (guest/tools/prng.c:
# 1 MiB reads, no pipes, which cost seconds per 64 MiB under TCG).
pcheck() {
	r=$("$PRNG" -c "$@")
	r=${r#prng=}
	echo "$r" | tr ' ' _
}

# blocks FILE: 512-byte blocks FILE has allocated.
blocks() {
	stat -c %b "$1"
}

# dboot NAME [SECS] ARGS...: a guest boot for a disk case: vmm must end with
# status 0 and the guest's "GUEST end" line in the output. ARGS are vmm
# run's after --kernel. Returns 1 after failing the case.
dboot() {
	name=$1
	shift
	limit=$BOOT_SECS
	case $1 in [0-9]*) limit=$1; shift ;; esac
	vmm_run "$limit" --kernel "$KERNEL" "$@"
	if [ "$rc" != 0 ]; then
		fail "$name" "$(status_text), want 0: $(why)"
		return 1
	fi
	if ! grep -q '^GUEST end' all; then
		fail "$name" "the guest did not finish its test: $(why)"
		return 1
	fi
}

# disk_line DEV: the guest's "GUEST disk DEV ..." line (blk-info).
disk_line() {
	sed -n "s/^GUEST disk $1 //p" all | head -n1
}


# The content guest/init's files-write writes into /data.
files_sum() {
	{ "$PRNG" 11 3M; echo "vmm disk-root test file"; "$PRNG" 12 100K; } | sum
}

# The root disk: the guest runs from it (no initrd), writes files, powers
# off; a second boot reads them back.
case_disk_root() { #rig: all-modes
	need_scratch disk-root || return
	img=$D/root.img
	cp "$ROOTFS" "$img" || { fail disk-root "cannot copy $ROOTFS"; return; }
	want=$(files_sum)
	dboot disk-root --disk "$img" --params "vmmtest=files-write quiet" || return
	root=$(sed -n 's/^GUEST root=//p' all | head -n1)
	line=$(guest cmdline)
	case " $line " in
	*" root=/dev/vda rw "*) ;;
	*) fail disk-root "vmm did not add 'root=/dev/vda rw': guest cmdline: $line"; return ;;
	esac
	if [ "$root" != "vda fs=ext4 mode=rw" ]; then
		fail disk-root "guest / is '$root', want 'vda fs=ext4 mode=rw'"
	elif ! grep -q '^GUEST rootfs=ok' all; then
		fail disk-root "the guest did not run from rootfs.img (no /etc/vmm-rootfs)"
	elif [ "$(guest sums)" != "$want" ]; then
		fail disk-root "first boot: files sum '$(guest sums)', want $want"
	elif ! dboot disk-root --disk "$img" --params "vmmtest=files-read quiet"; then
		return
	elif [ "$(guest sums)" != "$want" ]; then
		fail disk-root "second boot: files sum '$(guest sums)', want $want"
	else
		pass disk-root
	fi
}

# bigfile NAME IO_OPTS: vdb, a 96 MiB sparse raw image: the guest writes
# 64 MiB of the prng stream with dd oflag=direct and reads it back with
# O_DIRECT; the image file must hold the same bytes, and zeroes after them.
# vda is rootfs.img, ro. --verbose: vmm names the backend it uses.
bigfile() {
	name=$1 opts=$2
	need_scratch "$name" || return
	img=$D/big.img
	truncate -s 96M "$img"
	seed=$(($$ % 1000 + 100))
	dboot "$name" 120 --verbose --initrd "$INITRD" --disk "$ROOTFS,ro" --disk "$img,$opts" \
		--params "vmmtest=blk-rw quiet rig.dev=vdb rig.mb=64 rig.seed=$seed" || return
	io=${opts#io=}
	io=${io%%,*}
	job=$(sed -n 's/^GUEST job0 //p' all)
	if ! grep -q "vmm: .*big\.img: vdb, .*$io" all; then
		fail "$name" "vmm did not say it uses $io for vdb: $(grep 'big\.img' err | head -n1)"
	elif [ "$(field "$job" write_rc)" != 0 ]; then
		fail "$name" "guest dd to /dev/vdb failed: $(sed -n 's/^GUEST job0 dd: //p' all)"
	elif [ "$(field "$job" read)" != ok ]; then
		fail "$name" "guest read back (O_DIRECT) what it did not write: $(field "$job" read)"
	elif [ "$(pcheck "$seed" 64M "$img")" != ok ]; then
		fail "$name" "the image file does not hold what the guest wrote: $(pcheck "$seed" 64M "$img")"
	elif [ "$(pcheck zero 32M "$img" 64M)" != ok ]; then
		fail "$name" "the image's last 32 MiB are not zeroes: $(pcheck zero 32M "$img" 64M)"
	elif [ "$(stat -c %s "$img")" != $((96 << 20)) ]; then
		fail "$name" "the image's size changed to $(stat -c %s "$img")"
	else
		pass "$name"
	fi
}
case_disk_bigfile_uring() { bigfile disk-bigfile-uring io=io_uring; } #rig: all-modes
case_disk_bigfile_aio() { bigfile disk-bigfile-aio io=aio; } #rig: all-modes
case_disk_bigfile_sync() { bigfile disk-bigfile-sync io=sync; } #rig: all-modes
case_disk_bigfile_direct() { bigfile disk-bigfile-direct io=io_uring,direct; } #rig: all-modes

# Four disks of different sizes, each with its own marker written by the
# host: the guest sees them as vda..vdd in command-line order.
case_disk_many() { #rig: all-modes
	need_scratch disk-many || return
	args=
	for i in 0 1 2 3; do
		truncate -s $((i + 1))M "$D/m$i.img"
		printf 'rig-marker-%s-%s\n' "$i" "$$" | dd of="$D/m$i.img" conv=notrunc 2>/dev/null
		args="$args --disk $D/m$i.img"
	done
	# shellcheck disable=SC2086 # args is a word list
	dboot disk-many --initrd "$INITRD" $args --params "vmmtest=blk-info quiet" || return
	i=0
	for d in vda vdb vdc vdd; do
		line=$(disk_line $d)
		if [ -z "$line" ]; then
			fail disk-many "the guest has no $d"
			return
		fi
		if [ "$(field "$line" marker)" != "rig-marker-$i-$$" ]; then
			fail disk-many "$d starts with '$(field "$line" marker)', want rig-marker-$i-$$ (m$i.img)"
			return
		fi
		if [ "$(field "$line" size)" != $(((i + 1) * 2048)) ]; then
			fail disk-many "$d has $(field "$line" size) sectors, want $(((i + 1) * 2048))"
			return
		fi
		i=$((i + 1))
	done
	if [ -n "$(disk_line vde)" ]; then
		fail disk-many "the guest has a fifth disk vde"
	else
		pass disk-many
	fi
}

# Two vCPUs, queues=2: two hardware queues in the guest; two writers in
# parallel on different ranges; both read back, in the guest and the file.
# vda has no queues=: one queue per vCPU by default.
case_disk_mq() { #rig: all-modes
	need_scratch disk-mq || return
	img=$D/mq.img
	truncate -s 48M "$img"
	dboot disk-mq 120 --cpus 2 --initrd "$INITRD" --disk "$ROOTFS,ro" --disk "$img,queues=2" \
		--params "vmmtest=blk-rw quiet rig.dev=vdb rig.mb=24 rig.seed=31 rig.jobs=2" || return
	q=$(guest queues)
	qa=$(field "$(disk_line vda)" queues)
	if [ "$q" != 2 ]; then
		fail disk-mq "/sys/block/vdb/mq has $q queues, want 2"
		return
	fi
	if [ "$qa" != 2 ]; then
		fail disk-mq "vda (no queues=) has $qa queues with 2 vCPUs, want 2 (one per vCPU)"
		return
	fi
	for j in 0 1; do
		job=$(sed -n "s/^GUEST job$j //p" all)
		if [ "$(field "$job" write_rc)" != 0 ]; then
			fail disk-mq "writer $j failed: $(sed -n "s/^GUEST job$j dd: //p" all)"
			return
		elif [ "$(field "$job" read)" != ok ]; then
			fail disk-mq "writer $j: the guest read back other data: $(field "$job" read)"
			return
		elif [ "$(pcheck $((31 + j)) 24M "$img" $((j * 24))M)" != ok ]; then
			fail disk-mq "writer $j: the image file differs: $(pcheck $((31 + j)) 24M "$img" $((j * 24))M)"
			return
		fi
	done
	pass disk-mq
}

# A read-only disk (a copy of rootfs.img, ext4): writes fail, a rw mount
# ends up read-only, and the image is byte-identical afterwards.
case_disk_ro() { #rig: all-modes
	need_scratch disk-ro || return
	img=$D/ro.img
	cp "$ROOTFS" "$img" || { fail disk-ro "cannot copy $ROOTFS"; return; }
	before=$(sum <"$img") # a file, not a pipe: quick enough
	mtime=$(stat -c %Y "$img")
	dboot disk-ro --initrd "$INITRD" --disk "$ROOTFS,ro" --disk "$img,ro" \
		--params "vmmtest=blk-ro quiet" || return
	opts=$(guest mount_opts)
	if [ "$(guest ro_sysfs)" != 1 ]; then
		fail disk-ro "/sys/block/vdb/ro is '$(guest ro_sysfs)', want 1"
	elif [ "$(guest write_direct_rc | cut -d' ' -f1)" = 0 ]; then
		fail disk-ro "an O_DIRECT write to /dev/vdb succeeded"
	elif [ "$(guest write_buffered_rc | cut -d' ' -f1)" = 0 ]; then
		fail disk-ro "a buffered write (with fsync) to /dev/vdb succeeded"
	elif [ "$(guest mount_rc | cut -d' ' -f1)" = 0 ] && [ "${opts%%,*}" != ro ]; then
		fail disk-ro "mount -o rw /dev/vdb gave a mount with options '$opts'"
	elif [ "$(guest remount_rw_rc)" = 0 ]; then
		fail disk-ro "remounting /dev/vdb read-write succeeded"
	elif [ "$(guest touch_rc)" = 0 ]; then
		fail disk-ro "creating a file on /dev/vdb succeeded"
	elif [ "$(sum <"$img")" != "$before" ]; then
		fail disk-ro "the image changed"
	elif [ "$(stat -c %Y "$img")" != "$mtime" ]; then
		fail disk-ro "the image's mtime changed"
	else
		pass disk-ro
	fi
}

# DISCARD frees the image's blocks; WRITE_ZEROES (BLKZEROOUT) reads back as
# zeroes; data outside both ranges stays. vdb: 64 MiB, the first 48 MiB
# written by the host with prng streams 7, 8 and 9 (16 MiB each): [0,16M)
# discarded, [16M,32M) zeroed, [32M,48M) kept.
case_disk_discard() { #rig: all-modes
	need_scratch disk-discard || return
	img=$D/discard.img
	{ "$PRNG" 7 16M && "$PRNG" 8 16M && "$PRNG" 9 16M; } >"$img"
	truncate -s 64M "$img"
	sync
	a=$(blocks "$img")
	dboot disk-discard 120 --initrd "$INITRD" --disk "$ROOTFS,ro" --disk "$img" \
		--params "vmmtest=blk-discard quiet" || return
	sync
	b=$(blocks "$img")
	line=$(disk_line vdb)
	if [ "$(field "$line" discard_max)" = 0 ]; then
		fail disk-discard "the guest's vdb does not take discards (discard_max_bytes 0)"
	elif [ "$(field "$line" wzeroes_max)" = 0 ]; then
		fail disk-discard "the guest's vdb does not take WRITE_ZEROES (write_zeroes_max_bytes 0)"
	elif [ "$(guest discard_rc | cut -d' ' -f1)" != 0 ]; then
		fail disk-discard "blkdiscard failed in the guest: $(guest discard_rc)"
	elif [ "$(guest blkzero)" != ok ]; then
		fail disk-discard "BLKZEROOUT failed in the guest: $(guest blkzero)"
	elif [ "$(guest zeroed)" != ok ]; then
		fail disk-discard "the zeroed range does not read back as zeroes in the guest: $(guest zeroed)"
	elif [ "$(guest kept)" != ok ]; then
		fail disk-discard "the guest reads [32M,48M) changed: $(guest kept)"
	elif [ "$(pcheck zero 16M "$img" 16M)" != ok ]; then
		fail disk-discard "the image's zeroed range [16M,32M) is not zeroes: $(pcheck zero 16M "$img" 16M)"
	elif [ "$(pcheck 9 16M "$img" 32M)" != ok ]; then
		fail disk-discard "the image's range [32M,48M) changed: $(pcheck 9 16M "$img" 32M)"
	elif [ $((a - b)) -lt $((8 << 11)) ]; then
		fail disk-discard "the image's allocation went from $((a / 2)) KiB to $((b / 2)) KiB after discarding 16 MiB"
	else
		pass disk-discard
	fi
}

# serial=: the guest reads it from /sys/block/vdX/serial (GET_ID); 20
# bytes, the most there is room for, arrive whole; no serial, none.
case_disk_serial() {
	need_scratch disk-serial || return
	truncate -s 1M "$D/s0.img" "$D/s1.img" "$D/s2.img"
	dboot disk-serial --initrd "$INITRD" --disk "$D/s0.img,serial=ABC123" \
		--disk "$D/s1.img,serial=ABCDEFGHIJ0123456789" --disk "$D/s2.img" \
		--params "vmmtest=blk-info quiet rig.serial=1" || return
	s0=$(field "$(disk_line vda)" serial)
	s1=$(field "$(disk_line vdb)" serial)
	s2=$(field "$(disk_line vdc)" serial)
	if [ "$s0" = timeout ] || [ "$s1" = timeout ] || [ "$s2" = timeout ]; then
		fail disk-serial "reading /sys/block/vdX/serial never finished in the guest (vda '$s0', vdb '$s1', vdc '$s2'): no answer to GET_ID"
	elif [ "$s0" != ABC123 ]; then
		fail disk-serial "vda serial '$s0', want ABC123"
	elif [ "$s1" != ABCDEFGHIJ0123456789 ]; then
		fail disk-serial "vdb serial '$s1', want ABCDEFGHIJ0123456789 (20 bytes)"
	elif [ "$s2" != none ]; then
		fail disk-serial "vdc (no serial=) has serial '$s2', want none"
	else
		pass disk-serial
	fi
}

# hold_start IMG_SPEC: a vmm in the background whose guest waits with the
# image as vda until hold_release; its output in ./hold.out, ./hold.err.
# Returns 1 if the guest did not get to "GUEST holding" within BOOT_SECS.
hold_start() {
	rm -f hold.in
	mkfifo hold.in
	"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --disk "$1" \
		--params "vmmtest=hold quiet rig.hold=$((BOOT_SECS * 2))" <hold.in >hold.out 2>hold.err &
	hold_pid=$!
	# Opening the FIFO for writing lets vmm's open of its stdin finish.
	exec 3>hold.in
	t0=$(date +%s)
	while kill -0 "$hold_pid" 2>/dev/null; do
		grep -q '^GUEST holding' hold.out && return 0
		[ $(($(date +%s) - t0)) -ge "$BOOT_SECS" ] && break
		sleep 1
	done
	return 1
}

# hold_release: let the holding guest power off; its status in hold_rc.
hold_release() {
	# A vmm that is gone leaves the FIFO without a reader: no SIGPIPE for
	# this shell then, just a failed echo.
	trap '' PIPE
	echo go >&3 2>/dev/null
	exec 3>&-
	trap - PIPE
	t0=$(date +%s)
	while kill -0 "$hold_pid" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$BOOT_SECS" ]; do
		sleep 1
	done
	kill -9 "$hold_pid" 2>/dev/null
	{ wait "$hold_pid"; } 2>/dev/null
	hold_rc=$?
}

# One writer per image: a second vmm wanting it (rw or ro) while one has it
# rw is refused (status 3, the image named); while one has it ro, more ro
# users are fine (a whole boot) and a rw one is refused.
case_disk_lock() {
	need_scratch disk-lock || return
	img=$D/lock.img
	truncate -s 4M "$img"
	if ! hold_start "$img"; then
		fail disk-lock "the first vmm (rw) did not get its guest going: $(tr -d '\r' <hold.err | head -n1)"
		hold_release
		return
	fi
	vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img" --params "$PARAMS"
	rc1=$rc err1=$(head -n1 err)
	vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img,ro" --params "$PARAMS"
	rc2=$rc err2=$(head -n1 err)
	hold_release
	cat hold.out hold.err | tr -d '\r' >all
	if [ "$rc1" != 3 ] || ! echo "$err1" | grep -q 'vmm: disk .*lock\.img.*in use'; then
		fail disk-lock "a second rw vmm: status $rc1, '$err1'; want 3 and 'vmm: disk ...lock.img: in use ...'"
		return
	fi
	if [ "$rc2" != 3 ] || ! echo "$err2" | grep -q 'vmm: disk .*lock\.img.*in use'; then
		fail disk-lock "a ro vmm while one has the image rw: status $rc2, '$err2'; want 3 and 'in use'"
		return
	fi
	if [ "$hold_rc" != 0 ]; then
		fail disk-lock "the first (rw) vmm ended with status $hold_rc, want 0"
		return
	fi
	if ! hold_start "$img,ro"; then
		fail disk-lock "the first vmm (ro) did not get its guest going: $(tr -d '\r' <hold.err | head -n1)"
		hold_release
		return
	fi
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img,ro" \
		--params "vmmtest=blk-info quiet"
	rc3=$rc err3=$(why)
	seen=$(field "$(disk_line vda)" ro)
	vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img" --params "$PARAMS"
	rc4=$rc err4=$(head -n1 err)
	hold_release
	if [ "$rc3" != 0 ] || [ "$seen" != 1 ]; then
		fail disk-lock "a second ro vmm: status $rc3 (want 0), guest vda ro='$seen' (want 1): $err3"
	elif [ "$rc4" != 3 ] || ! echo "$err4" | grep -q 'vmm: disk .*lock\.img.*in use'; then
		fail disk-lock "a rw vmm while one has the image ro: status $rc4, '$err4'; want 3 and 'in use'"
	elif [ "$hold_rc" != 0 ]; then
		fail disk-lock "the first (ro) vmm ended with status $hold_rc, want 0"
	else
		pass disk-lock
	fi
}

# SIGTERM after the guest synced: vmm dies of it (143) and what the guest
# wrote is on the image, as the next boot shows.
case_disk_sigterm() { #rig: all-modes
	need_scratch disk-sigterm || return
	img=$D/root.img
	cp "$ROOTFS" "$img" || { fail disk-sigterm "cannot copy $ROOTFS"; return; }
	want=$(files_sum)
	"$VMM" run --kernel "$KERNEL" --disk "$img" --params "vmmtest=files-write quiet rig.hold=1" \
		</dev/null >out 2>err &
	pid=$!
	t0=$(date +%s)
	synced=no
	while kill -0 "$pid" 2>/dev/null; do
		if grep -q '^GUEST synced' out; then synced=yes; break; fi
		[ $(($(date +%s) - t0)) -ge "$BOOT_SECS" ] && break
		sleep 1
	done
	kill -TERM "$pid" 2>/dev/null
	t0=$(date +%s)
	while kill -0 "$pid" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$BAD_SECS" ]; do
		sleep 1
	done
	alive=no
	kill -0 "$pid" 2>/dev/null && alive=yes
	kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	secs=$(($(date +%s) - t0))
	cat out err | tr -d '\r' >all
	if [ "$synced" = no ]; then
		fail disk-sigterm "the guest never said 'GUEST synced' (vmm status $rc): $(why)"
	elif [ "$alive" = yes ]; then
		fail disk-sigterm "vmm still running ${BAD_SECS}s after SIGTERM"
	elif [ "$rc" != 143 ]; then
		fail disk-sigterm "status $rc after SIGTERM, want 143"
	elif [ "$(guest sums)" != "$want" ]; then
		fail disk-sigterm "the guest wrote files with sum '$(guest sums)', want $want"
	elif ! dboot disk-sigterm --disk "$img" --params "vmmtest=files-read quiet"; then
		return
	elif [ "$(guest sums)" != "$want" ]; then
		fail disk-sigterm "after SIGTERM and a new boot: files sum '$(guest sums)', want $want"
	else
		pass disk-sigterm
	fi
}

# An image of 1 MiB + 100 bytes: the guest sees 2048 sectors, vmm warns
# once (naming the image), the boot is normal.
case_disk_odd_size() { #rig: all-modes
	need_scratch disk-odd-size || return
	img=$D/odd.img
	truncate -s $(((1 << 20) + 100)) "$img"
	printf 'rig-odd-%s\n' "$$" | dd of="$img" conv=notrunc 2>/dev/null
	dboot disk-odd-size --initrd "$INITRD" --disk "$img" --params "vmmtest=blk-info quiet" || return
	line=$(disk_line vda)
	n=$(grep -c 'odd\.img' err)
	if [ "$(field "$line" size)" != 2048 ]; then
		fail disk-odd-size "the guest sees $(field "$line" size) sectors, want 2048"
	elif [ "$(field "$line" marker)" != "rig-odd-$$" ]; then
		fail disk-odd-size "vda starts with '$(field "$line" marker)', want rig-odd-$$"
	elif [ "$n" != 1 ] || ! grep -q '^vmm: .*odd\.img.*512' err; then
		fail disk-odd-size "want one 'vmm: ... odd.img ... 512' warning, got $n lines naming the image: $(head -n2 err | tr '\n' '|')"
	elif [ "$(stat -c %s "$img")" != $(((1 << 20) + 100)) ]; then
		fail disk-odd-size "the image's size changed to $(stat -c %s "$img")"
	else
		pass disk-odd-size
	fi
}

case_bad_disk_missing() {
	badk bad-disk-missing 3 '/nonexistent/disk\.img' --disk /nonexistent/disk.img
}
# One disk more than there is room for: refused before any image is opened,
# with one line naming the disk and the limit, as a usage error.
case_bad_disk_slots() {
	args= i=0
	while [ "$i" -le 32 ]; do
		args="$args --disk $PWD/d$i.img"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # args is a word list
	badk bad-disk-slots 2 'disk .*d32\.img.*32' $args
}
case_bad_disk_dir() {
	need_scratch bad-disk-dir || return
	badk bad-disk-dir 3 "$D" --disk "$D"
}
case_bad_disk_option() {
	need_scratch bad-disk-option || return
	truncate -s 1M "$D/opt.img"
	badk bad-disk-option 2 'frobnicate' --disk "$D/opt.img,frobnicate"
}

# A file on a read-only mount (root's permissions do not help there):
# without ro, vmm refuses it, naming it.
case_bad_disk_unwritable() {
	mkdir -p romnt
	umount romnt 2>/dev/null
	if ! mount -t tmpfs -o size=4m tmpfs romnt; then
		fail bad-disk-unwritable "cannot mount a tmpfs"
		return
	fi
	truncate -s 1M romnt/unwritable.img
	if mount -o remount,ro romnt; then
		badk bad-disk-unwritable 3 'unwritable\.img' --disk "$PWD/romnt/unwritable.img"
	else
		fail bad-disk-unwritable "cannot remount the tmpfs read-only"
	fi
	umount romnt
}

# A file mode 0444 and a user who is not root: refused, naming the image.
# The user is made up for the case (busybox su, as root, asks nothing);
# /dev/kvm is opened to all for the run, since vmm opens it before disks.
case_bad_disk_perm() { #rig: lock=kvm-perm
	need_scratch bad-disk-perm || return
	grep -q '^rigusr:' /etc/passwd 2>/dev/null ||
		echo 'rigusr:x:1000:1000:rig:/tmp:/bin/sh' >>/etc/passwd
	img=$D/perm.img
	truncate -s 1M "$img"
	chmod 0444 "$img"
	chmod 0755 "$D"
	kvm_mode=$(stat -c %a /dev/kvm)
	chmod 0666 /dev/kvm
	t0=$(date +%s)
	# busybox su takes one command string: the paths have no blanks.
	timeout "$BAD_SECS" su -s /bin/sh -c "exec $VMM run --kernel $KERNEL --initrd $INITRD --params '$PARAMS' --disk $img" \
		rigusr </dev/null >out 2>err
	rc=$?
	secs=$(($(date +%s) - t0))
	chmod "$kvm_mode" /dev/kvm
	cat out err | tr -d '\r' >all
	check_bad bad-disk-perm 3 'perm\.img'
}

# Nothing acknowledged is lost: the guest writes numbered records, each
# O_DIRECT and flushed, and says so once the flush returned; vmm is killed
# with SIGKILL at a random moment after 20 of them. Every record the guest
# saw flushed must be in the image file, and a new vmm on the same image
# (its lock went with the killed process) must boot and read them back.
RECORDS=$P/records

durable_case() {
	name=$1 io=$2
	need_scratch "$name" || return
	img=$D/rec.img
	truncate -s 256M "$img"
	seed=$$
	"$VMM" run --kernel "$KERNEL" --initrd "$INITRD" --disk "$img,io=$io" \
		--params "vmmtest=records rig.seed=$seed quiet" </dev/null >out 2>err &
	pid=$!
	if ! wait_for '^GUEST rec 20' out "$BOOT_SECS"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		cat out err | tr -d '\r' >all
		fail "$name" "the guest wrote no 20 records: $(why)"
		return
	fi
	sleep "$(awk -v s="$seed" 'BEGIN { srand(s); printf "%.1f", rand() * 2 }')"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	n=$(tr -d '\r' <out | sed -n 's/^GUEST rec \([0-9]*\)$/\1/p' | tail -n1)
	count=$((n + 1))
	host=$("$RECORDS" check "$img" "$seed" "$count")
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img,io=$io" \
		--params "vmmtest=records-check rig.seed=$seed rig.count=$count quiet"
	echo "durable $name: $count records acknowledged before SIGKILL"
	if [ "$host" != "records ok $count" ]; then
		fail "$name" "image after SIGKILL: $host (acknowledged: $count)"
	elif [ "$rc" != 0 ]; then
		fail "$name" "the second vmm on the image: $(status_text), want 0: $(why)"
	elif [ "$(guest records)" != "ok $count" ]; then
		fail "$name" "the guest after restart reads: $(guest records)"
	else
		pass "$name"
	fi
}

# One backend in every host mode: what differs between backends is vmm's
# own code, the same in every mode; the rest run in two modes.
case_disk_kill_uring() { durable_case disk-kill-uring io_uring; } #rig: all-modes
case_disk_kill_aio() { durable_case disk-kill-aio aio; }
case_disk_kill_sync() { durable_case disk-kill-sync sync; }
case_disk_kill_direct() { durable_case disk-kill-direct io_uring,direct; }

# --disk IMAGE,snapshot: two VMs share one root image at once, one writing
# files on it (which it reads back), while a writer is refused; the image
# stays byte-identical.
case_disk_snapshot() {
	need_scratch disk-snapshot || return
	img=$D/snap.img
	cp "$ROOTFS" "$img" || { fail disk-snapshot "cannot copy $ROOTFS"; return; }
	before=$(md5sum <"$img")
	want=$(files_sum)
	if ! hold_start "$img,snapshot"; then
		fail disk-snapshot "the first snapshot user did not get its guest going: $(tr -d '\r' <hold.err | head -n1)"
		hold_release
		return
	fi
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --disk "$img,snapshot" --params "vmmtest=files-write quiet"
	wrc=$rc sums=$(guest sums) werr=$(why)
	vmm_run "$BAD_SECS" --kernel "$KERNEL" --initrd "$INITRD" --disk "$img" --params "$PARAMS"
	rc2=$rc err2=$(head -n1 err)
	hold_release
	if [ "$wrc" != 0 ] || [ "$sums" != "$want" ]; then
		fail disk-snapshot "the writing snapshot guest: status $wrc, files sum '$sums', want 0 and $want: $werr"
	elif [ "$rc2" != 3 ] || ! echo "$err2" | grep -q 'vmm: disk .*snap\.img.*in use'; then
		fail disk-snapshot "a writer beside snapshot users: status $rc2, '$err2'; want 3 and 'in use'"
	elif [ "$hold_rc" != 0 ]; then
		fail disk-snapshot "the holding snapshot user ended with status $hold_rc, want 0"
	elif [ "$(md5sum <"$img")" != "$before" ]; then
		fail disk-snapshot "the image changed"
	else
		pass disk-snapshot
	fi
}
