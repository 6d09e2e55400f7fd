# Sourced inside guests by the salsa tests: loading the target, tables and
# the counters of `dmsetup status`.
. tests/lib/guest.sh

BLKCHECK=${BLKCHECK:?BLKCHECK must name flashnet-blkcheck}
OUT=${FLASHNET_OUT:-/tmp}

# Runs a command, echoing it first; fails the test naming it if it fails.
run() {
	echo "+ $*"
	"$@" || fail "exit status $? from: $*"
}

# insmod resolves no dependencies: load what modinfo lists (dm_mod,
# libcrc32c) first.
salsa_load() {
	ko=$(flashnet_kmod salsa-ftl/salsa_ftl.ko) || exit 1
	for dep in dm_mod $(modinfo -F depends "$ko" | tr ',' ' '); do
		modprobe "$dep" || fail "modprobe $dep (salsa_ftl.ko needs it)"
	done
	insmod "$ko" || fail "insmod $ko"
}

salsa_unload() {
	rmmod salsa_ftl || fail "rmmod salsa_ftl (still in use?)"
}

# salsa_create NAME PAGES DEV... [key=value...]: a table of PAGES 4 KiB pages.
salsa_create() {
	name=$1 pages=$2
	shift 2
	table="0 $((pages * 8)) salsa $*"
	echo "+ dmsetup create $name --table \"$table\""
	dmsetup create "$name" --table "$table" ||
		fail "dmsetup create $name --table '$table' failed"
	# Guests run no udev: dmsetup makes the node itself.
	dmsetup mknodes "$name"
	[ -b "/dev/mapper/$name" ] || fail "/dev/mapper/$name did not appear"
	echo "  status: $(dmsetup status "$name")"
}

salsa_remove() {
	echo "+ dmsetup remove $1"
	dmsetup remove "$1" || fail "dmsetup remove $1"
	dmsetup mknodes
}

# salsa_stat NAME KEY: one counter of `dmsetup status NAME` (key=value
# pairs). For a/b values (free_segs, mapped) the a part; salsa_stat_total
# gives the b part.
salsa_stat() {
	v=$(dmsetup status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p")
	[ -n "$v" ] || fail "no '$2=' in the status of $1: $(dmsetup status "$1")"
	echo "${v%%/*}"
}

salsa_stat_total() {
	v=$(dmsetup status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p")
	case $v in
	*/*) echo "${v#*/}" ;;
	*) fail "'$2' in the status of $1 is not a/b: $v" ;;
	esac
}

# The whole status, one key=value per line, for the record.
salsa_status_dump() {
	echo "status of $1 ($2):"
	dmsetup status "$1" | tr ' ' '\n' | grep = | sed 's/^/  /'
}

# A cache flush (fsync of the block device: REQ_PREFLUSH down the stack).
flush_dev() {
	dd if=/dev/null of="$1" conv=fsync,notrunc status=none ||
		fail "fsync of $1"
}
