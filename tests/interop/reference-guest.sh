#!/bin/sh
# Runs in both guests of a pair (role in $FLASHNET_ROLE): unmodified
# perftest, rping and fio between two guests over upstream siw. Every step
# has its own port so a client can only ever reach its own server.
# ITERS_SCALE divides iteration counts (slow kernels).
. tests/lib/guest.sh
. tests/lib/pair-step.sh
load_siw_reference eth0
ibv_devinfo -d siw0 | grep -q "transport:.*iWARP" || fail "siw0 is not iWARP"

srv=$FLASHNET_SERVER_IP
out=$FLASHNET_OUT
scale=${ITERS_SCALE:-1}
port=19000

# Bandwidth tests need more iterations than perftest's TX depth (128), or
# it reports 0.00, and a multiple of its completion moderation (100), or
# the last unsignalled work requests are never reaped and both sides hang.
iters() {
	n=$(($1 / scale / 100 * 100))
	[ $n -ge 200 ] || n=200
	echo $n
}

perf="-d siw0 -R -F -p @PORT@"
step read_bw_4k "ib_read_bw $perf -s 4096 -n $(iters 2000) @CLIENT \$SRV@"
step read_bw_64k "ib_read_bw $perf -s 65536 -n $(iters 500) @CLIENT \$SRV@"
step write_bw_4k "ib_write_bw $perf -s 4096 -n $(iters 2000) @CLIENT \$SRV@"
step write_bw_64k "ib_write_bw $perf -s 65536 -n $(iters 500) @CLIENT \$SRV@"
step send_bw_4k "ib_send_bw $perf -s 4096 -n $(iters 2000) @CLIENT \$SRV@"
step read_lat_4k "ib_read_lat $perf -s 4096 -n $((500 / scale)) @CLIENT \$SRV@"
# rping -V checks every ping's payload on both sides.
step rping "rping @SERVER-s@@CLIENT-c@ -a $srv -p @PORT@ -C 20 -S 4096 -v -V"
fio="fio --ioengine=rdma --port=@PORT@ --bs=64k --size=16m --iodepth=4"
step fio_write "$fio --name=fio_write @SERVER--rw=read@@CLIENT--rw=write --hostname=\$SRV --verb=write@"
# The other direction with the roles swapped: the server guest writes into
# the client guest. (fio's server side never finishes a verb=read run.)
CONNECTS=server step fio_write_back "$fio --name=fio_write_back @CLIENT--rw=read@@SERVER--rw=write --hostname=$FLASHNET_CLIENT_IP --verb=write@"
echo "all reference steps passed ($FLASHNET_ROLE)"
