# Mounts that must fail, each with its precise message in the kernel log
# and nothing left mounted: a disk that is not a salsa device, a salsa
# device without contigfs, bad options, a corrupted superblock, journal or
# root inode. Then the intact file system still mounts.
. tests/contigfs/lib-guest.sh

# expect_refused MESSAGE MOUNT-ARGS...: mount fails and the log says why.
expect_refused() {
	msg=$1
	shift
	dmesg -C
	echo "+ mount $* (must fail: $msg)"
	mount "$@" 2>/tmp/mount.err && fail "mount $* succeeded"
	cat /tmp/mount.err
	{ dmesg; cat /tmp/mount.err; } | grep -q "$msg" ||
		fail "no '$msg' for mount $*: $(dmesg | tail -3)"
	grep -q " $MNT " /proc/mounts && fail "something is mounted on $MNT"
	return 0
}

# poke LBA OFFSET HEX: overwrite bytes of one page of the salsa device.
poke() {
	python3 - "/dev/mapper/c0" "$1" "$2" "$3" <<'PY' || fail "poke $*"
import os, sys
dev, lba, off, data = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), bytes.fromhex(sys.argv[4])
fd = os.open(dev, os.O_RDWR | os.O_DIRECT)
import mmap
buf = mmap.mmap(-1, 4096)
os.preadv(fd, [buf], lba * 4096)
buf[off:off + len(data)] = data
os.pwritev(fd, [buf], lba * 4096)
os.fsync(fd)
os.close(fd)
PY
}

cfs_load
mkdir -p "$MNT"
expect_refused "is not a salsa device" -t contigfs /dev/vdb "$MNT"
salsa_create c0 65536 /dev/vda format=1
expect_refused "no contigfs superblock" -t contigfs /dev/mapper/c0 "$MNT"
run "$MKFS" -q /dev/mapper/c0
expect_refused "Unknown parameter" -t contigfs -o bogus /dev/mapper/c0 "$MNT"
expect_refused "at most 3600" -t contigfs -o commit=4000 /dev/mapper/c0 "$MNT"

run mount -t contigfs /dev/mapper/c0 "$MNT"
echo data >"$MNT/file" || fail "write"
run umount "$MNT"

# Superblock: the last (always NUL) label byte set breaks the checksum.
poke 0 87 ff
expect_refused "superblock checksum mismatch" -t contigfs /dev/mapper/c0 "$MNT"
poke 0 87 00
run mount -t contigfs /dev/mapper/c0 "$MNT"
run umount "$MNT"

# The root inode (inode 1 in the first inode-table page).
itable=$(python3 - <<'PY'
import struct
with open("/dev/mapper/c0", "rb") as f:
    sb = f.read(4096)
print(struct.unpack_from("<Q", sb, 136)[0])
PY
)
echo "inode table at LBA $itable"
poke "$itable" 256 ff
expect_refused "inode 1: bad checksum" -t contigfs /dev/mapper/c0 "$MNT"
poke "$itable" 256 ed
run mount -t contigfs /dev/mapper/c0 "$MNT"
[ "$(cat "$MNT/file")" = data ] || fail "file lost after the refused mounts"
run umount "$MNT"
run "$FSCK" -n /dev/mapper/c0
run rmmod contigfs
salsa_remove c0
echo "contigfs bad mount: all cases passed"
