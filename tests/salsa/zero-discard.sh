#!/bin/sh
# Sparse virtual space and discard on a salsa device 100 times larger than
# its two host-file members: zeros where nothing was written, discard that
# unmaps and frees space, writes after discard, all kept across a reopen.
#   zero-discard.sh stock|debug
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1
need_module "$kernel"

timeout=600
[ "$kernel" = debug ] && timeout=1500
expect_status 0 "$VM" run --kernel "$kernel" --timeout $timeout \
	--log-dir "$LOGS/guest" --env "FLASHNET_KMOD_DIR=$KMOD" \
	--env "BLKCHECK=$BLKCHECK" \
	--disk "$LOGS/flash0.img:32M" --disk "$LOGS/flash1.img:32M" \
	-- sh tests/salsa/zero-discard-guest.sh
grep -q "zero-discard: all phases passed" "$LOGS/guest/guest.log" ||
	fail "the guest did not finish every phase"
rm -f "$LOGS"/flash*.img
