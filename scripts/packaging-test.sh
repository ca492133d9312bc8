#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The packaging as Documentation/packaging.rst describes it, checked into
# a staging root: make install / make uninstall, modinfo's fields, a VMM
# build against the installed uapi header, and dkms add/build against
# the fetched arm64 headers (dkms pointed at private trees, cross
# compiling).  Prints TAP and a RESULT line.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${S2MMU_CACHE:-$top/.cache}
kdir=$(sed -n 's/^S2MMU_KDIR := //p' "$cache/env.mk")
out=$top/build/packaging
root=$out/root
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0 n=0

check() {	# check NAME LOG CMD...
	local name=$1 log=$2
	shift 2
	n=$((n + 1))
	if "$@" > "$log" 2>&1; then
		echo "ok $n packaging: $name"
		passed=$((passed + 1))
	else
		echo "not ok $n packaging: $name (see $log)"
		tail -n 15 "$log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

krel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
ko=$root/lib/modules/$krel/extra/s2mmu.ko
hdr=$root/usr/local/include/linux/s2mmu.h

installed() {
	make -C "$top" install DESTDIR="$root" && test -f "$ko" && test -f "$hdr"
}
check "make install DESTDIR= puts s2mmu.ko in lib/modules/$krel/extra and linux/s2mmu.h in usr/local/include" \
	"$out/install.log" installed

modinfo_fields() {
	local f
	modinfo "$ko" || return 1
	for f in description author license version parm; do
		modinfo -F "$f" "$ko" | grep -q . || { echo "no $f"; return 1; }
	done
	[ "$(modinfo -F license "$ko")" = GPL ] &&
		modinfo -F parm "$ko" | grep -q '^hw_tlbi:' || return 1
	# Every parameter is on packaging.rst's modinfo listing.
	for f in $(modinfo -F parm "$ko" | sed 's/:.*//'); do
		grep -q "^    parm: *$f:" "$top/Documentation/packaging.rst" ||
			{ echo "$f: not in Documentation/packaging.rst"; return 1; }
	done
}
check "modinfo shows description, author, license, version, parameters (each in packaging.rst)" \
	"$out/modinfo.log" modinfo_fields

vmm_build() {
	cat > "$out/vmm.c" <<-'EOF'
	#include <linux/s2mmu.h>
	#include <sys/ioctl.h>
	int main(void)
	{
		struct s2mmu_userspace_memory_region r = { .slot = 0 };

		return ioctl(0, S2MMU_SET_USER_MEMORY_REGION, &r) +
		       ioctl(0, S2MMU_CREATE_VM, S2MMU_IPA_BITS_DEFAULT);
	}
	EOF
	aarch64-linux-gnu-gcc -Wall -Werror -I"$root/usr/local/include" \
		-c "$out/vmm.c" -o "$out/vmm.o"
}
check "a VMM builds against the installed <linux/s2mmu.h>" "$out/vmm.log" vmm_build

uninstalled() {
	make -C "$top" uninstall DESTDIR="$root" && test ! -e "$ko" && test ! -e "$hdr"
}
check "make uninstall DESTDIR= removes both" "$out/uninstall.log" uninstalled

# dkms as on an arm64 host, but with its trees under build/ and the
# fetched headers as the kernel source.
dkms_build() {
	local ver src d
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
	src=$out/dkms/src/s2mmu-$ver
	d=(--dkmstree="$out/dkms/tree" --sourcetree="$out/dkms/src"
	   --installtree="$out/dkms/install")
	mkdir -p "$src" "$out/dkms/tree" "$out/dkms/install"
	(cd "$top" && git ls-files -co --exclude-standard -- Kbuild dkms.conf \
		'*.c' '*.h' '*.S' ':!selftests' ':!tools' | grep -v '\.mod\.c$' |
		xargs cp --parents -t "$src") || return 1
	dkms add "${d[@]}" -m s2mmu -v "$ver" || return 1
	ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- dkms build "${d[@]}" \
		-m s2mmu -v "$ver" -k "$krel" -a aarch64 --kernelsourcedir="$kdir" ||
		return 1
	modinfo -F version "$out/dkms/tree/s2mmu/$ver/$krel/aarch64/module/s2mmu.ko" |
		grep -qx "$ver"
}
check "dkms add + dkms build against the fetched $krel headers" \
	"$out/dkms.log" dkms_build

# make deps from several trees at once (worktrees sharing one cache, a
# parallel make): every run succeeds and leaves one whole env.mk.  The
# cache here links to the fetched trees, so nothing is fetched again.
deps_concurrent() {
	local c=$out/deps-cache d i rc=0 pids=()
	mkdir -p "$c"
	for d in root ksrc ktools debs; do
		ln -sfn "$(readlink -f "$cache/$d")" "$c/$d"
	done
	cp -p "$cache"/stamp-* "$c/"
	for i in 1 2 3 4 5 6 7 8; do
		S2MMU_CACHE=$c bash "$top/scripts/deps.sh" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || { echo "a deps.sh run failed"; rc=1; }
	done
	ls "$c"
	[ "$(grep -c ' := ' "$c/env.mk")" -eq 7 ] &&
		! ls "$c" | grep -q '^env\.mk\.' && return $rc
}
check "8 make deps at once on one cache: all succeed, env.mk whole" \
	"$out/deps.log" deps_concurrent

echo "RESULT packaging passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
