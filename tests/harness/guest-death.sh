#!/bin/sh
# A guest that dies without reporting an exit status is a failure (121),
# and a kernel panic is caught as a report (120), without waiting for the
# timeout.
. "$(dirname "$0")/../lib/host.sh"

start=$(date +%s)
expect_status 121 "$VM" run --timeout 120 --log-dir "$LOGS/poweroff" \
	-- /bin/busybox poweroff -f
expect_status 120 "$VM" run --timeout 120 --log-dir "$LOGS/panic" \
	-- sh -c 'echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger'
"$VM" scan "$LOGS/panic/guest.log" | grep -q ": panic: " ||
	fail "panic not reported"
[ $(($(date +%s) - start)) -lt 200 ] || fail "dead guests waited for the timeout"
