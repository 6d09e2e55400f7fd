# Shared paths for the kernel scripts. Sourced, not run.
# Built kernels live outside the repository so a fresh clone reuses them.
FLASHNET_CACHE=${FLASHNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flashnet}
LINUX_SOURCE_TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

linux_source_version() {
	dpkg-query -W -f '${Version}' linux-source-6.1
}

# Extracted once per linux-source package version; echoes the directory.
linux_source_dir() {
	local ver dir
	ver=$(linux_source_version) || return 1
	dir=$FLASHNET_CACHE/src/linux-source-$ver
	if [ ! -e "$dir/.extracted" ]; then
		mkdir -p "$dir.tmp" || return 1
		tar -C "$dir.tmp" --strip-components=1 -xJf "$LINUX_SOURCE_TARBALL" || return 1
		rm -rf "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.extracted" || return 1
	fi
	echo "$dir"
}

# The release modules built against KDIR will load into (vermagic). Debian's
# headers put the upstream version in kernel.release, so read UTS_RELEASE.
kdir_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null | grep . || {
		echo "$1 is not a configured kernel build tree" >&2
		return 1
	}
}
