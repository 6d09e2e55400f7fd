#!/bin/sh
# Benchmark (not part of make check): write amplification of the salsa
# target from its own counters, WA = (user + gc flash pages) / user flash
# pages over the measured window, under fio's skewed random overwrites,
# at 28 % and 7 % overprovisioning with one and four streams, next to the
# theoretical optimum of a hot/cold separation for that skew and OP. One
# guest per point, on fresh disks.
#   bench-wa.sh [stock|debug]
#   env: BENCH_DISK_MB (per member, 128), BENCH_SEG (1M), BENCH_POOL (16M),
#        BENCH_PRE / BENCH_MEASURE (capacities overwritten, 2 / 2),
#        BENCH_POINTS ("distribution op streams theory" lines)
# The DRAM pool absorbs some overwrites of hot pages (the pool hits
# column), so keep it small next to the capacity.
. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/lib-host.sh"
kernel=${1:-stock}
need_module "$kernel"
mb=${BENCH_DISK_MB:-128} seg=${BENCH_SEG:-1M} pool=${BENCH_POOL:-16M}

points=${BENCH_POINTS:-"zoned:80/20:20/80 28 1 1.96
zoned:80/20:20/80 28 4 1.96
zoned:80/20:20/80 7 1 5.5
zoned:80/20:20/80 7 4 5.5
zoned:95/20:5/80 28 1 1.54
zoned:95/20:5/80 28 4 1.54
zoned:95/20:5/80 7 1 3.8
zoned:95/20:5/80 7 4 3.8"}

echo "bench-wa: $kernel kernel, 2 x ${mb} MiB members, segment $seg, pool $pool," \
	"precondition fill + ${BENCH_PRE:-2} x capacity, measured over" \
	"${BENCH_MEASURE:-2} x capacity; logs in $LOGS"
table=$LOGS/wa.txt
printf '%-18s %4s %7s %6s %6s %8s %8s %10s %10s %9s\n' distribution op streams \
	WA theory segments capacity "user pgs" "gc pgs" "pool hits" | tee "$table"
n=0
echo "$points" >"$tmp/points"
while read -r dist op streams theory; do
	[ -n "$dist" ] || continue
	n=$((n + 1))
	dir=$LOGS/point-$n
	rm -f "$tmp"/flash*.img
	"$VM" run --kernel "$kernel" --timeout 5400 --quiet --log-dir "$dir" \
		--env "FLASHNET_KMOD_DIR=$KMOD" --env "BLKCHECK=$BLKCHECK" \
		--env "POINT=$dist $op $streams" --env "SEG=$seg" --env "POOL=$pool" \
		--env "PRE=${BENCH_PRE:-2}" --env "MEASURE=${BENCH_MEASURE:-2}" \
		--disk "$tmp/flash0.img:${mb}M" --disk "$tmp/flash1.img:${mb}M" \
		-- sh tests/salsa/bench-wa-guest.sh </dev/null 2>"$dir.err"
	status=$?
	res=$(sed -n 's/^bench-wa: RESULT //p' "$dir/guest.log")
	if [ $status -eq 0 ] && [ -n "$res" ]; then
		eval "$res"	# segments= capacity= user= gc= pool_hits=
		wa=$(awk -v u="$user" -v g="$gc" 'BEGIN { printf "%.2f", (u + g) / u }')
		# shellcheck disable=SC2154
		printf '%-18s %3s%% %7s %6s %6s %8s %8s %10s %10s %9s\n' "$dist" "$op" \
			"$streams" "$wa" "$theory" "$segments" "$capacity" "$user" "$gc" \
			"$pool_hits" | tee -a "$table"
	else
		why="failed (status $status)"
		grep -q "^bench-wa: STALLED" "$dir/guest.log" &&
			why="STALLED: $(sed -n 's/^bench-wa: STALLED in \([a-z]*\): .*\(free_segs=[^ ]*\).*/in \1, \2/p' "$dir/guest.log")"
		printf '%-18s %3s%% %7s %6s %6s %s\n' "$dist" "$op" "$streams" - \
			"$theory" "$why (log $dir/guest.log)" | tee -a "$table"
	fi
done <"$tmp/points"
echo "(theory: optimal hot/cold separation for that skew and OP; pages counted"
echo " by the target over the measured window; pool hits = overwrites absorbed"
echo " in DRAM there)"
