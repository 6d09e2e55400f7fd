#!/bin/sh
# Upstream siw, built out of tree from Debian's linux-source-6.1 against a
# kernel that lacks it (Debian's stock kernel has no CONFIG_RDMA_SIW): the
# interoperability reference peer. Cached; prints the directory with siw.ko.
#   build-siw-reference.sh KDIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
kdir=$1
release=$(kdir_release "$kdir")
key=$( { cat "$0"; linux_source_version; } | sha256sum | cut -c1-12)
out=$FLASHNET_CACHE/siw-reference/$release-$key
if [ ! -e "$out/siw.ko" ]; then
	src=$(linux_source_dir)
	rm -rf "$out"
	mkdir -p "$out"
	cp "$src"/drivers/infiniband/sw/siw/* "$out/"
	make -C "$kdir" M="$out" CONFIG_RDMA_SIW=m -j"$(nproc)" modules >&2
fi
echo "$out"
