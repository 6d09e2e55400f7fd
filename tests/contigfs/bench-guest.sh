#!/bin/sh
# Guest half of bench.sh. Data: a contigfs file on salsa "cfs"
# (/dev/nullb0) against the raw salsa device "raw" (/dev/nullb1, the same
# table), fio psync and mmap, interleaved, RUNS times; a SMALL_MB working
# set (inside the pool) and a BIG_MB one (beyond it). Metadata:
# flashnet-metabench on contigfs and on ext4, each on a fresh salsa device
# of the same table over /dev/nullb0, interleaved.
#   env: CFS_TOOLS, FLASHNET_KMOD_DIR, BLKCHECK (unused), RUNS, RUNTIME,
#        POOL, PAGES, SMALL_MB, BIG_MB, MD_FILES, MD_DIRS, PHASES
. tests/contigfs/lib-guest.sh

runs=${RUNS:-5} runtime=${RUNTIME:-5} pool=${POOL:-16M} pages=${PAGES:-262144}
small=${SMALL_MB:-4} big=${BIG_MB:-256}
files=${MD_FILES:-10000} layouts=${MD_DIRS:-1 100} phases=${PHASES:-data meta}
METABENCH=$TOOLS/tools/fstest/flashnet-metabench
out=$OUT/bench.txt
: >"$out"

busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
}

# Every run starts with clean pools and empty page caches.
settle() {
	sync
	for d in "$@"; do flush_dev "$d"; done
	echo 3 >/proc/sys/vm/drop_caches
}

# one WS RW TARGET RUN: one fio run; appends
# "data WS RW TARGET RUN IOPS KB/S BUSY0 IDLE0 BUSY1 IDLE1 HITS MISSES".
one() {
	ws=$1 rw=$2 target=$3 rep=$4
	case $rw in *rand*) bs=4k ;; *) bs=1M ;; esac
	case $target in
	cfs-*) f=$MNT/ws$ws dm=cfs ;;
	*) f=/dev/mapper/raw dm=raw ;;
	esac
	case $target in
	*-mmap) opts="--ioengine=mmap" ;;
	raw-direct) opts="--ioengine=psync --direct=1" ;;
	*) opts="--ioengine=psync" ;;
	esac
	settle /dev/mapper/cfs /dev/mapper/raw
	# invalidate=0: fio would drop the page cache each time it wraps.
	h0=$(salsa_stat $dm pool_hits) m0=$(salsa_stat $dm pool_misses)
	# shellcheck disable=SC2046
	set -- $(busy)
	b0=$1 i0=$2
	log=$OUT/fio-$ws-$rw-$target-$rep.txt
	# shellcheck disable=SC2086
	fio --name="$target" --filename="$f" --rw="$rw" --bs=$bs $opts \
		--size="${ws}M" --norandommap --randrepeat=0 --invalidate=0 --time_based \
		--runtime="$runtime" --ramp_time=1 --output-format=terse \
		--terse-version=3 </dev/null >"$log" 2>&1 ||
		fail "fio $ws MiB $rw $target run $rep: $(tail -n 5 "$log")"
	# shellcheck disable=SC2046
	set -- $(busy)
	h1=$(salsa_stat $dm pool_hits) m1=$(salsa_stat $dm pool_misses)
	r=$(awk -F';' 'NF > 50 { print $8 + $49, $7 + $48 }' "$log")
	echo "data $ws $rw $target $rep $r $b0 $i0 $1 $2 $((h1 - h0)) $((m1 - m0))" |
		tee -a "$out"
}

data_phase() {
	salsa_create raw "$pages" /dev/nullb1 pool_size="$pool" format=1
	cfs_fresh cfs "$pages" /dev/nullb0 pool_size="$pool"
	# Files and the raw regions are written once before any run.
	for ws in $small $big; do
		run truncate -s "${ws}M" "$MNT/ws$ws"
		for f in "$MNT/ws$ws" /dev/mapper/raw; do
			fio --name=fill --filename="$f" --rw=write --bs=1M \
				--size="${ws}M" --ioengine=psync --end_fsync=1 \
				</dev/null >"$OUT/fill.txt" 2>&1 ||
				fail "fill $f: $(tail -n 5 "$OUT/fill.txt")"
		done
	done
	echo "data: salsa $pages pages, pool $pool; working sets $small and" \
		"$big MiB; ${runtime} s per run, $runs runs"
	rep=1
	while [ $rep -le "$runs" ]; do
		for ws in $small $big; do
			# Writes first: salsa reads a page that is only on
			# flash for a bio straight from the member, without the
			# pool, so the raw device's pages are in the pool only
			# once written.
			for rw in write read randwrite randread; do
				for t in cfs-psync raw-direct raw-buffered cfs-mmap raw-mmap; do
					one $ws $rw $t $rep
				done
			done
		done
		rep=$((rep + 1))
	done
	salsa_status_dump cfs "after the data runs"
	salsa_status_dump raw "after the data runs"
	cfs_umount_fsck cfs
	salsa_remove cfs
	salsa_remove raw
}

# md FS DIRS RUN: a fresh salsa device with FS on it, flashnet-metabench;
# appends "meta FS DIRS RUN STEP RATE BUSY PER_BUSY_CPU SECONDS" per step.
md() {
	fs=$1 dirs=$2 rep=$3
	salsa_create md "$pages" /dev/nullb0 pool_size="$pool" format=1
	if [ "$fs" = contigfs ]; then
		run "$MKFS" -q /dev/mapper/md
	else
		run mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/md
	fi
	mkdir -p "$MNT"
	run mount -t "$fs" /dev/mapper/md "$MNT"
	log=$OUT/meta-$fs-$dirs-$rep.txt
	"$METABENCH" --dir "$MNT" --files "$files" --dirs "$dirs" \
		--steps create,sync,stat,drop,stat,unlink,sync >"$log" 2>&1 ||
		fail "metabench $fs $dirs: $(tail -n 5 "$log")"
	# The first stat finds the inodes cached, the second after a drop.
	awk -v fs=$fs -v d=$dirs -v r=$rep '
		{ s = $1; if (s == "stat") s = n++ ? "stat-cold" : "stat-warm"
		  if (s == "sync") s = m++ ? "sync-unlink" : "sync-create"
		  sub("seconds=", "", $5); sub("rate=", "", $6); sub("busy=", "", $7)
		  sub("per_busy_cpu=", "", $8)
		  print "meta", fs, d, r, s, $6, $7, $8, $5 }' "$log" | tee -a "$out"
	run umount "$MNT"
	salsa_remove md
}

meta_phase() {
	modprobe ext4 || fail "modprobe ext4"
	echo "meta: $files files, directories: $layouts; salsa $pages pages, pool $pool"
	rep=1
	while [ $rep -le "$runs" ]; do
		for dirs in $layouts; do
			md contigfs "$dirs" $rep
			md ext4 "$dirs" $rep
		done
		rep=$((rep + 1))
	done
}

cfs_load
for p in $phases; do
	${p}_phase
done
rmmod contigfs
salsa_unload
echo "contigfs bench: done"
