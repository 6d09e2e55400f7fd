#!/bin/bash
# Build (once) a kernel from Debian's linux-source-6.1: `make tinyconfig` plus
# a fragment, cached under $FLASHNET_CACHE/kernels/<name>-<hash>, where the
# hash covers the fragment, the source package version and this script.
# Prints the cache directory, which holds:
#   bzImage        the kernel
#   build/         the O= tree (KDIR for out-of-tree modules)
#   modules/       INSTALL_MOD_PATH (lib/modules/<release>/...)
#   release        `make kernelrelease`
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

fragment=${1:-$here/debug.config}
name=$(basename "$fragment" .config)
jobs=${JOBS:-$(nproc)}

key=$( { cat "$fragment" "$0"; linux_source_version; } | sha256sum | cut -c1-16)
out=$FLASHNET_CACHE/kernels/$name-$key
if [ -e "$out/.complete" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$FLASHNET_CACHE/kernels"
exec 9>"$FLASHNET_CACHE/kernels/.lock-$name-$key"
flock 9
[ -e "$out/.complete" ] && { echo "$out"; exit 0; }

src=$(linux_source_dir)
log=$FLASHNET_CACHE/kernels/$name-$key.log
echo "building $name kernel into $out (log: $log)" >&2
rm -rf "$out"
mkdir -p "$out/build"
{
	make -C "$src" O="$out/build" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out/build" "$out/build/.config" "$fragment"
	make -C "$src" O="$out/build" olddefconfig
} >"$log" 2>&1 || { echo "config failed, see $log" >&2; exit 1; }

# Refuse a kernel that silently lost a requested option (unmet dependency).
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	sym=${want#\# }; sym=${sym%%[= ]*}
	got=$(grep -E "^($sym=|# $sym is not set)" "$out/build/.config" || true)
	if [ "$want" != "$got" ]; then
		if [ "${want#\#}" != "$want" ] && [ -z "$got" ]; then
			continue	# "not set" and absent mean the same
		fi
		echo "config: wanted '$want', got '${got:-<absent>}'" >&2
		missing=1
	fi
done <"$fragment"
[ $missing = 0 ] || exit 1

if ! make -C "$src" O="$out/build" -j"$jobs" bzImage modules >>"$log" 2>&1; then
	tail -30 "$log" >&2
	echo "kernel build failed, see $log" >&2
	exit 1
fi
make -C "$src" O="$out/build" INSTALL_MOD_PATH="$out/modules" \
	modules_install >>"$log" 2>&1
make -s -C "$src" O="$out/build" kernelrelease >"$out/release"
cp "$out/build/arch/x86/boot/bzImage" "$out/bzImage"
touch "$out/.complete"
echo "$out"
