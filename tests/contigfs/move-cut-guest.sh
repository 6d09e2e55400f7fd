# A file move (growth when the buddy is taken) cut by a power failure.
#   move-cut-guest.sh write   - make the state, start the move, pause in it
#   move-cut-guest.sh check   - mount finishes the move; data and fsck
. tests/contigfs/lib-guest.sh

pattern() { # pattern SEED BYTES > file
	python3 -c "import sys; s=int(sys.argv[1]); n=int(sys.argv[2]); sys.stdout.buffer.write(bytes((i*7+s)%251 for i in range(n)))" "$@"
}

case $1 in
write)
	salsa_load
	insmod "$(flashnet_kmod contigfs/contigfs.ko)" move_pause_ms=60000 ||
		fail "insmod contigfs.ko move_pause_ms=60000"
	cfs_fresh c0 65536 /dev/vda
	# f takes a 4-page block, g its buddy: f cannot grow in place.
	pattern 3 12288 >"$MNT/f" || fail "write f"
	pattern 5 16384 >"$MNT/g" || fail "write g"
	run sync
	echo "f and g are on flash"
	# Growth to 5 pages needs 8: a move. The module pauses in it.
	pattern 9 8192 >>"$MNT/f"
	fail "the move did not pause (no cut)"
	;;
check)
	cfs_load
	run dmsetup create c0 --table "0 $((65536 * 8)) salsa /dev/vda"
	dmsetup mknodes c0
	mkdir -p "$MNT"
	run mount -t contigfs /dev/mapper/c0 "$MNT"
	dmesg | grep "finished the move of inode" ||
		fail "mount did not finish the interrupted move"
	pattern 3 12288 >/tmp/f.want
	pattern 5 16384 >/tmp/g.want
	size=$(stat -c %s "$MNT/f")
	[ "$size" = 12288 ] || fail "f is $size bytes, not the 12288 synced"
	run cmp /tmp/f.want "$MNT/f"
	run cmp /tmp/g.want "$MNT/g"
	# The file still grows and keeps its data.
	pattern 9 8192 >>"$MNT/f" || fail "append after the finished move"
	cat /tmp/f.want >/tmp/f2.want
	pattern 9 8192 >>/tmp/f2.want
	run cmp /tmp/f2.want "$MNT/f"
	cfs_umount_fsck c0
	echo "contigfs move cut: check passed"
	;;
esac
