# contigfs on a salsa device: the fsx-style tester (also a file 4x the
# FTL's page pool, through mappings), the namespace tests, a real tree
# copied in and compared after a remount, fsck clean after each phase, and
# rmmod refused while mounted.
. tests/contigfs/lib-guest.sh

cfs_load
# 16 MiB pool (4096 pages) over a 256 MiB member; 1 GiB virtual space.
cfs_fresh c0 262144 /dev/vda pool_size=16m

echo "phase fsx"
# The debug kernel is about ten times slower: fewer ops there.
ops=${CFS_FSX_OPS:-4000}
run "$FSX" --seed 1 --ops "$ops" --max-size 2M "$MNT/fsx1"
run "$FSX" --seed 2 --ops "$ops" --max-size 300k --fsync-every 50 \
	--reopen-every 300 "$MNT/fsx2"
run "$FSX" --seed 3 --ops $((ops / 13)) --max-size 64M --max-io 4M \
	--check-every 100 "$MNT/fsx-big"
rm -f "$MNT"/fsx*

echo "phase big file"
# 64 MiB: four times the pool, written, mapped and read back.
run dd if=/dev/urandom of=/tmp/big bs=1M count=64 status=none
run cp /tmp/big "$MNT/big"
run cmp /tmp/big "$MNT/big"
python3 - "$MNT/big" /tmp/big <<'PY' || fail "mapped compare of the big file"
import mmap, sys
with open(sys.argv[1], "r+b") as f, open(sys.argv[2], "rb") as g:
    m = mmap.mmap(f.fileno(), 0)
    want = g.read()
    assert m[:] == want, "mapping differs from the data written"
    m[4096:8192] = b"\xa5" * 4096
    m.flush()
    m.close()
with open(sys.argv[1], "rb") as f:
    f.seek(4096)
    assert f.read(4096) == b"\xa5" * 4096, "read() does not see the mapped store"
PY
rm -f "$MNT/big"

echo "phase namespace"
run "$NSTEST" --dir "$MNT/ns"
rm -rf "$MNT/ns"

echo "phase tree"
run cp -a salsa-ftl tools "$MNT/"
"$TREECOPY" manifest "$MNT" >/tmp/before || fail "manifest before remount"
rmmod contigfs 2>/dev/null && fail "rmmod contigfs succeeded while mounted"
cfs_umount_fsck c0
run mount -t contigfs /dev/mapper/c0 "$MNT"
"$TREECOPY" manifest "$MNT" >/tmp/after || fail "manifest after remount"
run "$TREECOPY" compare /tmp/before /tmp/after
mkdir -p /tmp/src
cp -a salsa-ftl tools /tmp/src/ || fail "copy of the source"
"$TREECOPY" manifest /tmp/src >/tmp/src.manifest || fail "manifest of the source"
run "$TREECOPY" compare /tmp/src.manifest /tmp/after --ignore mtime,owner,nlink
cfs_umount_fsck c0
run rmmod contigfs
salsa_remove c0
echo "contigfs basic: all phases passed"
