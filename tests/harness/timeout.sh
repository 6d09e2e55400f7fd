#!/bin/sh
# A guest that overruns is killed at its timeout (124), and no QEMU process
# survives its runner, even when the runner itself is SIGKILLed.
. "$(dirname "$0")/../lib/host.sh"

start=$(date +%s)
expect_status 124 "$VM" run --timeout 25 --log-dir "$LOGS/overrun" -- sleep 1000
elapsed=$(($(date +%s) - start))
[ $elapsed -lt 60 ] || fail "timeout of 25 s took $elapsed s"
expect_no_qemu "$LOGS/overrun"

"$VM" run --timeout 300 --log-dir "$LOGS/orphan" -- sleep 1000 &
runner=$!
i=0
until grep -q FLASHNET-START "$LOGS/orphan/guest.log" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 120 ] || fail "guest never started"
	sleep 1
done
pgrep -f "qemu-system.*$LOGS/orphan" >/dev/null || fail "no QEMU to orphan"
kill -9 $runner
wait $runner 2>/dev/null
sleep 2
expect_no_qemu "$LOGS/orphan"
