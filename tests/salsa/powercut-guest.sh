#!/bin/sh
# Guest half of powercut.sh, one power cycle: create the salsa table on the
# two disks (the same line every cycle), check what the previous cycle's
# crash load left against its schedule and last acknowledged epoch, then
# start a new crash load that the host cuts at a random moment.
#   env: BLKCHECK, FLASHNET_KMOD_DIR
#        PREV_SEED PREV_ACKED [PREV_STATE]  the load to check (none: fresh)
#        SEED DELAY                         the new load and when the host
#                                           should cut it (none: last cycle)
. tests/salsa/lib-guest.sh

devs="/dev/vda /dev/vdb"
dev=/dev/mapper/salsa

salsa_load
raw=0
for d in $devs; do
	raw=$((raw + $(blockdev --getsize64 "$d") / 4096))
done
# No format=1: the first cycle formats blank members, later ones recover.
salsa_create salsa $raw $devs segment_size=1M
cap=$(salsa_stat_total salsa mapped)
# The load covers 85 % of the capacity, so GC runs once it has filled it.
pages=$((cap * 85 / 100))
echo $pages >"$OUT/pages"

if [ -n "${PREV_SEED:-}" ]; then
	set --
	[ -n "${PREV_STATE:-}" ] && set -- --base "$PREV_STATE"
	if ! "$BLKCHECK" crashverify $dev --seed "$PREV_SEED" --pages $pages \
		--acked "$PREV_ACKED" --save-state "$OUT/state" "$@"; then
		salsa_status_dump salsa "after the failed check"
		fail "crashverify of seed $PREV_SEED (acked $PREV_ACKED) failed"
	fi
fi
salsa_status_dump salsa "after recovery"

if [ -z "${SEED:-}" ]; then
	salsa_remove salsa
	salsa_unload
	echo "powercut: final check passed"
	exit 0
fi

# The host cuts power when it sees the marker: DELAY after the load starts,
# right after the counters (does GC run under the load?).
(sleep "$DELAY" && echo "POWERCUT-STATUS $(dmsetup status salsa)" &&
	echo POWERCUT-CUT-NOW) &
exec "$BLKCHECK" crashload $dev --seed "$SEED" --pages $pages \
	--epochs 4000000000 --jobs 4
