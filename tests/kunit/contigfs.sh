#!/bin/sh
# contigfs's KUnit suites (contigfs_kunit.ko: the buddy allocator, the
# directory records, user address -> LBA) on the debug kernel: every case
# must pass and the guest log must stay free of kernel reports.
. "$(dirname "$0")/../lib/host.sh"
KUNIT=${FLASHNET_KUNIT:?}
"$KUNIT" --log-dir "$LOGS" --timeout 900 --panic-on-oops \
	--modprobe dm_mod --modprobe libcrc32c \
	salsa-ftl/salsa_ftl.ko contigfs/contigfs.ko \
	contigfs/contigfs_kunit.ko >"$LOGS/report.txt"
got=$?
cat "$LOGS/report.txt"
[ "$got" = 0 ] || fail "flashnet-kunit exited $got"
grep -q "^kunit: [1-9][0-9]* passed, 0 failed, 0 skipped$" "$LOGS/report.txt" ||
	fail "not every contigfs KUnit case passed"
for s in contigfs_alloc contigfs_dir contigfs_map; do
	grep -qx "suite $s: pass" "$LOGS/report.txt" || fail "suite $s did not pass"
done
