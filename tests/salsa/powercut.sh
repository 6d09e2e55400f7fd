#!/bin/sh
# Power cuts under load: CUTS cycles each boot a guest on the same two
# host-file disks, check what the previous cycle's crash load left (every
# write acknowledged by a flush intact, nothing torn, stale or misplaced),
# start a new load and cut the power at a random moment; a last cycle only
# checks and shuts down cleanly. The moments and seeds come from a master
# seed that is printed: SALSA_POWERCUT_SEED=N repeats them.
#   powercut.sh stock|debug CUTS
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1 cuts=$2
need_module "$kernel"

master=${SALSA_POWERCUT_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "powercut: $cuts cuts on the $kernel kernel, master seed $master" \
	"(SALSA_POWERCUT_SEED=$master repeats the seeds and cut moments)"

# draw WHAT I MOD: a number in [0, MOD) from (master, WHAT, I), the same on
# every machine (POSIX cksum).
draw() {
	h=$(printf '%s:%s:%s' "$master" "$1" "$2" | cksum | cut -d ' ' -f 1)
	echo $((h % $3))
}

# Cut moments after the load starts, in ms: early ones (before the first
# flush) included. The debug kernel is 20-35 times slower.
if [ "$kernel" = debug ]; then
	lo=500 hi=30000 timeout=900 mb=16
else
	lo=100 hi=8000 timeout=300 mb=32
fi
disks="--disk $LOGS/flash0.img:${mb}M --disk $LOGS/flash1.img:${mb}M"

prev_seed= prev_acked= prev_state=
summary=$LOGS/summary.txt
printf '%-6s %-11s %-9s %-7s %-8s %s\n' cycle seed cut-after acked gc-pages \
	"check of the previous cycle's load" | tee "$summary"
i=0
while [ $i -le "$cuts" ]; do
	dir=$LOGS/cycle-$i
	set -- --env "FLASHNET_KMOD_DIR=$KMOD" --env "BLKCHECK=$BLKCHECK"
	if [ -n "$prev_seed" ]; then
		set -- "$@" --env "PREV_SEED=$prev_seed" --env "PREV_ACKED=$prev_acked"
		[ -n "$prev_state" ] && set -- "$@" --env "PREV_STATE=$prev_state"
	fi
	seed= delay=
	if [ $i -lt "$cuts" ]; then
		seed=$(($(draw seed $i 4294967295) + 1))
		ms=$((lo + $(draw delay $i $((hi - lo)))))
		delay=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))
		set -- "$@" --env "SEED=$seed" --env "DELAY=$delay" \
			--cut-at-marker POWERCUT-CUT-NOW
	fi
	# shellcheck disable=SC2086
	"$VM" run --kernel "$kernel" --timeout $timeout --log-dir "$dir" \
		--quiet $disks "$@" -- sh tests/salsa/powercut-guest.sh
	status=$?
	log=$dir/guest.log
	check=$(sed -n 's/^crashverify: .*pages checked: \(.*\): OK$/\1/p' "$log")
	if [ $status -ne 0 ] || { [ -n "$prev_seed" ] && [ -z "$check" ]; }; then
		grep -E "^(crashverify|flashnet-blkcheck|FAIL|CRASHVERIFY)" "$log" | head -40
		grep -E "^flashnet-vm: " "$log"
		"$VM" scan "$log"
		fail "cycle $i (master seed $master): flashnet-vm exited $status; log $log"
	fi
	acked=- gc=-
	if [ -n "$seed" ]; then
		# GC pages moved since this boot, just before the cut.
		gc=$(sed -n 's/^POWERCUT-STATUS .* gc_flash=\([0-9]*\) .*/\1/p' "$log")
		grep -q "^CRASHLOAD-START$" "$log" ||
			fail "cycle $i: the load never started; log $log"
		acked=$(sed -n "s/^CRASHLOAD-ACK \([0-9][0-9]*\) seed=$seed\$/\1/p" "$log" | tail -n 1)
		acked=${acked:-0}
	fi
	printf '%-6s %-11s %-9s %-7s %-8s %s\n' $i "${seed:--}" "${delay:--}" "$acked" \
		"${gc:--}" "${check:-(fresh disks)}" | tee -a "$summary"
	prev_seed=$seed prev_acked=$acked
	# The state this cycle's check left is what the next load starts from.
	prev_state=
	[ -s "$dir/guest.job/out/state" ] && prev_state=$dir/guest.job/out/state
	i=$((i + 1))
done
grep -q "^powercut: final check passed$" "$LOGS/cycle-$cuts/guest.log" ||
	fail "the last cycle did not shut down cleanly"
echo "powercut: $cuts cuts, every check passed (master seed $master)"
rm -f "$LOGS"/flash*.img
