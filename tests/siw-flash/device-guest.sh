#!/bin/sh
# Inside the guest of tests/siw-flash/device.sh.
. tests/lib/guest.sh
SMOKE=${FLASHNET_SIWF_SMOKE:?}
DEV=siwf0

modprobe ib_core && modprobe ib_uverbs || fail "modprobe ib_core ib_uverbs"
modprobe libcrc32c || fail "modprobe libcrc32c"
modprobe dummy || fail "modprobe dummy"
ko=$(flashnet_kmod siw-flash/siw_flash.ko) || exit 1
insmod "$ko" || fail "insmod $ko"

ip link add d0 type dummy || fail "ip link add d0"
ip link set d0 up || fail "d0 up"
rdma link add $DEV type siw_flash netdev d0 || fail "rdma link add $DEV"
rdma link show | grep -q "link $DEV/1 .*netdev d0" ||
	fail "rdma link show lacks $DEV on d0: $(rdma link show)"
# A second device on the same netdev is refused.
rdma link add siwf1 type siw_flash netdev d0 2>/dev/null &&
	fail "a second siw_flash device on d0 was created"

info=$(ibv_devinfo -v -d $DEV) || fail "ibv_devinfo -d $DEV"
printf '%s\n' "$info"
want() {	# want PATTERN: a line of ibv_devinfo -v matches (grep -E)
	printf '%s\n' "$info" | grep -qE "$1" || fail "ibv_devinfo lacks /$1/"
}
want "transport:[[:space:]]+iWARP \(1\)"
want "state:[[:space:]]+PORT_ACTIVE \(4\)"
want "max_qp_rd_atom:[[:space:]]+128$"
want "max_qp_init_rd_atom:[[:space:]]+128$"
want "max_cqe:[[:space:]]+65536$"
want "max_sge:[[:space:]]+6$"
want "max_mr_size:[[:space:]]+0x400000000000$"
want "active_mtu:[[:space:]]+1024 \(3\)"	# dummy: MTU 1500
# iWARP: the GID is the MAC (ibv_devinfo lists no GIDs for iWARP ports).
mac=$(cat /sys/class/net/d0/address)
gid_of_mac() {
	echo "$1" | awk -F: '{ printf "%s%s:%s%s:%s%s:0000:0000:0000:0000:0000", $1, $2, $3, $4, $5, $6 }'
}
gid=$(cat /sys/class/infiniband/$DEV/ports/1/gids/0)
[ "$gid" = "$(gid_of_mac "$mac")" ] || fail "GID $gid is not from MAC $mac"
echo "ibv_devinfo: iWARP, IRD/ORD 128, GID from $mac"

# The port follows the netdev, with the events libibverbs delivers.
port_state() {
	ibv_devinfo -d $DEV | sed -n 's/^[[:space:]]*state:[[:space:]]*//p'
}
event() {	# event port_err|port_active COMMAND...: COMMAND raises it
	want_ev=$1
	shift
	"$SMOKE" --device $DEV --expect-event "$want_ev" >/tmp/ev.out 2>&1 &
	pid=$!
	i=0
	until grep -q "^waiting" /tmp/ev.out; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "flashnet-siwf-smoke never started waiting"
		sleep 0.2
	done
	"$@" || fail "$*"
	wait $pid || { cat /tmp/ev.out; fail "no $want_ev event after: $*"; }
	cat /tmp/ev.out
}
event port_err ip link set d0 down
[ "$(port_state)" = "PORT_DOWN (1)" ] || fail "d0 down: port $(port_state)"
event port_active ip link set d0 up
[ "$(port_state)" = "PORT_ACTIVE (4)" ] || fail "d0 up: port $(port_state)"
ip link set d0 mtu 4000 || fail "d0 mtu 4000"
ibv_devinfo -d $DEV | grep -qE "active_mtu:[[:space:]]+2048 \(4\)" ||
	fail "MTU 4000 is not active_mtu 2048"
echo "port: follows d0 down/up and its MTU"

# User context, PD, CQs through libsiw.
"$SMOKE" --device $DEV || fail "flashnet-siwf-smoke --device $DEV"

# rdma link delete removes the device; a new one can take the netdev.
rdma link delete $DEV || fail "rdma link delete $DEV"
[ ! -e /sys/class/infiniband/$DEV ] || fail "$DEV still there after delete"
rdma link add $DEV type siw_flash netdev d0 || fail "rdma link add again"
"$SMOKE" --device $DEV >/dev/null || fail "smoke on the second $DEV"
# Deleting the netdev takes the device with it.
ip link del d0 || fail "ip link del d0"
i=0
while [ -e /sys/class/infiniband/$DEV ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "$DEV outlived d0"
	sleep 0.1
done
[ -z "$(rdma link show)" ] || fail "rdma links left: $(rdma link show)"
echo "device: gone with rdma link delete and with its netdev"

# rmmod with a device still linked removes it.
ip link add d1 type dummy || fail "ip link add d1"
rdma link add siwf1 type siw_flash netdev d1 || fail "rdma link add siwf1"
rmmod siw_flash || fail "rmmod siw_flash with siwf1 linked"
[ ! -e /sys/class/infiniband/siwf1 ] || fail "siwf1 outlived rmmod"
[ ! -d /sys/module/siw_flash ] || fail "siw_flash still loaded"
ip link del d1
echo "siw-flash device: all checks passed"
