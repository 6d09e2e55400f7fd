#!/bin/sh
# Power cut inside a file move, at both windows: after the intent is
# committed (remap not yet done), and after the remap (end not committed).
# The next mount must finish the move with the synced data intact.
#   move-cut.sh stock|debug
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1
need_module "$kernel"

timeout=300
[ "$kernel" = debug ] && timeout=900
for window in intent remapped; do
	img=$LOGS/flash-$window.img
	rm -f "$img"
	expect_status 0 cfs_vm "$kernel" "$LOGS/$window-write" \
		--timeout $timeout --disk "$img:64M" --cut-at-marker "move of inode 2 $window" \
		-- sh tests/contigfs/move-cut-guest.sh write
	expect_status 0 cfs_vm "$kernel" "$LOGS/$window-check" \
		--timeout $timeout --disk "$img" -- sh tests/contigfs/move-cut-guest.sh check
	grep -q "contigfs move cut: check passed" "$LOGS/$window-check/guest.log" ||
		fail "$window: the check did not pass"
	rm -f "$img"
done
