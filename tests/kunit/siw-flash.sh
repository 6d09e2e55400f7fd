#!/bin/sh
# siw-flash's KUnit suites (siw_flash_kunit.ko: wire formats, MPA frames,
# negotiation and handshake, CRC32c, FPDU sizing, receive checks,
# TERMINATE frames, STags, ring indexes) on the debug kernel: every case of
# every suite must pass and the guest log must stay free of kernel reports.
# Then, with upstream siw loaded, siw_flash.ko must refuse to load.
. "$(dirname "$0")/../lib/host.sh"
KUNIT=${FLASHNET_KUNIT:?}
"$KUNIT" --log-dir "$LOGS" --timeout 900 --panic-on-oops \
	--modprobe libcrc32c --modprobe ib_core \
	siw-flash/siw_flash.ko siw-flash/siw_flash_kunit.ko >"$LOGS/report.txt"
got=$?
cat "$LOGS/report.txt"
[ "$got" = 0 ] || fail "flashnet-kunit exited $got"
grep -q "^kunit: [1-9][0-9]* passed, 0 failed, 0 skipped$" "$LOGS/report.txt" ||
	fail "not every siw-flash KUnit case passed"
for s in siw_flash_iwarp siw_flash_mpa_frame siw_flash_mpa_negotiation \
	siw_flash_mpa_fsm siw_flash_crc siw_flash_fpdu_size siw_flash_rx \
	siw_flash_term siw_flash_stag siw_flash_ring; do
	grep -qx "suite $s: pass" "$LOGS/report.txt" || fail "suite $s did not pass"
done

# With upstream siw loaded, siw_flash.ko must refuse to load and say why
# (the run above showed it loads without siw).
mkdir -p "$LOGS/with-siw"
"$KUNIT" --log-dir "$LOGS/with-siw" --timeout 600 --modprobe siw \
	siw-flash/siw_flash.ko >"$LOGS/with-siw/report.txt" 2>&1
got=$?
[ "$got" = 1 ] || fail "with siw loaded: flashnet-kunit exited $got, want 1"
grep -q "siw_flash: upstream siw is loaded" "$LOGS/with-siw/kunit.log" ||
	fail "with siw loaded: no refusal message in $LOGS/with-siw/kunit.log"
grep -q "insmod .*siw_flash.ko failed" "$LOGS/with-siw/kunit.log" ||
	fail "with siw loaded: siw_flash.ko was not refused"
