#!/bin/sh
# The KUnit runner counts what the suites really did: fn_kunit_selftest.ko
# passes by default, and fails, crashes or skips one case on request.
#   selftest.sh "PARAMS"|- WANT_STATUS "kunit: P passed, F failed, S skipped" [REPORTS]
# With REPORTS the guest panics on the oops (see flashnet-kunit --help).
. "$(dirname "$0")/../lib/host.sh"
params=$1 want=$2 summary=$3 reports=${4:-}
KUNIT=${FLASHNET_KUNIT:?}
[ "$params" = - ] && params=

set -- --log-dir "$LOGS" --timeout 600
[ -n "$reports" ] && set -- "$@" --expect-report "$reports" --panic-on-oops
"$KUNIT" "$@" "tests/kmod/fn_kunit_selftest.ko:$params" >"$LOGS/report.txt"
got=$?
cat "$LOGS/report.txt"
[ "$got" = "$want" ] || fail "flashnet-kunit exited $got, wanted $want"
grep -qx "$summary" "$LOGS/report.txt" || fail "summary is not '$summary'"
grep -qx "suite flashnet_kunit_selftest: .*" "$LOGS/report.txt" ||
	fail "suite not reported"
