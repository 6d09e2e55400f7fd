#!/bin/sh
# Build FlashNet's kernel modules against one kernel, in a copy of the
# sources under OUT/<release> so builds for several kernels coexist and the
# source tree stays free of objects. Prints that directory.
#   build-modules.sh KDIR OUT [make arguments...]
set -eu
kdir=$1 out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"
release=$(kdir_release "$kdir")
dest=$(mkdir -p "$out/$release" && cd "$out/$release" && pwd)

# Copy only sources; keep objects from the previous build for speed.
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '*.mod*' \
	--exclude '.*.cmd' --exclude 'Module.symvers' --exclude 'modules.order' \
	--include 'Kbuild' --include 'include/***' --include 'siw-flash/***' \
	--include 'salsa-ftl/***' --include 'contigfs/***' \
	--include 'tests/' --include 'tests/kmod/***' --exclude '*' \
	"$root/" "$dest/"

make -C "$kdir" M="$dest" -j"$(nproc)" \
	CONFIG_SIW_FLASH=m CONFIG_SALSA_FTL=m CONFIG_CONTIGFS=m \
	CONFIG_FLASHNET_SELFTESTS=m "$@" modules >&2
echo "$dest"
