#!/bin/sh
# make demo: two QEMU guests on a private link run unmodified RDMA tools
# against each other. Today both ends are upstream siw (the reference peer
# every FlashNet figure will be compared with); the demo grows with the
# modules.
#   demo.sh CMAKE_BUILD_DIR
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
vm=$1/tools/vm/flashnet-vm
logs=$root/build/logs/demo
kernel=stock
release=$("$vm" kernel $kernel | sed -n 's/^release //p')
ref=$("$root/tools/kernel/build-siw-reference.sh" "/lib/modules/$release/build") || exit 1
rm -rf "$logs"

cat <<EOT
FlashNet demo
  Two guests ($kernel kernel $release, QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p'), $("$vm" probe-kvm 2>/dev/null))
  joined by a private UDP link: server 10.77.0.1, client 10.77.0.2.
  Each loads upstream siw (software iWARP) on that link; the client runs
  unmodified perftest, rping (data verified) and fio's rdma engine against
  the server. This takes a few minutes under TCG.

EOT
cd "$root" || exit 1
"$vm" pair --kernel $kernel --timeout 1200 --log-dir "$logs" --quiet \
	--env "FLASHNET_KMOD_DIR=$root/build/kmod" --env "FLASHNET_SIW_REFERENCE=$ref" \
	--env ITERS_SCALE=2 \
	--server "sh tests/interop/reference-guest.sh" \
	--client "sh tests/interop/reference-guest.sh" 2>"$logs.err"
status=$?
res=$logs/client.job/out
if [ $status -ne 0 ]; then
	cat "$logs.err"
	echo "demo FAILED (status $status); console logs in $logs"
	exit 1
fi
printf '%-28s %s\n' "operation (client -> server)" "result"
for t in read_bw_4k read_bw_64k write_bw_4k write_bw_64k send_bw_4k; do
	awk -v t=$t '$1 ~ /^[0-9]+$/ && NF >= 5 {
		printf "%-28s %8s MB/s average over %s messages\n", t, $4, $2 }' "$res/$t.txt"
done
awk '$1 ~ /^[0-9]+$/ && NF >= 6 {
	printf "%-28s %8s us typical, %s us min\n", "read_lat_4k", $5, $3 }' "$res/read_lat_4k.txt"
printf '%-28s %s\n' "rping, 20 x 4 KiB" "$(grep -c 'ping data' "$res/rping.txt") pings verified"
# fio's summary line: "WRITE: bw=7308KiB/s (7483kB/s), ..., io=16.0MiB (16.8MB), run=..."
fio_summary() {
	sed -n 's/.*WRITE: \(bw=[^ ]*\).*\(io=[^ ]*\).*/\2 at \1/p' "$1" | head -1
}
printf '%-28s %s\n' "fio rdma write, client->server" "$(fio_summary "$res/fio_write.txt")"
printf '%-28s %s\n' "fio rdma write, server->client" \
	"$(fio_summary "$logs/server.job/out/fio_write_back.txt")"
echo
echo "Absolute numbers under TCG are small and noisy; see README.md. Logs: $logs"
