#!/bin/sh
# Every kernel source file is clean under checkpatch.pl --strict, taken from
# Debian's linux-source-6.1 (extracted once into the FlashNet cache).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tools/kernel/common.sh"
src=$(linux_source_dir) || exit 1
cd "$root" || exit 1
files=$(find siw-flash salsa-ftl contigfs include tests/kmod \
	\( -name '*.[ch]' -o -name Kbuild \) 2>/dev/null | sort)
files="Kbuild $files"
echo "checkpatch --strict on $(echo "$files" | wc -w) files"
# shellcheck disable=SC2086
"$src/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
	--terse -f $files
