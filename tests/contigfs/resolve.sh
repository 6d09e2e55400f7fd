#!/bin/sh
# contigfs_resolve_vma(): inside, outside, straddling, mmap offsets, read-only
# and private mappings, past the block, pinning (tests/contigfs/resolve.py).
#   resolve.sh stock|debug
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1
need_module "$kernel"

timeout=600
[ "$kernel" = debug ] && timeout=1500
cfs_guest_passes "$kernel" $timeout "contigfs resolve: all cases passed" \
	--disk "$LOGS/flash0.img:64M" -- sh tests/contigfs/resolve-guest.sh
rm -f "$LOGS"/*.img
