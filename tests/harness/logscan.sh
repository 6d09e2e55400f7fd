#!/bin/sh
# The log scan against real kernel reports: fn_harness_trigger.ko provokes
# one report in a guest.
#   logscan.sh KERNEL TRIGGER KINDS   the guest passes only because KINDS
#                                     were expected, and each appeared
#   logscan.sh KERNEL TRIGGER -       the same report unexpected fails (120)
#   logscan.sh KERNEL none clean      a clean module leaves a clean log
. "$(dirname "$0")/../lib/host.sh"
kernel=$1 trigger=$2 kinds=$3

# The insmod of an oopsing module dies; the guest's verdict is the log's.
cmd='. tests/lib/guest.sh
ko=$(flashnet_kmod tests/kmod/fn_harness_trigger.ko) || exit 1
insmod "$ko" trigger="$TRIGGER"
test "$TRIGGER" = null_deref || rmmod fn_harness_trigger'
if [ "$kinds" = - ]; then
	expect_status 120 "$VM" run --kernel "$kernel" --timeout 400 \
		--log-dir "$LOGS/unexpected" --env "FLASHNET_KMOD_DIR=$KMOD" \
		--env "TRIGGER=$trigger" -- sh -c "$cmd"
else
	[ "$kinds" = clean ] && kinds=
	expect_status 0 "$VM" run --kernel "$kernel" --timeout 400 \
		--log-dir "$LOGS/expected" --env "FLASHNET_KMOD_DIR=$KMOD" \
		--env "TRIGGER=$trigger" --expect-report "$kinds" -- sh -c "$cmd"
fi
