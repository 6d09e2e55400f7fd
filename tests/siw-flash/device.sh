#!/bin/sh
# siw_flash device life and the verbs objects that need no data path:
# rdma link add/delete of type siw_flash on a dummy netdev, ibv_devinfo
# showing an iWARP RNIC with the advertised limits, the port following the
# netdev (state and PORT_ERR/PORT_ACTIVE events), a user context, PD and
# CQs through unmodified libsiw (flashnet-siwf-smoke), the device going away
# with its netdev, and rmmod with a device still linked.
#   device.sh stock|debug      (host: boots one guest)
#   device.sh guest            (inside that guest)

if [ "${1:-}" != guest ]; then
	. "$(dirname "$0")/../lib/host.sh"
	kernel=${1:?stock or debug}
	smoke=${FLASHNET_SIWF_SMOKE:-$root/build/cmake/tools/verbs/flashnet-siwf-smoke}
	[ -x "$smoke" ] || fail "$smoke not built"
	timeout=600
	[ "$kernel" = debug ] && timeout=1200
	expect_status 0 "$VM" run --kernel "$kernel" --timeout $timeout \
		--env "FLASHNET_KMOD_DIR=$KMOD" --env "FLASHNET_SIWF_SMOKE=$smoke" \
		--log-dir "$LOGS" -- sh tests/siw-flash/device-guest.sh
	grep -q "^siw-flash device: all checks passed" "$LOGS"/*.log ||
		fail "the guest did not report success"
	exit 0
fi
