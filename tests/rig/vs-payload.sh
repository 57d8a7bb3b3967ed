#!/bin/sh
# vs-payload.sh: the part of tests/rig/bench-vs.sh that runs inside the
# emulated arm64 host, from the payload directory, after the settings file
# vs.conf (runs, secs, mb, netmb) is sourced. Prints "BENCH KIND who=...
# run=... key=value..." lines; bench-vs.sh turns them into the table.
# Every figure is taken once per run per VMM, the VMMs alternating, the
# order reversed on every other run so that drift hits both alike. A VMM
# run that hangs is stopped after 900 s (its figures are then missing)
# rather than holding the rig's lock until QEMU's own limit.
cd /payload || exit 1
runs=1 secs=5 mb=64 netmb=64
# shellcheck source=/dev/null # written by bench-vs.sh
. ./vs.conf
whos=vmm
[ -x ./lkvm ] && whos="vmm kvmtool"

# order RUN: the VMMs in this run's order.
order() {
	# shellcheck disable=SC2086 # whos: words
	if [ $(($1 % 2)) = 0 ]; then echo $whos; else echo $whos | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }'; fi
}

# nonet WHO: the option that gives WHO no NIC (kvmtool adds one otherwise).
nonet() { [ "$1" = kvmtool ] && echo "--network mode=none"; }

# timed OUT WHO ARGS...: run the guest, its console through tstamp into
# OUT ("<ms> <bytes> <line>"), then a line "STAT rc=N CUTIME CSTIME
# CGUEST" (clock ticks of the VMM, from the shell that waited for it:
# utime includes the time its vCPUs spent in the guest, CGUEST is that time).
timed() {
	t_out=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	sh -c 'timeout 900 ./vs-vm.sh "$@" </dev/null 2>&1; echo "STAT rc=$? $(cut -d" " -f16,17,44 /proc/$$/stat)"' sh "$@" |
		./tstamp >"$t_out"
}

# report LINE-PREFIX FILE: the boot figures of a timed report boot.
boot_figures() {
	awk -v pre="$1" '
		{ sub(/\r$/, "") }
		$3 == "GUEST" && init == "" { init = $1 }
		$4 ~ /^init_uptime_s=/ { split($4, a, "="); up = a[2] * 1000 }
		/Booting Linux/ && kb0 == "" { kb0 = prev; kms = $1 }
		/Run \/init/ && rb == "" { rb = $2; rms = $1 }
		$3 == "STAT" { ex = $1; rc = $4; cpu = ($5 + $6 - $7) * 10 }
		{ prev = $2 }
		END {
			printf "%s init_ms=%s exit_ms=%s own_ms=%s cpu_ms=%s %s", pre, init, ex, up == "" ? "" : ex - up, cpu, rc
			if (rb != "" && rms > kms) printf " console_bps=%.0f", (rb - kb0) * 1000 / (rms - kms)
			printf "\n"
		}' "$2"
}

# rss WHO RUN: resident memory of the VMM beyond guest RAM (mappings of at
# least the guest's 256 MiB left out: vmm maps exactly that, kvmtool 2 MiB
# more for alignment), sampled while the guest holds (vmmtest=hold), then
# the VMM is stopped with SIGTERM. Not through console input: kvmtool
# reads none when its standard input is not a terminal.
rss() {
	# shellcheck disable=SC2046 # nonet: words or none
	./vs-vm.sh "$1" $(nonet "$1") -p "quiet vmmtest=hold rig.hold=120" </dev/null >rss.out 2>&1 &
	r_pid=$!
	r_n=0
	while [ $r_n -lt 600 ] && kill -0 $r_pid 2>/dev/null && ! grep -q 'GUEST holding' rss.out; do
		sleep 1
		r_n=$((r_n + 1))
	done
	sleep 2
	awk -v mem=262144 -v pre="BENCH rss who=$1 run=$2" '
		/^[0-9a-f]+-[0-9a-f]+ / { skip = 0 }
		/^Size:/ { skip = ($2 >= mem) }
		/^Rss:/ { if (!skip) rss += $2 }
		END { print pre " rss_kb=" rss }' /proc/$r_pid/smaps
	kill $r_pid 2>/dev/null
	wait $r_pid
}

# --- boots: quiet, verbose, resident memory ------------------------------
i=0
while [ $i -lt "$runs" ]; do
	for who in $(order $i); do
		# shellcheck disable=SC2046 # nonet: words or none
		timed q.out "$who" $(nonet "$who") -p "quiet vmmtest=report"
		boot_figures "BENCH boot who=$who run=$i" q.out
		# shellcheck disable=SC2046
		timed v.out "$who" $(nonet "$who") -p "vmmtest=report"
		boot_figures "BENCH verbose who=$who run=$i" v.out
		rss "$who" $i
	done
	i=$((i + 1))
done

# --- disk -----------------------------------------------------------------
if grep -q ' /scratch ' /proc/mounts; then
	img=/scratch/bench.img
	dd if=/dev/zero of=$img bs=1M count="$mb" conv=fsync 2>/dev/null
	i=0
	while [ $i -lt "$runs" ]; do
		for who in $(order $i); do
			case $who in
			vmm) cfgs="io_uring io_uring,direct aio aio,direct sync sync,direct" ;;
			kvmtool) cfgs="- direct" ;;
			esac
			for c in $cfgs; do
				sync
				echo 3 >/proc/sys/vm/drop_caches
				case $who in
				vmm) dev="--disk $img,io=$c" ;;
				kvmtool) dev="-d $img"; [ "$c" = - ] || dev="$dev,$c" ;;
				esac
				# shellcheck disable=SC2046,SC2086 # words
				timeout 900 ./vs-vm.sh "$who" $(nonet "$who") $dev \
					-p "quiet vmmtest=blk-bench rig.dev=vda rig.mb=$mb rig.secs=$secs rig.qd=1,4,16" </dev/null >out 2>&1
				rc=$?
				tr -d '\r' <out | sed -n "s/^GUEST bench /BENCH disk who=$who run=$i cfg=$c /p"
				[ "$rc" = 0 ] || echo "BENCH error: $who disk $c: status $rc: $(tr -d '\r' <out | grep -v '^GUEST' | tail -n1)"
			done
		done
		i=$((i + 1))
	done
else
	echo "BENCH error: no scratch disk"
fi

# --- network --------------------------------------------------------------
if ./taptool add bt0 && ip addr add 10.8.0.1/24 dev bt0 && ip link set bt0 up; then
	i=0
	while [ $i -lt "$runs" ]; do
		for v in off on; do
			for who in $(order $i); do
				case $who/$v in
				vmm/*) net="tap,ifname=bt0,vhost=$v" ;;
				kvmtool/off) net="mode=tap,tapif=bt0,vhost=0" ;;
				kvmtool/on) net="mode=tap,tapif=bt0,vhost=1" ;;
				esac
				ip neigh flush dev bt0 2>/dev/null
				pre="BENCH net who=$who run=$i vhost=$v"
				./netbench recv 5001 >h.recv 2>h.err &
				rpid=$!
				timeout 900 ./vs-vm.sh "$who" --network "$net" \
					-p "quiet vmmtest=net-bench rig.ip=10.8.0.2/24 rig.peer=10.8.0.1 rig.mb=$netmb" \
					</dev/null >out 2>&1 &
				vpid=$!
				n=0
				while [ $n -lt 600 ] && kill -0 $vpid 2>/dev/null && ! grep -q '^GUEST listening' out; do
					sleep 1
					n=$((n + 1))
				done
				# A guest that never came up never connects: do not wait for it.
				grep -q '^GUEST listening' out || kill $rpid 2>/dev/null
				wait $rpid
				echo "$pre g2h $(cat h.recv)"
				./netbench send 10.8.0.2 5002 "$netmb" || echo "BENCH error: $who vhost=$v: host send failed"
				sleep 1
				echo "$pre rr $(./netbench rr 10.8.0.2 5003 200 2>&1)"
				wait $vpid
				rc=$?
				tr -d '\r' <out | sed -n "s/^GUEST netbench recv /$pre h2g netbench recv /p"
				[ "$rc" = 0 ] || echo "BENCH error: $who vhost=$v: status $rc: $(tr -d '\r' <out | grep -v '^GUEST' | tail -n1)"
			done
		done
		i=$((i + 1))
	done
else
	echo "BENCH error: no tap"
fi
echo "BENCH done"
