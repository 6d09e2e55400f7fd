# Mounts corrupted contigfs file systems (contigfs-mountfuzz: restore,
# corrupt, fsck -n, mount, walk, change, umount) for seeds FIRST..+COUNT-1.
# A small but complete tree: nested and multi-block directories, files with
# data, inline and block symlinks, special files, hard links, pending moves.
. tests/contigfs/lib-guest.sh
BUILD=$TOOLS/tools/contigfs/contigfs-build
MOUNTFUZZ=$TOOLS/tools/contigfs/contigfs-mountfuzz
first=${FUZZ_FIRST:?} count=${FUZZ_COUNT:?}

cfs_load
salsa_create z0 16384 /dev/vda format=1
{
	echo "dir /a"
	echo "dir /a/b 700"
	echo "dir /a/b/c"
	echo "dir /many"
	i=0
	while [ $i -lt 150 ]; do
		size=0
		[ $((i % 10)) = 0 ] && size=$((4096 * (i % 3 + 1)))
		echo "file /many/entry-with-a-name-long-enough-$i $size"
		i=$((i + 1))
	done
	echo "file /a/f 20000 README.md"
	echo "file /a/b/g 1"
	echo "file /big 300000 tests/contigfs/fuzz-mount-guest.sh"
	echo "symlink /a/s ../many"
	echo "symlink /a/b/long $(printf '%0300d' 0)"
	echo "node /a/fifo fifo"
	echo "node /a/b/dev blk 8 1"
	echo "link /a/b/c/f2 /a/f"
	echo "move /a/f 4"
	echo "move /a/b 1"
} >/tmp/tree.spec
run "$BUILD" -q -N 256 -M 256 -J 401 /dev/mapper/z0 /tmp/tree.spec
mkdir -p "$MNT"
"$MOUNTFUZZ" -s "$first" -n "$count" /dev/mapper/z0 "$MNT" ||
	fail "contigfs-mountfuzz exited $?"
# The last restore left the intact metadata: it still mounts and checks
# clean. (File data is not restored: a corrupted mount may have reused it.)
run mount -t contigfs /dev/mapper/z0 "$MNT"
run ls -lR "$MNT" >/dev/null
cfs_umount_fsck z0
echo "contigfs mount fuzz: $count seeds passed"
