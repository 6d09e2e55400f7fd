#!/bin/sh
# Guest half of bench-wa.sh: write amplification of the salsa target under
# skewed random overwrites, for each distribution x overprovisioning x
# streams. Each point formats a fresh table over /dev/vda and /dev/vdb,
# fills the whole capacity sequentially, overwrites PRE x capacity at
# random, then measures the counters over another MEASURE x capacity.
#   env: BLKCHECK (unused), FLASHNET_KMOD_DIR, SEG, POOL, PRE, MEASURE,
#        POINTS ("dist op streams theory" lines)
. tests/salsa/lib-guest.sh

devs="/dev/vda /dev/vdb"
dev=/dev/mapper/salsa
seg=${SEG:-1M}
pool=${POOL:-16M}
pre=${PRE:-2}
measure=${MEASURE:-2}
out=$OUT/wa.txt

salsa_load
raw=0
for d in $devs; do
	raw=$((raw + $(blockdev --getsize64 "$d") / 4096))
done

fio_phase() {
	label=$1
	shift
	# A stalled target ends the run with its counters, not at the timeout.
	timeout "${PHASE_TIMEOUT:-1200}" fio --name="$label" --filename=$dev \
		--direct=1 --ioengine=libaio --iodepth=16 --output-format=terse \
		--terse-version=3 "$@" </dev/null >"$OUT/fio-$point-$label.txt" 2>&1
	rc=$?
	[ $rc = 0 ] && return
	salsa_status_dump salsa "point $point, fio $label failed"
	[ $rc = 124 ] && fail "fio $label of point $point stalled for ${PHASE_TIMEOUT:-1200} s"
	fail "fio $label of point $point: $(tail -n 5 "$OUT/fio-$point-$label.txt")"
}

printf '%-18s %4s %8s %9s %8s %9s %11s %11s %10s\n' distribution op streams \
	"WA" theory segments "user pages" "gc pages" "pool hits" >"$out"
point=0
echo "$POINTS" >/tmp/points
exec 3</tmp/points
while read -r dist op streams theory <&3; do
	[ -n "$dist" ] || continue
	point=$((point + 1))
	salsa_create salsa $raw $devs op=$op streams=$streams segment_size=$seg \
		pool_size=$pool format=1
	cap=$(salsa_stat_total salsa mapped)
	segs=$(salsa_stat_total salsa free_segs)
	echo "point $point: $dist op=$op streams=$streams: capacity $cap pages, $segs segments"
	# Whole 256 KiB blocks: one more would map pages beyond the capacity.
	fio_phase fill --rw=write --bs=256k --size=$((cap / 64 * 256))k
	fio_phase pre --rw=randwrite --bs=4k --size=$((cap * 4))k \
		--io_size=$((cap * 4 * pre))k --norandommap=1 --randrepeat=0 \
		--random_distribution="$dist"
	flush_dev $dev
	u0=$(salsa_stat salsa user_flash) g0=$(salsa_stat salsa gc_flash)
	h0=$(salsa_stat salsa pool_hits)
	fio_phase measure --rw=randwrite --bs=4k --size=$((cap * 4))k \
		--io_size=$((cap * 4 * measure))k --norandommap=1 --randrepeat=0 \
		--random_distribution="$dist"
	flush_dev $dev
	u1=$(salsa_stat salsa user_flash) g1=$(salsa_stat salsa gc_flash)
	h1=$(salsa_stat salsa pool_hits)
	du=$((u1 - u0)) dg=$((g1 - g0))
	[ $du -gt 0 ] || fail "point $point: no user pages reached flash"
	wa=$(awk -v u=$du -v g=$dg 'BEGIN { printf "%.2f", (u + g) / u }')
	salsa_status_dump salsa "after point $point"
	printf '%-18s %3s%% %8s %9s %8s %9s %11s %11s %10s\n' "$dist" $op $streams \
		$wa $theory $segs $du $dg $((h1 - h0)) | tee -a "$out"
	salsa_remove salsa
done
salsa_unload
echo "bench-wa: done"
