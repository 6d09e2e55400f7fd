#!/bin/sh
# Power cuts under a mixed metadata + data load with fsyncs
# (flashnet-fscrash): CUTS cycles boot a guest on the same disk, check the
# previous cycle's load (every operation completed before the last
# successful fsync/syncfs intact, fsck clean), start a new load and cut the
# power at a random moment. CONTIGFS_POWERCUT_SEED=N repeats seeds and cuts.
#   powercut.sh stock|debug CUTS
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=$1 cuts=$2
need_module "$kernel"

master=${CONTIGFS_POWERCUT_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "powercut: $cuts cuts on the $kernel kernel, master seed $master"
draw() {
	h=$(printf '%s:%s:%s' "$master" "$1" "$2" | cksum | cut -d ' ' -f 1)
	echo $((h % $3))
}
if [ "$kernel" = debug ]; then
	lo=2000 hi=40000 timeout=900
else
	lo=300 hi=8000 timeout=300
fi

prev_state= prev_cycle=
i=0
while [ $i -le "$cuts" ]; do
	dir=$LOGS/cycle-$i
	set -- --env "CYCLE=$i"
	[ -n "$prev_state" ] && set -- "$@" --env "PREV_STATE=$prev_state" \
		--env "PREV_CYCLE=$prev_cycle"
	seed= delay=
	if [ $i -lt "$cuts" ]; then
		seed=$(($(draw seed $i 4294967295) + 1))
		ms=$((lo + $(draw delay $i $((hi - lo)))))
		delay=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))
		set -- "$@" --env "SEED=$seed" --env "DELAY=$delay" \
			--cut-at-marker POWERCUT-CUT-NOW
	fi
	cfs_vm "$kernel" "$dir" --timeout $timeout \
		--quiet --disk "$LOGS/flash0.img:512M" "$@" \
		-- sh tests/contigfs/powercut-guest.sh
	status=$?
	log=$dir/guest.log
	if [ $status -ne 0 ]; then
		grep -E "^(fscrash|flashnet-fscrash|FAIL|fsck|/dev/mapper)" "$log" | head -40
		"$VM" scan "$log"
		fail "cycle $i (master seed $master): flashnet-vm exited $status; log $log"
	fi
	if [ -n "$prev_state" ]; then
		grep -q "^POWERCUT-CHECKED cycle $prev_cycle" "$log" ||
			fail "cycle $i: the check of cycle $prev_cycle did not run; log $log"
	fi
	ops=$(grep -o "fscrash: op [0-9]*" "$log" | tail -n 1)
	checked=$(sed -n 's/^fscrash: checked \(.*\)$/\1/p' "$log")
	echo "cycle $i: seed ${seed:--} cut after ${delay:--} s (${ops:-under 100 ops});" \
		"previous load: ${checked:-none}"
	prev_state= prev_cycle=$i
	[ -s "$dir/guest.job/out/state" ] && prev_state=$dir/guest.job/out/state
	[ -n "$seed" ] && [ -z "$prev_state" ] &&
		fail "cycle $i: the load wrote no state file"
	i=$((i + 1))
done
grep -q "contigfs powercut: final check passed" "$LOGS/cycle-$cuts/guest.log" ||
	fail "the final check did not pass"
rm -f "$LOGS"/flash*.img
