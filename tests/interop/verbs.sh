#!/bin/sh
# flashnet-verbs between two guests: the client guest runs every case of
# tools/verbs against the server guest and must report them all passed.
#   verbs.sh KERNEL [PROVIDER]
#     KERNEL   stock | debug
#     PROVIDER reference (default): upstream siw on both guests, the
#              expectations of profile 'siw'. Only 'reference' exists now;
#              siw-flash (issue 5) will add e.g. 'siw-flash' (siw_flash.ko on
#              one or both guests, profile 'strict') to this same script.
. "$(dirname "$0")/../lib/host.sh"
kernel=$1
provider=${2:-reference}
case $provider in
reference) profile=siw ;;
*) fail "provider '$provider' is not implemented yet (only: reference)" ;;
esac
verbs=${FLASHNET_VERBS:-$root/build/cmake/tools/verbs/flashnet-verbs}
[ -x "$verbs" ] || fail "no flashnet-verbs at $verbs (cmake --build build/cmake --target flashnet-verbs)"
ncases=$("$verbs" client --list | wc -l)
[ "$ncases" -ge 20 ] || fail "flashnet-verbs lists only $ncases cases"

timeout=20
[ "$kernel" = debug ] && timeout=60
set -- --env "FLASHNET_KMOD_DIR=$KMOD" --env "VERBS=$verbs" \
	--env "VERBS_PROFILE=$profile" --env "VERBS_TIMEOUT=$timeout"
if [ "$kernel" = stock ]; then
	kdir=$("$VM" kernel stock | sed -n 's/^build //p')
	ref=$(tools/kernel/build-siw-reference.sh "$kdir") || fail "no siw reference build"
	set -- "$@" --env "FLASHNET_SIW_REFERENCE=$ref"
fi
# flashnet-vm exits 120 if either guest's console shows a kernel report
# (WARN, BUG, Oops, KASAN, lockdep, ... see tools/vm/logscan.cc), so a
# clean exit status also means clean guest logs.
expect_status 0 "$VM" pair --kernel "$kernel" --cpus 1 --timeout 1500 --log-dir "$LOGS" "$@" \
	--server "sh tests/interop/verbs-guest.sh" \
	--client "sh tests/interop/verbs-guest.sh"

res=$LOGS/client.job/out/verbs.txt
[ -s "$res" ] || fail "no client output ($res)"
summary=$(grep '^verbs: ' "$res" | tail -1)
echo "$summary"
set -- $summary
[ "$#" = 5 ] || fail "malformed summary line '$summary'"
passed=$2
failed=$4
[ "$failed" = 0 ] || fail "$failed case(s) failed: $(grep '^FAIL ' "$res" | tr '\n' ' ')"
[ "$passed" -ge "$ncases" ] || fail "only $passed of $ncases cases passed"
[ "$(grep -c '^PASS ' "$res")" = "$passed" ] || fail "PASS lines do not match the summary"
# Nothing on either console the log scan knows: say so explicitly too.
for g in server client; do
	log=$(ls "$LOGS"/$g*.log 2>/dev/null | head -1)
	[ -z "$log" ] || "$VM" scan "$log" >/dev/null || fail "kernel reports in $log"
done
echo "verbs ($provider, $kernel): all $passed cases passed"
