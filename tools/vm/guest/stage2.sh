#!/bin/sh
# Stage 2 of the guest: PID 1 inside the overlay root. Prepares the
# environment the runner asked for in /flashnet/env, runs /flashnet/cmd,
# copies any kmemleak findings into the kernel log, reports the exit status
# and powers off.
job=/flashnet
. "$job/env"

fail() {
	echo "FLASHNET-INIT-FAILED: $*"
	echo "FLASHNET-EXIT rc=125"
	/bin/busybox poweroff -f
}

# Without this, user-space writes to /dev/kmsg are rate limited and report
# lines copied there would be dropped.
echo on >/proc/sys/kernel/printk_devkmsg
for d in /tmp /run /var/tmp /dev/shm; do
	mkdir -p "$d" && mount -t tmpfs -o mode=1777 tmpfs "$d"
done
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname "$FLASHNET_HOSTNAME"

# A kernel built by the project keeps its modules in the cache directory.
if [ -n "${FLASHNET_MODDIR:-}" ]; then
	mkdir -p "/lib/modules/$(uname -r)"
	mount --bind "$FLASHNET_MODDIR" "/lib/modules/$(uname -r)" ||
		fail "bind $FLASHNET_MODDIR"
fi

ip link set lo up
if [ -n "${FLASHNET_IP:-}" ]; then
	ip addr add "$FLASHNET_IP" dev eth0 || fail "address $FLASHNET_IP"
	ip link set eth0 up || fail "eth0 up"
fi
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
	# kmemleak only reports objects older than 5 s.
	sleep 6
	echo scan >$kmemleak
	while IFS= read -r line; do
		echo "kmemleak: $line" >/dev/kmsg
	done <$kmemleak
fi
echo "$rc" >"$job/rc"
sync
echo "FLASHNET-EXIT rc=$rc"
/bin/busybox poweroff -f
