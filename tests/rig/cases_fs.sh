# Shared directories (--share, virtio-fs served by vmm): the guest mounts
# them itself. Sourced by run-cases.sh (helpers in lib.sh).

# One boot with a writable and a read-only share: a host file read with
# its checksum, a copy written back byte-exact, a directory listed,
# renamed and unlinked in; the read-only share refuses every write with
# EROFS and its file stays byte-identical.
case_fs_share() {
	mkdir -p rw ro
	dd if=/dev/urandom of=rw/in.bin bs=64k count=40 2>/dev/null
	echo "keep me" >ro/keep.txt
	ln -s /etc/passwd rw/out-link
	in_sha=$(sha256sum <rw/in.bin | cut -c1-64)
	keep_sha=$(sha256sum <ro/keep.txt | cut -c1-64)
	vmm_run "$BOOT_SECS" --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=fs quiet" \
		--share "$PWD/rw,tag=rw" --share "$PWD/ro,tag=ro,ro"
	ls_d=$(ls rw/d 2>/dev/null | tr '\n' ,)
	if [ "$rc" != 0 ]; then
		fail fs-share "$(status_text), want 0: $(why)"
	elif [ "$(guest mount_rw_rc | cut -d' ' -f1)" != 0 ] ||
		[ "$(guest mount_ro_rc | cut -d' ' -f1)" != 0 ]; then
		fail fs-share "mount: rw '$(guest mount_rw_rc)', ro '$(guest mount_ro_rc)'"
	elif [ "$(guest in_sha)" != "$in_sha" ]; then
		fail fs-share "guest read in.bin as $(guest in_sha), host has $in_sha"
	elif [ "$(guest copy_rc | cut -d' ' -f1)" != 0 ] || ! cmp -s rw/in.bin rw/out.bin; then
		fail fs-share "the guest's copy differs on the host: $(guest copy_rc)"
	elif [ "$(guest ls)" != "f1,f2,f3," ] || [ "$(guest ls2)" != "f3,g1," ]; then
		fail fs-share "listing '$(guest ls)' then '$(guest ls2)', want f1,f2,f3, then f3,g1,"
	elif [ "$ls_d" != "f3,g1,link," ] || [ "$(cat rw/d/g1)" != "line 1" ]; then
		fail fs-share "host sees rw/d as '$ls_d'"
	elif [ "$(readlink rw/d/link)" != g1 ] || [ "$(guest link)" != "line 1" ]; then
		fail fs-share "symlink: host '$(readlink rw/d/link)', guest read '$(guest link)'"
	elif [ "$(guest out_link)" != /etc/passwd ]; then
		fail fs-share "the host's symlink reads '$(guest out_link)' in the guest"
	elif [ "$(guest ro_sha)" != "$keep_sha" ]; then
		fail fs-share "ro share read as $(guest ro_sha), host has $keep_sha"
	elif ! guest ro_create | grep -q 'Read-only' || ! guest ro_append | grep -q 'Read-only' ||
		! guest ro_rm | grep -q 'Read-only'; then
		fail fs-share "ro share: create '$(guest ro_create)', append '$(guest ro_append)', rm '$(guest ro_rm)'"
	elif [ -e ro/new ] || [ "$(sha256sum <ro/keep.txt | cut -c1-64)" != "$keep_sha" ]; then
		fail fs-share "the read-only share changed on the host"
	elif [ "$(guest umount_rc)" != 0 ] || ! grep -q '^GUEST end' all; then
		fail fs-share "umount '$(guest umount_rc)', or the guest did not finish"
	else
		pass fs-share
	fi
}

# A share whose directory does not exist: one line, status 3.
case_fs_missing() {
	badk fs-missing 3 'share /nonexistent/dir: No such file' --share /nonexistent/dir,tag=x
}

# A share of 2,000 files (8 times the limit) walked with vmm's open-file
# limit at 256, soft and hard, so vmm cannot raise it: every entry found,
# every file stat'ed, twice (the second time after the guest dropped its
# caches and forgot its nodes), and the guest's inode numbers are the
# host's. Nodes keep descriptors only while recently used
# (devices/fuse_int.h); before, a walk past the limit failed with EMFILE.
# (10,000 files took 116 s in one rig run on a busy machine; 2,000 take
# about 5 s and show the same.)
case_fs_many() {
	mkdir tree
	i=0
	while [ $i -lt 20 ]; do
		mkdir tree/d$i
		j=0
		while [ $j -lt 100 ]; do
			echo tree/d$i/f$j
			j=$((j + 1))
		done
		i=$((i + 1))
	done | xargs touch
	want_ino=$(find tree -type f -exec stat -c %i {} + | awk '{s += $1} END {printf "%d\n", s}')
	(
		ulimit -n 256 || exit
		vmm_run 120 --kernel "$KERNEL" --initrd "$INITRD" --params "vmmtest=fs-many quiet" \
			--share "$PWD/tree,tag=many"
		echo "$rc $secs" >rc.txt
	)
	read -r rc secs <rc.txt || rc=unknown
	if [ "$rc" != 0 ]; then
		fail fs-many "$(status_text), want 0: $(why)"
	elif [ "$(guest many_mount | cut -d' ' -f1)" != 0 ]; then
		fail fs-many "mount: $(guest many_mount)"
	elif [ "$(guest many_find)" != "2021 errors=0" ]; then
		fail fs-many "find: $(guest many_find), want 2021 errors=0 ($(guest many_first))"
	elif [ "$(guest many_ino)" != "$want_ino $want_ino errors=0" ]; then
		fail fs-many "inode sums '$(guest many_ino)', host $want_ino ($(guest many_first))"
	elif [ "$(guest many_umount)" != 0 ]; then
		fail fs-many "umount: $(guest many_umount)"
	else
		pass fs-many
	fi
}
