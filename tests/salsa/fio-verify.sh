#!/bin/sh
# fio verify jobs on a salsa device over two host-file disks: random and
# sequential mixed-size writes in three jobs, a workload of more than 1.5
# times the capacity that must make GC move pages, and data that survives
# removing the table and reloading the module.
# With "single-log" the device is the single-log baseline (streams=1, 7 %
# overprovisioning), where users and GC share one log.
#   fio-verify.sh stock|debug [single-log]
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1
need_module "$kernel"
opts="segment_size=1M"
[ "$2" = single-log ] && opts="$opts streams=1 op=7"

# The debug kernel is 20-35 times slower: smaller disks, same phases.
if [ "$kernel" = debug ]; then
	mb=16 loops=4 timeout=1500
else
	mb=64 loops=4 timeout=600
fi
expect_status 0 "$VM" run --kernel "$kernel" --timeout $timeout \
	--log-dir "$LOGS/guest" --env "FLASHNET_KMOD_DIR=$KMOD" \
	--env "BLKCHECK=$BLKCHECK" --env "LOOPS=$loops" --env "OPTS=$opts" \
	--disk "$LOGS/flash0.img:${mb}M" --disk "$LOGS/flash1.img:${mb}M" \
	-- sh tests/salsa/fio-verify-guest.sh
grep -q "fio-verify: all phases passed" "$LOGS/guest/guest.log" ||
	fail "the guest did not finish every phase"
rm -f "$LOGS"/flash*.img
