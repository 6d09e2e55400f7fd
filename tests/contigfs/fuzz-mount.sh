#!/bin/sh
# Corrupted file systems at mount (tests/contigfs/fuzz-mount-guest.sh): for
# every seed the kernel refuses the mount with a contigfs message, or it
# mounts and then works (fsck clean) or fails cleanly (EUCLEAN/EIO); never
# a crash or a kernel report. Seeds are FIRST..FIRST+COUNT-1.
#   fuzz-mount.sh stock|debug COUNT [FIRST]
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1 count=$2 first=${3:-1}
need_module "$kernel"

timeout=900
[ "$kernel" = debug ] && timeout=2400
cfs_guest_passes "$kernel" $timeout "contigfs mount fuzz: $count seeds passed" \
	--disk "$LOGS/flash0.img:64M" \
	--env "FUZZ_FIRST=$first" --env "FUZZ_COUNT=$count" \
	-- sh tests/contigfs/fuzz-mount-guest.sh
grep "^mountfuzz: " "$LOGS/guest/guest.log"
rm -f "$LOGS"/*.img
