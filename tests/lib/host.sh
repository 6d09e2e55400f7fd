# Sourced by host-side guest tests. CTest passes the runner and a log
# directory; every assertion failure names what it expected.
. "$(dirname "$0")/../lib/common.sh"
VM=${FLASHNET_VM:?FLASHNET_VM must name the flashnet-vm binary}
LOGS=${FLASHNET_TEST_LOGS:?FLASHNET_TEST_LOGS must name a log directory}
KMOD=${FLASHNET_KMOD_DIR:?FLASHNET_KMOD_DIR must name the module build directory}
rm -rf "$LOGS"
mkdir -p "$LOGS"

# expect_status WANT COMMAND...: runs COMMAND, fails unless it exits WANT.
expect_status() {
	want=$1
	shift
	"$@"
	got=$?
	[ "$got" = "$want" ] || fail "expected status $want, got $got from: $*"
}

# No QEMU process may mention this path once a test is done with it.
expect_no_qemu() {
	if pgrep -f "qemu-system.*$1" >/dev/null; then
		pkill -9 -f "qemu-system.*$1"
		fail "a QEMU process outlived its runner ($1)"
	fi
}
