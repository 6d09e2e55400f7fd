# One power-cut cycle of contigfs (driven by tests/contigfs/powercut.sh):
# check what the previous cycle's load left (fscrash check --strict-metadata,
# then fsck clean), then start a new load and announce the cut after DELAY.
. tests/contigfs/lib-guest.sh
FSCRASH=$TOOLS/tools/fstest/flashnet-fscrash
OUT=${FLASHNET_OUT:?}

cfs_load
if [ -z "${PREV_STATE:-}" ] && [ "${CYCLE:?}" = 0 ]; then
	cfs_fresh c0 131072 /dev/vda
else
	run dmsetup create c0 --table "0 $((131072 * 8)) salsa /dev/vda"
	dmsetup mknodes c0
	mkdir -p "$MNT"
	run mount -t contigfs /dev/mapper/c0 "$MNT"
	if [ -n "${PREV_STATE:-}" ]; then
		"$FSCRASH" check --dir "$MNT/run$PREV_CYCLE" --state "$PREV_STATE" \
			--strict-metadata >/tmp/check.txt 2>&1
		st=$?
		cat /tmp/check.txt
		[ $st = 0 ] || fail "fscrash check of cycle $PREV_CYCLE exited $st"
		echo "POWERCUT-CHECKED cycle $PREV_CYCLE"
	fi
	run umount "$MNT"
	run "$FSCK" -n /dev/mapper/c0
	run mount -t contigfs /dev/mapper/c0 "$MNT"
	[ -n "${PREV_CYCLE:-}" ] && rm -rf "$MNT/run$PREV_CYCLE"
fi
if [ -z "${SEED:-}" ]; then
	cfs_umount_fsck c0
	salsa_remove c0
	echo "contigfs powercut: final check passed"
	exit 0
fi
"$FSCRASH" run --dir "$MNT/run$CYCLE" --state "$OUT/state" --seed "$SEED" \
	--ops 0 --files 24 --max-file 256k --progress 100 &
sleep "$DELAY"
kill -0 $! 2>/dev/null || fail "the load ended before the cut"
echo POWERCUT-CUT-NOW
sleep 60
fail "no power cut"
