#!/bin/sh
# contigfs_resolve_vma(): inside, outside, straddling, mmap offsets, read-only
# and private mappings, past the block, pinning (tests/contigfs/resolve.py).
#   resolve.sh stock|debug
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/../salsa/lib-host.sh"
kernel=$1
need_module "$kernel"
tools=$(cd "$(dirname "$VM")/../.." && pwd)
[ -x "$tools/tools/contigfs/mkfs.contigfs" ] || fail "mkfs.contigfs not built"

timeout=600
[ "$kernel" = debug ] && timeout=1500
expect_status 0 "$VM" run --kernel "$kernel" --timeout $timeout \
	--log-dir "$LOGS/guest" --env "FLASHNET_KMOD_DIR=$KMOD" \
	--env "BLKCHECK=$BLKCHECK" --env "CFS_TOOLS=$tools" \
	--disk "$LOGS/flash0.img:64M" \
	-- sh tests/contigfs/resolve-guest.sh
grep -q "contigfs resolve: all cases passed" "$LOGS/guest/guest.log" ||
	fail "the guest did not finish every case"
rm -f "$LOGS"/*.img
