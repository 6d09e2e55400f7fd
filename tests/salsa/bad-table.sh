#!/bin/sh
# Bad salsa tables are refused cleanly: for every class of bad table (the
# line itself, missing or small members, a format on flash that does not
# match, a foreign file system) dmsetup create fails, the kernel log says
# precisely why, no device is left behind and the module keeps no
# reference. Positive controls: a good table works, reopening it keeps the
# data, rmmod is refused while a table is live and works once it is gone.
#   bad-table.sh stock|debug      (host: boots one guest)
#   bad-table.sh guest            (inside that guest)

if [ "${1:-}" != guest ]; then
	. "$(dirname "$0")/../lib/host.sh"
	kernel=${1:?stock or debug}
	# vda, vdb: a two-member salsa; vdc: too small; vdd: spare, then ext4.
	expect_status 0 "$VM" run --kernel "$kernel" --timeout 800 \
		--disk "$LOGS/a.img:64M" --disk "$LOGS/b.img:64M" \
		--disk "$LOGS/small.img:4M" --disk "$LOGS/d.img:64M" \
		--env "FLASHNET_KMOD_DIR=$KMOD" --log-dir "$LOGS" \
		-- sh "$0" guest
	exit 0
fi

. "$(dirname "$0")/../lib/guest.sh"
V=2097152	# virtual sectors: 1 GiB, larger than the flash (sparse)
NAME=salsa_bt
tmp=$(mktemp -d)
n=0

for d in vda:67108864 vdb:67108864 vdc:4194304 vdd:67108864; do
	[ "$(blockdev --getsize64 "/dev/${d%:*}")" = "${d#*:}" ] ||
		fail "/dev/${d%:*} is not ${d#*:} bytes"
done
modprobe dm_mod || fail "modprobe dm_mod"
ko=$(flashnet_kmod salsa-ftl/salsa_ftl.ko) || exit 1
for dep in $(modinfo -F depends "$ko" | tr , ' '); do
	modprobe "$dep" || fail "modprobe $dep (needed by salsa_ftl)"
done
insmod "$ko" || fail "insmod $ko"

# No udev here: dmsetup mknodes keeps /dev/mapper in step with the kernel
# after a remove. Under TCG every program costs time, so the checks after a
# refused table use shell built-ins where they can.
gone() {
	case " $(dmsetup ls) " in
	*[[:space:]]"$NAME"[[:space:]]*) return 1 ;;
	esac
	[ ! -e "/dev/mapper/$NAME" ]
}

# Nothing of a refused table may stay: no device, no module reference, no
# member held open.
left_nothing() {
	gone || fail "case $n ($what): $NAME left behind"
	read -r refs </sys/module/salsa_ftl/refcnt
	[ "$refs" = 0 ] || fail "case $n ($what): salsa_ftl has $refs reference(s)"
	for h in /sys/block/vd?/holders/*; do
		[ -e "$h" ] && fail "case $n ($what): member still held: $h"
	done
}

# refuse WHAT TABLE: dmsetup create must fail; the kernel's messages of the
# attempt land in $klog (the console log has everything).
refuse() {
	n=$((n + 1))
	what=$1
	dmesg -C
	if dmsetup create "$NAME" --table "$2" >/dev/null 2>&1; then
		fail "case $n ($what): created from '$2'"
	fi
	klog=$(dmesg)
	left_nothing
}

log_lacks() {
	printf '%s\n' "$klog" >&2
	fail "case $n ($what): kernel log lacks $1"
}

# expect_log PATTERN: the log of the last attempt matches (grep -iE).
expect_log() {
	printf '%s\n' "$klog" | grep -qiE -e "$1" || log_lacks "'$1'"
}

# bad_line TABLE_ARGS MESSAGE: the parser refuses the line with MESSAGE,
# and dm's own line reports -EINVAL (-22 without CONFIG_SYMBOLIC_ERRNAME).
bad_line() {
	refuse "$1" "0 $V salsa $1"
	case $klog in
	*"salsa: $2"*) ;;
	*) log_lacks "'salsa: $2'" ;;
	esac
	case $klog in
	*"salsa: "*"(-EINVAL)"* | *"salsa: "*"(-22)"*) ;;
	*) log_lacks "-EINVAL" ;;
	esac
}

# create TABLE: must succeed; sets $dev.
create() {
	n=$((n + 1))
	what=$1
	dmsetup create "$NAME" --table "$1" ||
		{ dmesg | tail -20; fail "case $n: cannot create from '$1'"; }
	dmsetup mknodes "$NAME"
	dev=/dev/mapper/$NAME
	[ -b "$dev" ] || fail "case $n: no $dev"
	[ "$(blockdev --getsz "$dev")" = "$V" ] || fail "case $n: size of $dev"
}

remove() {
	dmsetup remove "$NAME" || fail "case $n: dmsetup remove $NAME"
	dmsetup mknodes
	gone || fail "case $n: $NAME still there after remove"
}

# The table line itself (messages from table.c).
V=2097156
bad_line "/dev/vda" "virtual size 2097156 sectors: must be a non-zero multiple of 8 sectors (4 KiB pages)"
V=2097152
bad_line "" "devices: at least one member device must come before the options"
bad_line "op=20" "op=20: at least one member device must come before the options"
bad_line "$(for i in $(seq 0 16); do printf '/dev/m%s ' "$i"; done)" \
	"/dev/m16: too many member devices (at most 16)"
bad_line "/dev/vda /dev/vda" "/dev/vda: a member device is listed twice"
# The same member by another name: only the opened devices can tell.
read -r vda_mm </sys/block/vda/dev
bad_line "/dev/vda $vda_mm" "devices: a member device is listed twice"
case $klog in
*"members 0 (/dev/vda) and 1 ($vda_mm) are the same device"*) ;;
*) log_lacks "the two names of one member" ;;
esac
bad_line "/dev/vda op=20 /dev/vdb" "/dev/vdb: expected key=value (member devices come first)"
bad_line "/dev/vda foo=1" "foo=1: unknown key (op, segment_size, pool_size, streams, gc_low, gc_high, format)"
bad_line "/dev/vda op=20 op=30" "op=30: each key may be given once"
bad_line "/dev/vda op=95" "op=95: overprovisioning must be 2..90 %"
bad_line "/dev/vda op=1" "op=1: overprovisioning must be 2..90 %"
bad_line "/dev/vda op=" "op=: empty value; overprovisioning must be 2..90 %"
bad_line "/dev/vda op=abc" "op=abc: not a decimal number; overprovisioning"
bad_line "/dev/vda op=20%" "op=20%: trailing characters after the number; overprovisioning"
bad_line "/dev/vda op=18446744073709551636" "op=18446744073709551636: number too large; overprovisioning"
seg="segment size must be a multiple of 4K from 64K to 1G"
bad_line "/dev/vda segment_size=60K" "segment_size=60K: $seg"
bad_line "/dev/vda segment_size=66K" "segment_size=66K: $seg"
bad_line "/dev/vda segment_size=2G" "segment_size=2G: $seg"
bad_line "/dev/vda segment_size=64x" "segment_size=64x: unknown size suffix; $seg"
pool="DRAM pool size must be a multiple of 4K from 1M to 16G"
bad_line "/dev/vda pool_size=1020K" "pool_size=1020K: $pool"
bad_line "/dev/vda pool_size=17G" "pool_size=17G: $pool"
bad_line "/dev/vda pool_size=1048577" "pool_size=1048577: $pool"
bad_line "/dev/vda streams=0" "streams=0: number of data streams must be 1..8"
bad_line "/dev/vda streams=9" "streams=9: number of data streams must be 1..8"
bad_line "/dev/vda gc_low=0" "gc_low=0: GC start threshold must be 1..50 % free segments"
bad_line "/dev/vda gc_low=51" "gc_low=51: GC start threshold must be 1..50 % free segments"
bad_line "/dev/vda gc_low=15" "gc_low=15: GC start threshold must be 1..50 % free segments, below gc_high (gc_high is 15)"
bad_line "/dev/vda gc_high=81" "gc_high=81: GC stop threshold must be above gc_low and at most 80 % free segments"
bad_line "/dev/vda gc_low=30 gc_high=20" "gc_high=20: GC stop threshold must be above gc_low and at most 80 % free segments (gc_low is 30)"
bad_line "/dev/vda format=2" "format=2: must be 0 or 1"
bad_line "/dev/vda format=yes" "format=yes: not a decimal number; must be 0 or 1"

# Members that cannot serve (messages from target.c and metadata.c).
refuse "missing member" "0 $V salsa /dev/vda /dev/nonexistent"
expect_log member
refuse "too small" "0 $V salsa /dev/vdc"
expect_log "too small"
refuse "too small, format=1" "0 $V salsa /dev/vdc format=1"
expect_log "too small"

# A good table works and keeps its data across a reopen; rmmod waits for it.
good="0 $V salsa /dev/vda /dev/vdb segment_size=256K"
create "$good"
dd if=/dev/urandom of="$tmp/pattern" bs=64k count=16 status=none
dd if="$tmp/pattern" of="$dev" bs=64k seek=128 oflag=direct conv=fsync \
	status=none || fail "write the pattern"
if rmmod salsa_ftl 2>/dev/null; then
	fail "rmmod salsa_ftl succeeded with a live table"
fi
[ -d /sys/module/salsa_ftl ] || fail "salsa_ftl gone with a live table"
remove
verify() {
	dd if="$dev" bs=64k skip=128 count=16 iflag=direct status=none |
		cmp -s - "$tmp/pattern" || fail "case $n: data differs after $1"
}
create "$good"
verify "reopening the same table"
remove
create "0 $V salsa /dev/vda /dev/vdb"
verify "reopening without segment_size (as formatted)"
remove

# The format on flash must match the table; a refused open changes nothing.
refuse "other segment size" "0 $V salsa /dev/vda /dev/vdb segment_size=512K"
expect_log segment
refuse "members swapped" "0 $V salsa /dev/vdb /dev/vda"
expect_log member
refuse "second member missing" "0 $V salsa /dev/vda"
expect_log member
refuse "first member missing" "0 $V salsa /dev/vdb"
expect_log member
refuse "extra member" "0 $V salsa /dev/vda /dev/vdb /dev/vdd"
expect_log member
create "$good"
verify "the refused opens"

# Statistics in debugfs while the table is live: the status line's counters
# one per line, reset by the message, and a row per segment.
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug ||
	fail "mount debugfs"
dbg=/sys/kernel/debug/salsa_ftl/$NAME
stat_of() {	# stat_of FILE|status KEY
	if [ "$1" = status ]; then
		dmsetup status "$NAME" | tr ' ' '\n'
	else
		cat "$1"
	fi | sed -n "s/^$2=//p"
}
[ -r "$dbg/stats" ] || fail "no $dbg/stats"
dmsetup message "$NAME" 0 reset_counters || fail "reset_counters"
[ "$(stat_of "$dbg/stats" host_writes)" = 0 ] ||
	fail "host_writes not reset: $(cat "$dbg/stats")"
dd if="$tmp/pattern" of="$dev" bs=4k count=16 seek=4096 oflag=direct \
	status=none || fail "write 16 pages"
for key in host_writes user_flash free_segs mapped stream0 dev0_writes; do
	a=$(stat_of "$dbg/stats" $key) b=$(stat_of status $key)
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "debugfs $key=$a, status $key=$b"
done
[ "$(stat_of "$dbg/stats" host_writes)" = 16 ] ||
	fail "host_writes after 16 pages: $(stat_of "$dbg/stats" host_writes)"
segs=$(stat_of status free_segs)
[ $(($(wc -l <"$dbg/segments") - 1)) = "${segs#*/}" ] ||
	fail "$dbg/segments has not one row per segment ($segs)"
dmsetup suspend "$NAME" || fail "suspend"
[ ! -e "$dbg" ] || fail "$dbg stays while suspended"
dmsetup resume "$NAME" || fail "resume"
[ -r "$dbg/stats" ] || fail "$dbg not back after resume"

# A reload would build a second map of the same members while the live
# table writes: refused, and the live table keeps working.
n=$((n + 1))
what="reload"
dmesg -C
dmsetup reload "$NAME" --table "$good" 2>/dev/null && fail "case $n: reload accepted"
case $(dmesg) in
*"belongs to a live salsa table"*) ;;
*) klog=$(dmesg); log_lacks "'belongs to a live salsa table'" ;;
esac
dmsetup clear "$NAME"
verify "a refused reload"
remove
[ ! -e "$dbg" ] || fail "$dbg left after remove"

# A foreign file system is kept unless format=1 says otherwise.
mkfs.ext4 -q -F /dev/vdd || fail "mkfs.ext4"
refuse "ext4 on the member" "0 $V salsa /dev/vdd"
expect_log "not a salsa superblock|format=1"
[ "$(blkid -p -o value -s TYPE /dev/vdd)" = ext4 ] ||
	fail "the refused open damaged the ext4 on /dev/vdd"
create "0 $V salsa /dev/vdd format=1"
dd if="$tmp/pattern" of="$dev" bs=64k seek=128 oflag=direct conv=fsync \
	status=none || fail "write after format=1"
verify "format=1 over ext4"
remove
blkid -p /dev/vdd | grep -q ext4 && fail "ext4 still on /dev/vdd after format=1"

# format=1 also replaces a salsa format that does not match.
create "0 $V salsa /dev/vda /dev/vdb segment_size=512K format=1"
remove

rmmod salsa_ftl || fail "rmmod salsa_ftl after every table is gone"
[ ! -d /sys/module/salsa_ftl ] || fail "salsa_ftl still loaded"
echo "bad-table: $n cases passed"
