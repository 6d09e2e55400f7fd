#!/bin/sh
# The runner reports the guest command's exit status, runs it in the
# caller's directory with the requested environment, and hands back what
# the guest wrote to $FLASHNET_OUT.
. "$(dirname "$0")/../lib/host.sh"

expect_status 7 "$VM" run --log-dir "$LOGS/seven" -- sh -c 'exit 7'

here=$(pwd)
expect_status 0 "$VM" run --log-dir "$LOGS/env" --env "GREETING=two words" \
	-- sh -c 'test "$GREETING" = "two words" || exit 11
		  test "$PWD" = "$1" || exit 12
		  uname -r >"$FLASHNET_OUT/release"' sh "$here"
[ "$(cat "$LOGS/env/guest.job/out/release")" = "$("$VM" kernel stock | sed -n 's/^release //p')" ] ||
	fail "guest did not run the stock kernel"
grep -q "FLASHNET-EXIT rc=0" "$LOGS/env/guest.log" || fail "console log incomplete"

# A tree or file under the host's /tmp is visible (checkouts may live there),
# and the guest's writes there never reach the host.
probe=$(mktemp /tmp/flashnet-probe.XXXXXX)
echo host >"$probe"
expect_status 0 "$VM" run --log-dir "$LOGS/tmp" --env "PROBE=$probe" \
	-- sh -c 'test "$(cat "$PROBE")" = host && echo guest >"$PROBE"'
[ "$(cat "$probe")" = host ] || fail "the guest wrote through to the host's /tmp"
rm -f "$probe"
