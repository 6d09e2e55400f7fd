# Sourced inside guests by the contigfs tests: a salsa device with a fresh
# contigfs on it, mounted at $MNT.
. tests/salsa/lib-guest.sh

TOOLS=${CFS_TOOLS:?CFS_TOOLS must name the CMake build directory}
MKFS=$TOOLS/tools/contigfs/mkfs.contigfs
FSCK=$TOOLS/tools/contigfs/fsck.contigfs
FSX=$TOOLS/tools/fstest/flashnet-fsx
NSTEST=$TOOLS/tools/fstest/flashnet-nstest
TREECOPY=$TOOLS/tools/fstest/flashnet-treecopy
MNT=/mnt/cfs

cfs_load() {
	salsa_load
	insmod "$(flashnet_kmod contigfs/contigfs.ko)" || fail "insmod contigfs.ko"
}

# cfs_fresh NAME PAGES DEV [salsa options]: salsa device + mkfs + mount.
cfs_fresh() {
	name=$1
	salsa_create "$@" format=1
	run "$MKFS" -q "/dev/mapper/$name"
	mkdir -p "$MNT"
	run mount -t contigfs "/dev/mapper/$name" "$MNT"
}

# Unmount and check: fsck must find the file system clean.
cfs_umount_fsck() {
	run umount "$MNT"
	run "$FSCK" -n "/dev/mapper/$1"
}
