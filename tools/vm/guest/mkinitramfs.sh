#!/bin/sh
# Build the guest initramfs for one kernel: static busybox, guest/init, and
# the modules that kernel needs before it can mount the host root (virtio,
# 9p, overlay). Built-in drivers simply produce no module.
#   mkinitramfs.sh RELEASE MODULES_BASE OUT
# MODULES_BASE is "" for kernels installed under /lib/modules, else the
# INSTALL_MOD_PATH that holds lib/modules/RELEASE.
set -eu
release=$1 base=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
boot_modules="virtio_pci virtio_blk virtio_net 9pnet_virtio 9p overlay"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/lower" \
	"$tmp/rw" "$tmp/newroot" "$tmp/modules"
cp /bin/busybox "$tmp/bin/busybox"
for app in sh mount umount mkdir insmod switch_root cat echo sleep poweroff \
	hostname ip uname; do
	ln -s busybox "$tmp/bin/$app"
done

# shellcheck disable=SC2086
modprobe ${base:+-d "$base"} -S "$release" -a --show-depends $boot_modules |
	awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
	while read -r ko; do
		name=$(basename "$ko")
		case $name in
		*.ko.xz) xz -dc "$ko" >"$tmp/modules/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$ko" >"$tmp/modules/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$ko" "$tmp/modules/$name" ;;
		esac
		echo "$name" >>"$tmp/modules/order"
	done
touch "$tmp/modules/order"

cp "$here/init" "$tmp/init"
chmod +x "$tmp/init"
# Tests build concurrently: write privately, publish by atomic rename.
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.$$"
mv "$out.$$" "$out"
