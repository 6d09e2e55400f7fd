#!/bin/sh
# tests/lib/pair-step.sh keeps two guests in lockstep: a side that fails
# makes both retry on fresh ports, a listener that hangs after a clean peer
# is stopped, a step that never succeeds fails both guests, and a clean
# step passes on its first attempt.
. "$(dirname "$0")/../lib/host.sh"

expect_status 1 "$VM" pair --kernel stock --timeout 600 --log-dir "$LOGS" \
	--env GRACE=5 \
	--server "sh tests/harness/pair-step-guest.sh" \
	--client "sh tests/harness/pair-step-guest.sh"

expect_line() {
	grep -q -- "$2" "$LOGS/$1.log" || fail "$1 log lacks: $2"
}
for role in server client; do
	expect_line $role "== client_fails_once ($role, attempt 2"
	expect_line $role "== server_fails_once ($role, attempt 2"
	expect_line $role "== client_always_fails ($role, attempt 2"
	! grep -q "== clean ($role, attempt 2" "$LOGS/$role.log" ||
		fail "clean step retried on the $role"
	! grep -q "== server_hangs ($role, attempt 2" "$LOGS/$role.log" ||
		fail "hung listener after a clean peer was retried"
	! grep -q "not reached" "$LOGS/$role.log" || fail "$role ran past a failed step"
done
# The first guest to fail ends the run; the runner stops the other one.
grep -q "FAIL: client_always_fails failed on the" "$LOGS/server.log" "$LOGS/client.log" ||
	fail "a step that never succeeded did not fail"
expect_line client "== client_fails_once: this side 1, peer 143"
expect_line server "== server_fails_once: this side 3, peer 1"
expect_line server "== server_hangs: still running 5 s after the peer finished cleanly; stopped"
[ "$(cat "$LOGS/server.job/out/clean.txt")" = hello ] || fail "clean step lost its message"
expect_no_qemu "$LOGS"
