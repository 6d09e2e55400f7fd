#!/bin/sh
# Power cut: data written and flushed to a virtio disk before the cut (raw,
# and as an fsynced file on ext4) is read back after booting again on the
# same disk file; cuts happen at a console marker and after a delay, and a
# cut that never comes is an error.
. "$(dirname "$0")/../lib/host.sh"

disk=$LOGS/flash.img
expect_status 0 "$VM" run --disk "$disk:64M" --cut-at-marker CUT-NOW \
	--log-dir "$LOGS/write" -- sh -c '
	dd if=/dev/urandom of=/tmp/pattern bs=1M count=8 status=none
	dd if=/tmp/pattern of=/dev/vda bs=1M oflag=direct conv=fsync status=none
	sha256sum </tmp/pattern >"$FLASHNET_OUT/sum"
	echo CUT-NOW
	sleep 1000'
grep -q "power cut at marker" "$LOGS/write/guest.log" || fail "no cut logged"
grep -q "FLASHNET-EXIT" "$LOGS/write/guest.log" && fail "guest ran past the cut"
sum=$(cat "$LOGS/write/guest.job/out/sum")
[ -n "$sum" ] || fail "no checksum from the first boot"

expect_status 0 "$VM" run --disk "$disk" --log-dir "$LOGS/verify" \
	--env "SUM=$sum" -- sh -c '
	got=$(dd if=/dev/vda bs=1M count=8 status=none | sha256sum)
	test "$got" = "$SUM"'

# The same through a file system: a file fsynced before the cut is intact.
fsdisk=$LOGS/fs.img
expect_status 0 "$VM" run --disk "$fsdisk:128M" --cut-at-marker CUT-NOW \
	--log-dir "$LOGS/fs-write" -- sh -c '
	mkfs.ext4 -q /dev/vda && mkdir /mnt/fs && mount /dev/vda /mnt/fs || exit 11
	dd if=/dev/urandom of=/mnt/fs/data bs=1M count=4 conv=fsync status=none
	sync -f /mnt/fs
	sha256sum </mnt/fs/data >"$FLASHNET_OUT/sum"
	echo CUT-NOW
	# Keep writing: the cut lands in the middle of unsynced work.
	while :; do dd if=/dev/urandom of=/mnt/fs/scratch bs=64k count=16 status=none; done'
sum=$(cat "$LOGS/fs-write/guest.job/out/sum")
[ -n "$sum" ] || fail "no checksum from the file system run"
expect_status 0 "$VM" run --disk "$fsdisk" --log-dir "$LOGS/fs-verify" \
	--env "SUM=$sum" -- sh -c '
	mkdir /mnt/fs && mount /dev/vda /mnt/fs || exit 11
	test "$(sha256sum </mnt/fs/data)" = "$SUM"'

expect_status 0 "$VM" run --disk "$disk" --cut-after 3 --log-dir "$LOGS/after" \
	-- sleep 1000
grep -q "power cut after 3 s" "$LOGS/after/guest.log" || fail "no timed cut"

expect_status 122 "$VM" run --cut-at-marker NEVER-PRINTED \
	--log-dir "$LOGS/nocut" -- true
