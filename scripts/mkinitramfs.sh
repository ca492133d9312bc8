#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT BUSYBOX MODULE TESTDIR [EXTRA_TESTDIR] [VMM]
# Packs busybox, s2mmu.ko, the test programs (every executable of TESTDIR
# and EXTRA_TESTDIR, listed in /tests/list in that order) and the example
# VMM into a gzipped cpio archive.
set -euo pipefail
out=$1 busybox=$2 module=$3 testdir=$4 extra=${5:-} vmm=${6:-}
top=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,proc,sys,dev,tmp,tests,tools,bench}
cp "$busybox" "$stage/bin/busybox"
cp "$module" "$stage/s2mmu.ko"
install -m 0755 "$top/scripts/vm-init.sh" "$stage/init"

add_tests() {
	local dir=$1 f
	for f in "$dir"/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		cp "$f" "$stage/tests/"
		basename "$f" >> "$stage/tests/list"
	done
}
touch "$stage/tests/list" "$stage/bench/list"
add_tests "$testdir"
[ -z "$extra" ] || add_tests "$extra"
if [ -n "$vmm" ]; then
	for f in $vmm; do cp "$f" "$stage/tools/"; done
	for f in "$stage"/tools/*_bench; do
		[ -e "$f" ] || continue
		mv "$f" "$stage/bench/" && basename "$f" >> "$stage/bench/list"
	done
fi
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(wc -l < "$stage/tests/list") tests)"
