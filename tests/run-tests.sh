#!/bin/sh
# Runs the CTest suite in BUILD (extra arguments go to ctest), prints each
# test's result as CTest does, and ends with "N passed, N failed". Exits
# non-zero if any test failed or none ran.
set -u
build=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
ctest --test-dir "$build" --output-on-failure "$@" | tee "$out"
status=$?
# "NN% tests passed, F tests failed out of T"
line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -1)
failed=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) tests\{0,1\} failed.*/\1/p')
total=$(echo "$line" | sed -n 's/.*out of \([0-9]*\).*/\1/p')
if [ -z "$total" ]; then
	echo "0 passed, 1 failed"
	exit 1
fi
echo "$((total - failed)) passed, $failed failed"
[ "$status" = 0 ] && [ "$failed" = 0 ] && [ "$total" -gt 0 ]
