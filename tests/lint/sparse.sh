#!/bin/sh
# Every module builds without compiler or sparse warnings (make C=2 checks
# every file, W=1 adds the extra compiler warnings) against the stock
# kernel headers.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
kdir=${1:?KDIR}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$root/tools/kernel/build-modules.sh" "$kdir" "$out" C=2 W=1 >"$out.log" 2>&1
status=$?
# Anything reported against our sources is a finding (warnings from the
# kernel's own headers are not ours to fix).
findings=$(grep -E "^$out/[^ ]*:[0-9]+:[0-9]+: (warning|error)" "$out.log")
rm -f "$out.log.keep"
if [ $status -ne 0 ] || [ -n "$findings" ]; then
	cat "$out.log"
	rm -f "$out.log"
	echo "FAIL: build status $status" >&2
	exit 1
fi
grep -c "CHECK" "$out.log" | sed 's/^/sparse checked files: /'
rm -f "$out.log"
