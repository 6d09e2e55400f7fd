#!/bin/sh
# Mounts that must be refused with a clear message (tests/contigfs/bad-mount-guest.sh).
#   bad-mount.sh stock|debug
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1
need_module "$kernel"

timeout=600
[ "$kernel" = debug ] && timeout=1500
cfs_guest_passes "$kernel" $timeout "contigfs bad mount: all cases passed" \
	--disk "$LOGS/flash0.img:64M" --disk "$LOGS/other.img:16M" \
	-- sh tests/contigfs/bad-mount-guest.sh
rm -f "$LOGS"/*.img
