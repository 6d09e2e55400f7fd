#!/bin/sh
# Stage 2 of the guest: PID 1 inside the overlay root, run by the host's
# static busybox. Loads what needs the host's modprobe, runs /flashnet/cmd
# with the host's /bin/sh, copies any kmemleak findings into the kernel log,
# reports the exit status and powers off.
job=/flashnet
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
export PATH HOME
. "$job/env"

fail() {
	echo "FLASHNET-INIT-FAILED: $*"
	echo "FLASHNET-EXIT rc=125"
	/bin/busybox poweroff -f
}

uptime_s() {
	read -r up _ </proc/uptime
	echo "${up%.*}"
}

if [ -n "${FLASHNET_NULL_BLK+set}" ]; then
	# shellcheck disable=SC2086
	modprobe null_blk $FLASHNET_NULL_BLK || fail "null_blk"
fi

kmemleak=/sys/kernel/debug/kmemleak
# Leaks found before the job ran are not the job's.
[ -w $kmemleak ] && echo clear >$kmemleak

ulimit -l unlimited
ulimit -c 0
cd "$FLASHNET_CWD" || fail "cd $FLASHNET_CWD"
echo "FLASHNET-START"
/bin/sh "$job/cmd" </dev/null
rc=$?
cd /

if [ -w $kmemleak ]; then
	# kmemleak reports only objects older than 5 s, and an object whose
	# contents changed since the previous scan only on the next one. A
	# scan under TCG outlasts those 5 s by itself.
	done_at=$(uptime_s)
	echo scan >$kmemleak
	while [ $(($(uptime_s) - done_at)) -le 5 ]; do
		/bin/busybox sleep 1
	done
	echo scan >$kmemleak
	while IFS= read -r line; do
		echo "kmemleak: $line" >/dev/kmsg
	done <$kmemleak
fi
echo "$rc" >"$job/rc"
/bin/busybox sync
echo "FLASHNET-EXIT rc=$rc"
/bin/busybox poweroff -f
