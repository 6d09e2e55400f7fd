#!/bin/sh
# Guest half of bench-iops.sh: 4 KiB random read and write IOPS on raw
# null_blk (/dev/nullb1), through dm-linear (/dev/nullb2: what any dm
# target costs) and through salsa (/dev/nullb0), interleaved, RUNS times
# each.
#   env: BLKCHECK (unused), FLASHNET_KMOD_DIR, RUNS, RUNTIME, QD, REGION_MB,
#        POOL
. tests/salsa/lib-guest.sh

runs=${RUNS:-5} runtime=${RUNTIME:-10} qd=${QD:-16} region=${REGION_MB:-256}
pool=${POOL:-1M}
out=$OUT/iops.txt
: >"$out"

salsa_load
raw=$(($(blockdev --getsize64 /dev/nullb0) / 4096))
salsa_create salsa $raw /dev/nullb0 pool_size=$pool format=1
dmsetup create linear --table "0 $(blockdev --getsz /dev/nullb2) linear /dev/nullb2 0" ||
	fail "dm-linear on /dev/nullb2"
dmsetup mknodes linear
cap=$(salsa_stat_total salsa mapped)
[ $((region * 256)) -le $((cap * 9 / 10)) ] || region=$((cap * 9 / 10 / 256))
echo "null_blk: $(cat /sys/module/null_blk/parameters/completion_nsec) ns completions;" \
	"salsa capacity $cap pages, pool $pool; region $region MiB, QD $qd, ${runtime} s per run"
# Reads must find mapped pages: write the region once.
fio --name=precondition --filename=/dev/mapper/salsa --rw=write --bs=256k \
	--direct=1 --ioengine=libaio --iodepth=8 --size=${region}M \
	</dev/null >"$OUT/precondition.txt" 2>&1 || fail "precondition: $(tail -n 5 "$OUT/precondition.txt")"
flush_dev /dev/mapper/salsa

busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
}

run=1
while [ $run -le "$runs" ]; do
	for rw in randread randwrite; do
		for target in raw linear salsa; do
			d=/dev/nullb1
			[ $target = raw ] || d=/dev/mapper/$target
			h0=$(salsa_stat salsa pool_hits) m0=$(salsa_stat salsa pool_misses)
			set -- $(busy)
			b0=$1 i0=$2
			f=$OUT/fio-$target-$rw-$run.txt
			fio --name=$target-$rw --filename=$d --rw=$rw --bs=4k \
				--direct=1 --ioengine=libaio --iodepth="$qd" \
				--size=${region}M --norandommap --randrepeat=0 \
				--time_based --runtime="$runtime" --ramp_time=2 \
				--output-format=terse --terse-version=3 </dev/null >"$f" 2>&1 ||
				fail "fio $target $rw run $run: $(tail -n 5 "$f")"
			set -- $(busy)
			b1=$1 i1=$2
			iops=$(awk -F';' -v rw=$rw 'NF > 50 { print (rw == "randread" ? $8 : $49) }' "$f")
			h1=$(salsa_stat salsa pool_hits) m1=$(salsa_stat salsa pool_misses)
			echo "$target $rw $run $iops $b0 $i0 $b1 $i1 $((h1 - h0)) $((m1 - m0))" | tee -a "$out"
		done
	done
	run=$((run + 1))
done
salsa_status_dump salsa "at the end"
dmsetup remove linear
salsa_remove salsa
salsa_unload
echo "bench-iops: done"
