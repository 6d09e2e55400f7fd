# Sourced inside guests by test scripts.

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Path of a FlashNet module built for the running kernel.
flashnet_kmod() {
	ko=${FLASHNET_KMOD_DIR:?}/$(uname -r)/$1
	[ -e "$ko" ] || fail "$ko not built (make modules / make modules-debug)"
	echo "$ko"
}

# Upstream siw, the reference peer: the debug kernel has it as a module;
# for Debian's kernel it is built out of tree (FLASHNET_SIW_REFERENCE).
load_siw_reference() {
	modprobe ib_uverbs && modprobe rdma_ucm || fail "RDMA core modules"
	if ! modprobe siw 2>/dev/null; then
		modprobe ib_core && modprobe libcrc32c || fail "siw dependencies"
		insmod "${FLASHNET_SIW_REFERENCE:?}/siw.ko" || fail "insmod siw"
	fi
	rdma link add siw0 type siw netdev "${1:-eth0}" || fail "rdma link add"
}
