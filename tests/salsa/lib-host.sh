# Sourced by the salsa tests' host scripts after tests/lib/host.sh.

# flashnet-blkcheck: CTest names it; else next to flashnet-vm's build.
BLKCHECK=${FLASHNET_BLKCHECK:-$(cd "$(dirname "$VM")/../salsa" 2>/dev/null && pwd)/flashnet-blkcheck}
[ -x "$BLKCHECK" ] || fail "flashnet-blkcheck not built ($BLKCHECK)"

# The module must exist for the kernel the guest boots.
need_module() {
	release=$("$VM" kernel "$1" | sed -n 's/^release //p')
	[ -e "$KMOD/$release/salsa-ftl/salsa_ftl.ko" ] ||
		fail "$KMOD/$release/salsa-ftl/salsa_ftl.ko not built (make modules / make modules-debug)"
}
