#!/bin/sh
# contigfs end to end in one guest: fsx, namespace tests, a real tree.
#   basic.sh stock|debug
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/../salsa/lib-host.sh"
kernel=$1
need_module "$kernel"
tools=$(cd "$(dirname "$VM")/../.." && pwd)
[ -x "$tools/tools/contigfs/mkfs.contigfs" ] || fail "mkfs.contigfs not built"

timeout=900 ops=4000
[ "$kernel" = debug ] && timeout=2400 ops=800
expect_status 0 "$VM" run --kernel "$kernel" --timeout $timeout --mem 2048 \
	--log-dir "$LOGS/guest" --env "FLASHNET_KMOD_DIR=$KMOD" \
	--env "BLKCHECK=$BLKCHECK" --env "CFS_TOOLS=$tools" \
	--env "CFS_FSX_OPS=$ops" --disk "$LOGS/flash0.img:256M" \
	-- sh tests/contigfs/basic-guest.sh
grep -q "contigfs basic: all phases passed" "$LOGS/guest/guest.log" ||
	fail "the guest did not finish every phase"
rm -f "$LOGS"/flash*.img
