#!/bin/sh
# contigfs end to end in one guest: fsx, namespace tests, a real tree.
#   basic.sh stock|debug
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1
need_module "$kernel"

timeout=900 ops=4000
[ "$kernel" = debug ] && timeout=2400 ops=800
cfs_guest_passes "$kernel" $timeout "contigfs basic: all phases passed" \
	--mem 2048 --env "CFS_FSX_OPS=$ops" --disk "$LOGS/flash0.img:256M" \
	-- sh tests/contigfs/basic-guest.sh
rm -f "$LOGS"/flash*.img
