#!/bin/sh
# Guest half of harness.pair_step: lockstep steps whose tool is a TCP
# message (busybox nc), with faults injected on one side (markers in the
# guest's private /tmp).
. tests/lib/guest.sh
. tests/lib/pair-step.sh

srv=$FLASHNET_SERVER_IP
out=$FLASHNET_OUT
port=19300
talk="@SERVERbusybox nc -l -p @PORT@@@CLIENTecho hello | busybox nc \$SRV @PORT@@"
# "$once": true the first time role $r runs it, so that attempt fails.
once='[ "$FLASHNET_ROLE" = "$r" ] && [ ! -e /tmp/$r.$1 ] && touch /tmp/$r.$1'

step client_fails_once "r=client; $once && exit 1; $talk"
step server_fails_once "r=server; $once && exit 3; $talk"
step server_hangs "$talk; [ \$FLASHNET_ROLE = client ] || sleep 1000"
step clean "$talk"
STEP_TRIES=2 step client_always_fails "[ \$FLASHNET_ROLE = server ] || exit 5; $talk"
echo "not reached"
