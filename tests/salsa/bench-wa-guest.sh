#!/bin/sh
# Guest half of bench-wa.sh, one point: write amplification of the salsa
# target under skewed random overwrites. Formats a fresh table over
# /dev/vda and /dev/vdb, fills the whole capacity sequentially, overwrites
# PRE x capacity at random, then measures the counters over another
# MEASURE x capacity. Prints "bench-wa: RESULT ..." or, if the target stops
# making progress, "bench-wa: STALLED ..." and exits 3.
#   env: BLKCHECK (unused), FLASHNET_KMOD_DIR, SEG, POOL, PRE, MEASURE,
#        POINT ("distribution op streams")
. tests/salsa/lib-guest.sh

devs="/dev/vda /dev/vdb"
dev=/dev/mapper/salsa
seg=${SEG:-1M}
pool=${POOL:-16M}
pre=${PRE:-2}
measure=${MEASURE:-2}
# shellcheck disable=SC2086
set -- $POINT
dist=$1 op=$2 streams=$3

salsa_load
raw=0
for d in $devs; do
	raw=$((raw + $(blockdev --getsize64 "$d") / 4096))
done

progress() {
	dmsetup status salsa | tr ' ' '\n' | grep -E '^(host_writes|user_flash|gc_flash)='
}

# fio_phase LABEL FIO-ARGS...: fails the point when fio fails; a phase in
# which the counters do not move for 60 s is a stall (the target hangs its
# writers), reported with the whole status.
fio_phase() {
	label=$1
	shift
	fio --name="$label" --filename=$dev --direct=1 --ioengine=libaio \
		--iodepth=16 --output-format=terse --terse-version=3 "$@" \
		</dev/null >"$OUT/fio-$label.txt" 2>&1 &
	pid=$!
	last= still=0
	while kill -0 $pid 2>/dev/null; do
		sleep 5
		now=$(progress)
		if [ "$now" = "$last" ]; then
			still=$((still + 5))
		else
			still=0
		fi
		last=$now
		if [ $still -ge 60 ]; then
			salsa_status_dump salsa "stalled in fio $label"
			echo "bench-wa: STALLED in $label: $(dmsetup status salsa)"
			exit 3
		fi
	done
	wait $pid || fail "fio $label: $(tail -n 5 "$OUT/fio-$label.txt")"
}

salsa_create salsa $raw $devs op=$op streams=$streams segment_size=$seg \
	pool_size=$pool format=1
cap=$(salsa_stat_total salsa mapped)
segs=$(salsa_stat_total salsa free_segs)
echo "$dist op=$op streams=$streams: capacity $cap pages, $segs segments"
# Whole 256 KiB blocks: one more would map pages beyond the capacity.
fio_phase fill --rw=write --bs=256k --size=$((cap / 64 * 256))k
# overwrite LABEL TIMES: skewed 4 KiB random overwrites of TIMES x capacity.
overwrite() {
	fio_phase "$1" --rw=randwrite --bs=4k --size=$((cap * 4))k \
		--io_size=$((cap * 4 * $2))k --norandommap=1 --randrepeat=0 \
		--random_distribution="$dist"
	flush_dev $dev
}
overwrite pre "$pre"
u0=$(salsa_stat salsa user_flash) g0=$(salsa_stat salsa gc_flash)
h0=$(salsa_stat salsa pool_hits)
overwrite measure "$measure"
u1=$(salsa_stat salsa user_flash) g1=$(salsa_stat salsa gc_flash)
h1=$(salsa_stat salsa pool_hits)
du=$((u1 - u0)) dg=$((g1 - g0))
[ $du -gt 0 ] || fail "no user pages reached flash"
salsa_status_dump salsa "after measuring"
echo "bench-wa: RESULT segments=$segs capacity=$cap user=$du gc=$dg pool_hits=$((h1 - h0))"
salsa_remove salsa
salsa_unload
