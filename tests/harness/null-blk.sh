#!/bin/sh
# null_blk in the guest, configured by the runner.
. "$(dirname "$0")/../lib/host.sh"

expect_status 0 "$VM" run --null-blk "nr_devices=1 gb=2 completion_nsec=50000 irqmode=2" \
	--log-dir "$LOGS/nullb" -- sh -c '
	test "$(blockdev --getsize64 /dev/nullb0)" = 2147483648 || exit 11
	test "$(cat /sys/module/null_blk/parameters/completion_nsec)" = 50000 || exit 12
	dd if=/dev/nullb0 of=/dev/null bs=4k count=16 iflag=direct status=none'
