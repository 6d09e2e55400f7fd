#!/bin/sh
# Runs in both guests of a pair (role in $FLASHNET_ROLE): upstream siw on
# eth0, then flashnet-verbs server in the server guest and the client with
# every case in the client guest. Set by verbs.sh: VERBS (binary),
# VERBS_PROFILE (expectations), VERBS_TIMEOUT (seconds per wait).
. tests/lib/guest.sh
. tests/lib/pair-step.sh
load_siw_reference eth0
ibv_devinfo -d siw0 | grep -q "transport:.*iWARP" || fail "siw0 is not iWARP"

srv=$FLASHNET_SERVER_IP
out=$FLASHNET_OUT
port=19100
# A failed case must fail the run, not be retried away.
STEP_TRIES=1
STEP_TIMEOUT=1200
t=${VERBS_TIMEOUT:-20}
# --kmsg: the client also checks the TERMINATE codes its siw logs.
step verbs "$VERBS @SERVER server --timeout $t@@CLIENT client --addr \$SRV --timeout $t --profile ${VERBS_PROFILE:-siw} --kmsg@ --port @PORT@"
echo "verbs step passed ($FLASHNET_ROLE)"
