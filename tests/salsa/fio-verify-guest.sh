#!/bin/sh
# Guest half of fio-verify.sh: fio verify jobs on a salsa device striped over
# /dev/vda and /dev/vdb, a GC workload, and the data after the table is
# removed, the module reloaded and the table created again.
#   env: BLKCHECK, FLASHNET_KMOD_DIR, LOOPS (GC passes over the hot half),
#        OPTS (table options; default: 1 MiB segments)
. tests/salsa/lib-guest.sh

devs="/dev/vda /dev/vdb"
opts=${OPTS:-segment_size=1M}
dev=/dev/mapper/salsa
loops=${LOOPS:-4}

salsa_load
raw=0
for d in $devs; do
	raw=$((raw + $(blockdev --getsize64 "$d") / 4096))
done
# Virtual size = the raw size; only the first 90 % of the capacity is used.
salsa_create salsa $raw $devs $opts format=1
cap=$(salsa_stat_total salsa mapped)
region=$((cap * 9 / 10 / 256))	# MiB
[ "$region" -ge 6 ] || fail "capacity $cap pages is too small for this test"
job=$((region / 3))
half=$((region / 2))
echo "raw $raw pages, capacity $cap pages, region ${region} MiB, 3 jobs of ${job} MiB"

# fio_run LABEL FIO-ARGS...: the job is named LABEL unless FIO_JOB says.
fio_run() {
	name=$1
	shift
	echo "+ fio $name: $*"
	if ! fio --name="${FIO_JOB:-$name}" --filename=$dev --direct=1 --ioengine=libaio \
		--iodepth=8 --bssplit=4k/40:16k/30:64k/20:256k/10 \
		--verify=crc32c --verify_fatal=1 "$@" >"$OUT/fio-$name.txt" 2>&1; then
		tail -n 40 "$OUT/fio-$name.txt"
		salsa_status_dump salsa "after fio $name failed"
		fail "fio $name failed (output in fio-$name.txt)"
	fi
	grep -E "^ *(write|read):|err=" "$OUT/fio-$name.txt" | sed 's/^/  /'
}

# 1. Random and sequential writes with mixed sizes, three jobs on separate
# ranges, each verified after writing.
fio_run random --rw=randwrite --numjobs=3 --size=${job}M \
	--offset_increment=${job}M --do_verify=1
fio_run sequential --rw=write --numjobs=3 --size=${job}M \
	--offset_increment=${job}M --do_verify=1
salsa_status_dump salsa "after the verify jobs"

# 2. GC: a cold half written once, a hot half rewritten LOOPS times (each
# pass verified) for more than 1.5 times the capacity in all.
run "$BLKCHECK" fill $dev --start 0 --pages $((half * 256)) --seed 11 --tag 1
gc0=$(salsa_stat salsa gc_flash)
user0=$(salsa_stat salsa user_flash)
fio_run gc --rw=randwrite --offset=${half}M --size=${half}M --loops=$loops \
	--do_verify=1
written=$((half * (loops + 1)))
[ $((written * 256)) -gt $((cap * 3 / 2)) ] ||
	fail "the GC phase wrote only $written MiB for $cap pages of capacity"
gc1=$(salsa_stat salsa gc_flash)
user1=$(salsa_stat salsa user_flash)
salsa_status_dump salsa "after the GC phase"
[ "$gc1" -gt "$gc0" ] ||
	fail "no GC moves: gc_flash stayed at $gc0 while the hot half took $((user1 - user0)) user pages (${written} MiB written on $cap pages of capacity)"
echo "GC phase: gc_flash +$((gc1 - gc0)) pages, user_flash +$((user1 - user0)) pages"
run "$BLKCHECK" verify $dev --start 0 --pages $((half * 256)) --seed 11 --tag 1

# 3. Persistence: fio's own data in the hot half and the cold fill survive
# remove, rmmod, insmod and a new table (the same line, without format=1).
persist="--rw=randwrite --offset=${half}M --size=${half}M"
FIO_JOB=persist
fio_run persist $persist --do_verify=0
fio_run persist-check $persist --verify_only
flush_dev $dev
salsa_remove salsa
salsa_unload
salsa_load
salsa_create salsa $raw $devs $opts
run "$BLKCHECK" verify $dev --start 0 --pages $((half * 256)) --seed 11 --tag 1
fio_run persist-reopen $persist --verify_only
salsa_status_dump salsa "after reopening"
salsa_remove salsa
salsa_unload
echo "fio-verify: all phases passed"
