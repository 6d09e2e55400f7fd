# contigfs_resolve_vma() answers (tests/contigfs/resolve.py) via the test
# module fn_contigfs_probe.
. tests/contigfs/lib-guest.sh

cfs_load
insmod "$(flashnet_kmod tests/kmod/fn_contigfs_probe.ko)" ||
	fail "insmod fn_contigfs_probe.ko"
cfs_fresh c0 65536 /dev/vda
run python3 tests/contigfs/resolve.py "$MNT"
cfs_umount_fsck c0
run rmmod fn_contigfs_probe contigfs
echo "contigfs resolve: all cases passed"
