#!/bin/sh
# Guest half of zero-discard.sh: a salsa device 100 times larger than its
# two members. Unwritten LBAs read zero anywhere in the virtual space,
# sparse writes land where they were sent, discard unmaps (reads zero, the
# counters drop, the space is reusable), writes after a discard work, and
# all of it survives removing the table and reloading the module.
#   env: BLKCHECK, FLASHNET_KMOD_DIR
. tests/salsa/lib-guest.sh

devs="/dev/vda /dev/vdb"
opts="segment_size=1M"
dev=/dev/mapper/salsa
B=$BLKCHECK

salsa_load
raw=0
for d in $devs; do
	raw=$((raw + $(blockdev --getsize64 "$d") / 4096))
done
virt=$((raw * 100))
salsa_create salsa $virt $devs $opts format=1
cap=$(salsa_stat_total salsa mapped)
[ "$(blockdev --getsize64 $dev)" = $((virt * 4096)) ] ||
	fail "$dev is $(blockdev --getsize64 $dev) bytes, the table says $((virt * 4096))"
[ "$(salsa_stat salsa mapped)" = 0 ] || fail "a fresh format maps $(salsa_stat salsa mapped) pages"
echo "raw $raw pages, virtual $virt pages, capacity $cap pages"

expect_mapped() {
	got=$(salsa_stat salsa mapped)
	[ "$got" = "$1" ] || fail "mapped=$got after $2, expected $1"
}

# 1. Unwritten LBAs read zero: the start, past the physical capacity, the
# middle and the very end of the virtual space.
for start in 0 $cap $((raw * 3)) $((virt / 2)) $((virt - 256)); do
	run $B verify $dev --start $start --pages 256 --zero
done
expect_mapped 0 "reading unwritten pages"

# 2. Sparse writes across the whole virtual space: 20 ranges of 64 pages,
# off any segment or stripe boundary; the pages around each stay zero.
step=$((virt / 20))
range() { echo $(($1 * step + 37 + $1)); }
i=0
while [ $i -lt 20 ]; do
	run $B fill $dev --start "$(range $i)" --pages 64 --seed 21 --tag $i
	i=$((i + 1))
done
expect_mapped 1280 "20 sparse writes of 64 pages"
i=0
while [ $i -lt 20 ]; do
	r=$(range $i)
	run $B verify $dev --start "$r" --pages 64 --seed 21 --tag $i
	run $B verify $dev --start $((r - 1)) --pages 1 --zero
	run $B verify $dev --start $((r + 64)) --pages 1 --zero
	i=$((i + 1))
done

# 3. Discard a whole range and the middle of another: they read zero, the
# neighbours keep their data, mapped drops by exactly what was unmapped.
trims0=$(salsa_stat salsa trims)
r3=$(range 3) r5=$(range 5)
run blkdiscard -o $((r3 * 4096)) -l $((64 * 4096)) $dev
run blkdiscard -o $(((r5 + 16) * 4096)) -l $((32 * 4096)) $dev
expect_mapped $((1280 - 64 - 32)) "discarding 96 mapped pages"
[ "$(salsa_stat salsa trims)" -gt "$trims0" ] || fail "trims did not grow"
run $B verify $dev --start "$r3" --pages 64 --zero
run $B verify $dev --start $((r5 + 16)) --pages 32 --zero
run $B verify $dev --start "$r5" --pages 16 --seed 21 --tag 5
run $B verify $dev --start $((r5 + 48)) --pages 16 --seed 21 --tag 5
run $B verify $dev --start "$(range 2)" --pages 64 --seed 21 --tag 2
run $B verify $dev --start "$(range 4)" --pages 64 --seed 21 --tag 4
# Discarding what is not mapped changes nothing.
run blkdiscard -o $(((virt - 4096) * 4096)) -l $((4096 * 4096)) $dev
expect_mapped 1184 "discarding unmapped pages"
# A dense, aligned range (what a file system discards): 1024 pages from a
# 4096-page boundary, then 1000 pages from an odd start inside it.
a=$(((raw * 10 / 4096 + 1) * 4096))
run $B fill $dev --start $a --pages 1024 --seed 25
run blkdiscard -o $((a * 4096)) -l $((1024 * 4096)) $dev
run $B verify $dev --start $a --pages 1024 --zero
expect_mapped 1184 "writing and discarding 1024 aligned pages"
run $B fill $dev --start $a --pages 1024 --seed 25
run blkdiscard -o $(((a + 7) * 4096)) -l $((1000 * 4096)) $dev
run $B verify $dev --start $((a + 7)) --pages 1000 --zero
run $B verify $dev --start $a --pages 7 --seed 25
run $B verify $dev --start $((a + 1007)) --pages 17 --seed 25
run blkdiscard -o $((a * 4096)) -l $((1024 * 4096)) $dev
expect_mapped 1184 "discarding the rest of the aligned range"

# 4. Discard frees space: 60 % of the capacity written, discarded, then
# another 60 % elsewhere (without the discard that is more than fits).
bulk=$((cap * 6 / 10))
b1=$((virt / 3)) b2=$((virt * 2 / 3))
flush_dev $dev
free0=$(salsa_stat salsa free_segs)
run $B fill $dev --start $b1 --pages $bulk --seed 22
free1=$(salsa_stat salsa free_segs)
expect_mapped $((1184 + bulk)) "a bulk write of $bulk pages"
run blkdiscard -o $((b1 * 4096)) -l $((bulk * 4096)) $dev
flush_dev $dev
free2=$(salsa_stat salsa free_segs)
expect_mapped 1184 "discarding the bulk write"
salsa_status_dump salsa "after discarding $bulk pages"
echo "free segments: $free0 before the bulk write, $free1 after it, $free2 after discarding it and a flush"
[ "$free1" -lt "$free0" ] || fail "a bulk write of $bulk pages used no free segment ($free0 -> $free1)"
[ "$free2" -gt "$free1" ] ||
	fail "discarding $bulk pages and a flush freed no segment (free_segs $free1 -> $free2)"
run $B verify $dev --start $b1 --pages 256 --zero
run $B verify $dev --start $((b1 + bulk - 256)) --pages 256 --zero
run $B fill $dev --start $b2 --pages $bulk --seed 23
run $B verify $dev --start $b2 --pages $bulk --seed 23

# 5. Write after discard.
run $B fill $dev --start "$r3" --pages 64 --seed 24 --tag 3
run $B verify $dev --start "$r3" --pages 64 --seed 24 --tag 3
expect_mapped $((1184 + bulk + 64)) "rewriting a discarded range"

# 6. All of it after remove, rmmod, insmod and the same table without
# format=1: data, zeros and the mapped count.
flush_dev $dev
salsa_remove salsa
salsa_unload
salsa_load
salsa_create salsa $virt $devs $opts
expect_mapped $((1184 + bulk + 64)) "reopening"
i=0
while [ $i -lt 20 ]; do
	r=$(range $i)
	case $i in
	3) run $B verify $dev --start "$r" --pages 64 --seed 24 --tag 3 ;;
	5)
		run $B verify $dev --start "$r" --pages 16 --seed 21 --tag 5
		run $B verify $dev --start $((r + 16)) --pages 32 --zero
		run $B verify $dev --start $((r + 48)) --pages 16 --seed 21 --tag 5
		;;
	*) run $B verify $dev --start "$r" --pages 64 --seed 21 --tag $i ;;
	esac
	i=$((i + 1))
done
run $B verify $dev --start $b1 --pages 256 --zero
run $B verify $dev --start $b2 --pages $bulk --seed 23

# 7. Discard everything: every sample reads zero, nothing is mapped.
run blkdiscard $dev
flush_dev $dev
expect_mapped 0 "discarding the whole device"
for start in 0 "$(range 3)" "$(range 19)" $b2 $((virt - 256)); do
	run $B verify $dev --start $start --pages 64 --zero
done
salsa_status_dump salsa "at the end"
salsa_remove salsa
salsa_unload
echo "zero-discard: all phases passed"
