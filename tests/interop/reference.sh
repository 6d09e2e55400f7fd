#!/bin/sh
# Baseline interoperability run: two guests running KERNEL load upstream siw
# on the private link; unmodified perftest, rping and fio between them must
# succeed. Prints the figures every later performance claim is compared with.
#   reference.sh stock|debug
. "$(dirname "$0")/../lib/host.sh"
kernel=$1
scale=1
[ "$kernel" = debug ] && scale=5

set -- --env "FLASHNET_KMOD_DIR=$KMOD" --env "ITERS_SCALE=$scale"
if [ "$kernel" = stock ]; then
	kdir=$("$VM" kernel stock | sed -n 's/^build //p')
	ref=$(tools/kernel/build-siw-reference.sh "$kdir") || fail "no siw reference build"
	set -- "$@" --env "FLASHNET_SIW_REFERENCE=$ref"
fi
expect_status 0 "$VM" pair --kernel "$kernel" --timeout 1500 --log-dir "$LOGS" "$@" \
	--server "sh tests/interop/reference-guest.sh" \
	--client "sh tests/interop/reference-guest.sh"

res=$LOGS/client.job/out
grep -q "rdma-ping" "$res/rping.txt" || fail "rping printed no verified data"
for f in fio_write fio_write_back; do
	grep -q "io=16.0MiB" "$LOGS/$( [ $f = fio_write ] && echo client || echo server).job/out/$f.txt" ||
		fail "$f did not move 16 MiB"
done
{
	echo "reference figures, upstream siw <-> upstream siw, $kernel kernel, TCG"
	for t in read_bw_4k read_bw_64k write_bw_4k write_bw_64k send_bw_4k; do
		awk -v t=$t '$1 ~ /^[0-9]+$/ && NF >= 5 { printf "  %-13s %10s MB/s average\n", t, $4 }' "$res/$t.txt"
	done
	awk '$1 ~ /^[0-9]+$/ && NF >= 6 { printf "  %-13s %10s us typical (min %s, max %s)\n", "read_lat_4k", $5, $3, $4 }' "$res/read_lat_4k.txt"
} | tee "$LOGS/figures.txt"
[ "$(wc -l <"$LOGS/figures.txt")" -eq 7 ] || fail "perftest figures missing"
# perftest times with the TSC and intermittently prints 0.00 under TCG even
# though every work request completed (its exit status says so). That is a
# missing figure, not a failed transfer: say so rather than fail the run.
awk 'NR > 1 && $2 + 0 <= 0 { print "note: perftest could not time " $1 }' "$LOGS/figures.txt"
