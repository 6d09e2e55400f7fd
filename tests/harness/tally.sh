#!/bin/sh
# run-tests.sh ends with "N passed, N failed" and exits non-zero when any
# test failed or none ran.
set -u
. "$(dirname "$0")/../lib/common.sh"
cat >"$tmp/CMakeLists.txt" <<'EOT'
cmake_minimum_required(VERSION 3.25)
project(tally NONE)
enable_testing()
add_test(NAME good COMMAND true)
add_test(NAME bad COMMAND false)
set_tests_properties(good PROPERTIES LABELS ok)
EOT
cmake -S "$tmp" -B "$tmp/b" >/dev/null || fail "cmake"

"$root/tests/run-tests.sh" "$tmp/b" >"$tmp/out" 2>&1
status=$?
[ "$(tail -1 "$tmp/out")" = "1 passed, 1 failed" ] || fail "tally: $(tail -1 "$tmp/out")"
[ $status -ne 0 ] || fail "a failure exited 0"

"$root/tests/run-tests.sh" "$tmp/b" -L '^ok$' >"$tmp/out" 2>&1 ||
	fail "all passing exited non-zero"
[ "$(tail -1 "$tmp/out")" = "1 passed, 0 failed" ] || fail "tally: $(tail -1 "$tmp/out")"

"$root/tests/run-tests.sh" "$tmp/b" -L nothing-matches >"$tmp/out" 2>&1 &&
	fail "no tests at all exited 0"
exit 0
