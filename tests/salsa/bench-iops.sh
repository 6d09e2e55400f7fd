#!/bin/sh
# Benchmark (not part of make check): 4 KiB random read and write IOPS
# through salsa on null_blk against raw null_blk and dm-linear (the cost of
# being a dm target at all) in the same guest, with a 50 us completion
# delay (flash-like latency), RUNS runs each, interleaved: min / median /
# max, IOPS per busy CPU and the ratios.
#   bench-iops.sh [stock|debug]
#   env: BENCH_RUNS (5), BENCH_RUNTIME (10 s), BENCH_QD (16),
#        BENCH_REGION_MB (256), BENCH_POOL (1M), BENCH_NULL_BLK (parameters)
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=${1:-stock}
need_module "$kernel"
nullb=${BENCH_NULL_BLK:-nr_devices=3 gb=1 bs=4096 completion_nsec=50000 irqmode=2 queue_mode=2}

echo "bench-iops: $kernel kernel, null_blk '$nullb'; logs in $LOGS"
expect_status 0 "$VM" run --kernel "$kernel" --timeout 7200 --quiet \
	--log-dir "$LOGS/guest" --null-blk "$nullb" \
	--env "FLASHNET_KMOD_DIR=$KMOD" --env "BLKCHECK=$BLKCHECK" \
	--env "RUNS=${BENCH_RUNS:-5}" --env "RUNTIME=${BENCH_RUNTIME:-10}" \
	--env "QD=${BENCH_QD:-16}" --env "REGION_MB=${BENCH_REGION_MB:-256}" \
	--env "POOL=${BENCH_POOL:-1M}" \
	-- sh tests/salsa/bench-iops-guest.sh
grep -E "^null_blk: " "$LOGS/guest/guest.log"
# Lines: target rw run iops busy0 idle0 busy1 idle1 pool_hits pool_misses
awk '
function sort(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
function median(a, n) {
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1 " " $2
	n[k]++
	iops[k, n[k]] = $4
	busy = ($7 - $5) / (($7 - $5) + ($8 - $6))
	per[k, n[k]] = busy > 0 ? $4 / busy : 0
	hits[k] += $9; misses[k] += $10
}
END {
	printf "%-10s %-6s %5s %9s %9s %9s %14s %s\n", "4 KiB", "target", "runs",
		"min", "median", "max", "IOPS/busy CPU", "pool hits/misses"
	for (r = 1; r <= 2; r++) {
		rw = r == 1 ? "randread" : "randwrite"
		for (t = 1; t <= 3; t++) {
			tg = t == 1 ? "raw" : t == 2 ? "linear" : "salsa"
			k = tg " " rw
			m = n[k]
			delete a; delete b
			for (i = 1; i <= m; i++) { a[i] = iops[k, i]; b[i] = per[k, i] }
			sort(a, m); sort(b, m)
			med[k] = median(a, m)
			printf "%-10s %-6s %5d %9.0f %9.0f %9.0f %14.0f %s\n", rw, tg, m,
				a[1], med[k], a[m], median(b, m),
				tg == "salsa" ? hits[k] "/" misses[k] : "-"
		}
		printf "%-10s medians: salsa / raw %.2f, linear / raw %.2f, salsa / linear %.2f\n", rw,
			med["raw " rw] ? med["salsa " rw] / med["raw " rw] : 0,
			med["raw " rw] ? med["linear " rw] / med["raw " rw] : 0,
			med["linear " rw] ? med["salsa " rw] / med["linear " rw] : 0
	}
}' "$LOGS/guest/guest.job/out/iops.txt"
