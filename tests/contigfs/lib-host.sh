# Sourced by the contigfs tests' host scripts after tests/lib/host.sh.
. "$(dirname "$0")/../salsa/lib-host.sh"

# The CMake build with mkfs/fsck and the fstest tools; guests see it too.
CFS_BUILD=$(cd "$(dirname "$VM")/../.." && pwd)
[ -x "$CFS_BUILD/tools/contigfs/mkfs.contigfs" ] ||
	fail "mkfs.contigfs not built ($CFS_BUILD)"

# cfs_vm KERNEL LOGDIR [flashnet-vm run options...] -- COMMAND...: a guest
# with what every contigfs guest script needs in its environment; its exit
# status is flashnet-vm's.
cfs_vm() {
	local k=$1 dir=$2
	shift 2
	"$VM" run --kernel "$k" --log-dir "$dir" \
		--env "FLASHNET_KMOD_DIR=$KMOD" --env "BLKCHECK=$BLKCHECK" \
		--env "CFS_TOOLS=$CFS_BUILD" "$@"
}

# cfs_guest_passes KERNEL TIMEOUT PASSED-LINE [options...] -- COMMAND...:
# one guest that must exit 0 and print PASSED-LINE (logs in $LOGS/guest).
cfs_guest_passes() {
	local k=$1 t=$2 line=$3
	shift 3
	expect_status 0 cfs_vm "$k" "$LOGS/guest" --timeout "$t" "$@"
	grep -q "$line" "$LOGS/guest/guest.log" ||
		fail "the guest did not print '$line'"
}
