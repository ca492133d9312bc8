#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT BUSYBOX MODULE TESTDIR [EXTRA_TESTDIR] [VMM] [KVMST]
#	[BASE_MODULE]
# Packs busybox, s2mmu.ko, the test programs (every executable of TESTDIR
# and EXTRA_TESTDIR, listed in /tests/list in that order), the example
# VMM and KVM's selftests (KVMST/bin in /kvm, run by KVMST/kvm_selftests,
# the last test) into a gzipped cpio archive.  BASE_MODULE, another build
# of the module, becomes /s2mmu-base.ko: benchmarks then run with both.
set -euo pipefail
out=$1 busybox=$2 module=$3 testdir=$4 extra=${5:-} vmm=${6:-} kvmst=${7:-}
base_module=${8:-}
top=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,proc,sys,dev,tmp,tests,tools,bench,kvm}
cp "$busybox" "$stage/bin/busybox"
cp "$module" "$stage/s2mmu.ko"
[ -z "$base_module" ] || cp "$base_module" "$stage/s2mmu-base.ko"
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
if [ -n "$kvmst" ]; then
	cp "$kvmst"/bin/* "$stage/kvm/"
	install -m 0755 "$kvmst/kvm_selftests" "$stage/tests/kvm_selftests"
	echo kvm_selftests >> "$stage/tests/list"
	printf '#!/bin/sh\nexec /tests/kvm_selftests --bench /kvm\n' \
		> "$stage/bench/kvm_selftests_bench"
	chmod 0755 "$stage/bench/kvm_selftests_bench"
fi
if [ -n "$vmm" ]; then
	for f in $vmm; do cp "$f" "$stage/tools/"; done
	# Benchmarks (*_bench, *_perf) run in `make vm-bench` mode.
	for f in "$stage"/tools/*_bench "$stage"/tools/*_perf; do
		[ -e "$f" ] || continue
		mv "$f" "$stage/bench/" && basename "$f" >> "$stage/bench/list"
	done
fi
[ ! -e "$stage/bench/kvm_selftests_bench" ] ||
	echo kvm_selftests_bench >> "$stage/bench/list"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(wc -l < "$stage/tests/list") tests)"
