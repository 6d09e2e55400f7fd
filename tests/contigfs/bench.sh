#!/bin/sh
# Benchmark (not part of make check), one guest, stock kernel by default.
# Data path: a contigfs file against the raw salsa device under it (a
# second salsa device with the same table), each on a memory-backed
# null_blk with 50 us completions (flash-like latency); fio sequential
# 1 MiB and random 4 KiB reads and writes; engines psync (contigfs:
# buffered read/write, which copy from the FTL's pages; raw: direct=1, every
# I/O reaches salsa, and buffered, through the page cache) and mmap;
# working sets inside and beyond the pool. Metadata: flashnet-metabench
# create / stat / unlink rates on contigfs and on ext4, each on a fresh
# salsa device of that table. Runs interleaved, RUNS each: min / median /
# max, IOPS per busy CPU, ratios of medians.
#   bench.sh [stock|debug]
#   env: BENCH_RUNS (5), BENCH_RUNTIME (5 s per fio run), BENCH_POOL (16M),
#        BENCH_PAGES (262144: salsa virtual size, 4 KiB pages),
#        BENCH_SMALL_MB (4), BENCH_BIG_MB (256: working sets),
#        BENCH_MD_FILES (10000), BENCH_MD_DIRS ("1 100": directory counts),
#        BENCH_PHASES ("data meta"), BENCH_NULL_BLK (null_blk parameters)
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=${1:-stock}
need_module "$kernel"
nullb=${BENCH_NULL_BLK:-nr_devices=2 gb=1 bs=4096 completion_nsec=50000 irqmode=2 queue_mode=2 memory_backed=1}

echo "contigfs bench: $kernel kernel, null_blk '$nullb'; logs in $LOGS;" \
	"$(pgrep -c qemu-system) QEMU processes running before"
expect_status 0 cfs_vm "$kernel" "$LOGS/guest" --timeout 10800 --quiet \
	--mem 3072 --null-blk "$nullb" \
	--env "RUNS=${BENCH_RUNS:-5}" --env "RUNTIME=${BENCH_RUNTIME:-5}" \
	--env "POOL=${BENCH_POOL:-16M}" --env "PAGES=${BENCH_PAGES:-262144}" \
	--env "SMALL_MB=${BENCH_SMALL_MB:-4}" --env "BIG_MB=${BENCH_BIG_MB:-256}" \
	--env "MD_FILES=${BENCH_MD_FILES:-10000}" --env "MD_DIRS=${BENCH_MD_DIRS:-1 100}" \
	--env "PHASES=${BENCH_PHASES:-data meta}" \
	-- sh tests/contigfs/bench-guest.sh
echo "$(pgrep -c qemu-system) QEMU processes running after"
grep -E "^(data|meta): " "$LOGS/guest/guest.log"
# data WS RW TARGET RUN IOPS KB/S BUSY0 IDLE0 BUSY1 IDLE1 HITS MISSES
# meta FS DIRS RUN STEP RATE BUSY PER_BUSY_CPU SECONDS
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
# Median of column c of key k; lo and hi get min and max.
function stats(k, c,   i, m, a) {
	m = n[k]
	for (i = 1; i <= m; i++) a[i] = v[k, c, i]
	sort(a, m)
	lo = a[1]; hi = a[m]
	return m ? median(a, m) : 0
}
function ratio(x, y) { return y ? sprintf("%.2f", x / y) : "-" }
function add(k, c1, c2, c3) {
	i = ++n[k]; v[k, 1, i] = c1; v[k, 2, i] = c2; v[k, 3, i] = c3
}
$1 == "data" {
	busy = ($10 - $8) / (($10 - $8) + ($11 - $9))
	k = $2 " " $3 " " $4
	add(k, $6, $7 / 1024, busy > 0 ? $6 / busy : 0)
	hits[k] += $12; misses[k] += $13
	if (!($2 in seen)) { seen[$2] = 1; ws[++nws] = $2 }
}
$1 == "meta" {
	k = $2 " " $3 " " $5
	# A sync is one call: its time in ms, not a rate.
	if ($5 ~ /^sync/) add(k, $9 * 1000, 0, 0)
	else add(k, $6, $8, 0)
	if (!($3 in dseen)) { dseen[$3] = 1; dirs[++nd] = $3 }
}
END {
	split("read write randread randwrite", rws)
	split("cfs-psync raw-direct raw-buffered cfs-mmap raw-mmap", tg)
	for (w = 1; w <= nws; w++) {
		printf "\n%s MiB working set: IOPS min / median / max, MB/s and IOPS per busy CPU (medians), pool hits/misses\n", ws[w]
		for (r = 1; r <= 4; r++) {
			for (t = 1; t <= 5; t++) {
				k = ws[w] " " rws[r] " " tg[t]
				if (!n[k]) continue
				med[k] = stats(k, 1); mlo = lo; mhi = hi
				mb = stats(k, 2); pc = stats(k, 3)
				printf "%-9s %-12s %2d runs %8.0f %8.0f %8.0f %8.1f MB/s %8.0f /CPU %s/%s\n",
					rws[r], tg[t], n[k], mlo, med[k], mhi, mb, pc,
					hits[k], misses[k]
			}
			p = ws[w] " " rws[r] " "
			printf "%-9s contigfs/raw: psync vs direct %s, vs buffered %s; mmap %s\n", rws[r],
				ratio(med[p "cfs-psync"], med[p "raw-direct"]),
				ratio(med[p "cfs-psync"], med[p "raw-buffered"]),
				ratio(med[p "cfs-mmap"], med[p "raw-mmap"])
		}
	}
	split("create sync-create stat-warm stat-cold unlink sync-unlink", steps)
	for (d = 1; d <= nd; d++) {
		printf "\nmetadata, %s directories: ops/s (sync: ms) min / median / max, per busy CPU (median)\n", dirs[d]
		for (s = 1; s <= 6; s++) {
			kc = "contigfs " dirs[d] " " steps[s]
			ke = "ext4 " dirs[d] " " steps[s]
			if (!n[kc]) continue
			c = stats(kc, 1); clo = lo; chi = hi; cp = stats(kc, 2)
			e = stats(ke, 1); elo = lo; ehi = hi; ep = stats(ke, 2)
			printf "%-11s contigfs %7.0f %7.0f %7.0f (%6.0f/CPU)  ext4 %7.0f %7.0f %7.0f (%6.0f/CPU)  contigfs/ext4 %s\n",
				steps[s], clo, c, chi, cp, elo, e, ehi, ep, ratio(c, e)
		}
	}
}' "$LOGS/guest/guest.job/out/bench.txt"
