#!/bin/sh
# Benchmark (not part of make check): write amplification of the salsa
# target from its own counters, WA = (user + gc flash pages) / user flash
# pages over the measured window, under fio's skewed random overwrites,
# at 28 % and 7 % overprovisioning with one and four streams, next to the
# theoretical optimum of a hot/cold separation for that skew and OP.
#   bench-wa.sh [stock|debug]
#   env: BENCH_DISK_MB (per member, 128), BENCH_SEG (1M), BENCH_POOL (16M),
#        BENCH_PRE / BENCH_MEASURE (capacities overwritten, 2 / 2)
# The DRAM pool absorbs some overwrites of hot pages (the pool hits
# column), so keep it small next to the capacity. (pool_size=1M stalls the
# target under this load for now: free_segs=0, "GC found no free segment".)
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=${1:-stock}
need_module "$kernel"
mb=${BENCH_DISK_MB:-128}

points="zoned:80/20:20/80 28 1 1.96
zoned:80/20:20/80 28 4 1.96
zoned:80/20:20/80 7 1 5.5
zoned:80/20:20/80 7 4 5.5
zoned:95/20:5/80 28 1 1.54
zoned:95/20:5/80 28 4 1.54
zoned:95/20:5/80 7 1 3.8
zoned:95/20:5/80 7 4 3.8"

echo "bench-wa: $kernel kernel, 2 x ${mb} MiB members, segment ${BENCH_SEG:-1M}," \
	"pool ${BENCH_POOL:-16M}; logs in $LOGS"
expect_status 0 "$VM" run --kernel "$kernel" --timeout 10800 --quiet \
	--log-dir "$LOGS/guest" --env "FLASHNET_KMOD_DIR=$KMOD" \
	--env "BLKCHECK=$BLKCHECK" --env "POINTS=$points" \
	--env "SEG=${BENCH_SEG:-1M}" --env "POOL=${BENCH_POOL:-16M}" \
	--env "PRE=${BENCH_PRE:-2}" --env "MEASURE=${BENCH_MEASURE:-2}" \
	--disk "$LOGS/flash0.img:${mb}M" --disk "$LOGS/flash1.img:${mb}M" \
	-- sh tests/salsa/bench-wa-guest.sh
cat "$LOGS/guest/guest.job/out/wa.txt"
echo "(theory: optimal hot/cold separation for that skew and OP; segments and"
echo " pages counted by the target; pool hits = overwrites absorbed in DRAM)"
rm -f "$LOGS"/flash*.img
