#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install and fetch everything s2mmu needs to build, test and boot its arm64
# VM on a Debian 12 x86_64 machine.  Idempotent: with everything present it
# finishes in seconds and changes nothing.
#
#   S2MMU_CACHE   where fetched packages are extracted (default: .cache)
#   S2MMU_KABI    pin the Debian kernel ABI, e.g. 6.1.0-56 (default: the
#                 one linux-image-arm64:arm64 currently depends on)
#
# Writes $S2MMU_CACHE/env.mk with the paths the Makefile uses.
#
# Several trees (worktrees, parallel makes) may share one cache and run
# this at once: what writes to the cache (fetching, extracting, env.mk)
# runs under a lock in the cache, so no run extracts into, or deletes,
# what another one is reading, and env.mk is replaced in one rename,
# never seen half written.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${S2MMU_CACHE:-$top/.cache}
root=$cache/root
mkdir -p "$cache/debs" "$root"

say() { printf 'deps: %s\n' "$*"; }

# 1. Debian packages installed on the machine itself.
host_pkgs=(gcc-aarch64-linux-gnu qemu-system-arm cpio sparse linux-source-6.1
	   liburcu-dev clang libclang-rt-14-dev rsync python3)
# Documentation and packaging tools, without their recommends (dkms would
# pull in the build machine's own kernel headers, which nothing uses).
doc_pkgs=(python3-sphinx dkms kmod)
missing=()
for p in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
need_update=0
dpkg --print-foreign-architectures | grep -qx arm64 || need_update=1
if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ]; then
	cmd="dpkg --add-architecture arm64 && apt-get update && apt-get install -y ${missing[*]:-}"
	if [ "$(id -u)" != 0 ]; then
		say "not root; run this as root, then run make again:"
		echo "  $cmd"
		exit 1
	fi
	say "installing: ${missing[*]:-(arm64 architecture only)}"
	dpkg --add-architecture arm64
	apt-get update -q >/dev/null
	[ ${#missing[@]} -eq 0 ] ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
missing=()
for p in "${doc_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		say "not root; run as root: apt-get install --no-install-recommends ${missing[*]}"
		exit 1
	fi
	say "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

# 2. Resolve the arm64 kernel ABI and version from the metapackages.
candidate() { apt-cache policy "$1" | sed -n 's/^  Candidate: //p'; }
if [ -n "${S2MMU_KABI:-}" ]; then
	kabi=$S2MMU_KABI
else
	if [ -z "$(candidate linux-image-arm64:arm64)" ]; then
		apt-get update -q >/dev/null
	fi
	metaver=$(candidate linux-image-arm64:arm64)
	kabi=$(apt-cache show "linux-image-arm64:arm64=$metaver" |
	       sed -n 's/^Depends: .*linux-image-\([0-9.]*-[0-9]*\)-arm64.*/\1/p' | head -n 1)
fi
[ -n "$kabi" ] || { say "cannot resolve the arm64 kernel ABI"; exit 1; }
kver=$(candidate "linux-image-$kabi-arm64:arm64")
[ -n "$kver" ] && [ "$kver" != "(none)" ] ||
	{ say "linux-image-$kabi-arm64 is not in the archive"; exit 1; }

# From here on the cache is written: one run at a time.
exec 9>>"$cache/deps.lock"
flock 9

stamp=$cache/stamp-$kabi-$kver
if [ ! -e "$stamp" ]; then
	say "fetching Debian arm64 kernel $kabi ($kver)"
	rm -rf "$root" && mkdir -p "$root"
	(cd "$cache/debs" && rm -f ./*.deb &&
	 apt-get download -q "linux-image-$kabi-arm64:arm64=$kver" \
		"linux-headers-$kabi-arm64:arm64=$kver" \
		"linux-headers-$kabi-common=$kver" \
		"linux-kbuild-6.1:amd64=$kver" \
		busybox-static:arm64 >/dev/null)
	for d in "$cache"/debs/*.deb; do
		dpkg-deb -x "$d" "$root"
	done
	# The headers' Makefile includes the common tree by absolute path.
	hdr=$root/usr/src/linux-headers-$kabi-arm64
	sed -i "s|/usr/src/linux-headers-$kabi-common|$root/usr/src/linux-headers-$kabi-common|g" \
		"$hdr/Makefile"
	touch "$stamp"
fi

# 3. The few files of the kernel source the project uses.
ksrc=$cache/ksrc
ksrc_files=(
	'linux-source-6.1/tools/testing/selftests/*.h'
	'linux-source-6.1/tools/testing/selftests/lib.mk'
	'linux-source-6.1/tools/testing/selftests/Makefile'
	'linux-source-6.1/tools/testing/selftests/run_kselftest.sh'
	'linux-source-6.1/tools/testing/selftests/kselftest/*'
	'linux-source-6.1/scripts/subarch.include'
	'linux-source-6.1/scripts/checkpatch.pl'
	'linux-source-6.1/scripts/spelling.txt'
	'linux-source-6.1/scripts/const_structs.checkpatch'
)
ksrc_stamp=$ksrc/.done-$(echo "${ksrc_files[*]}" | md5sum | cut -c1-8)
if [ ! -e "$ksrc_stamp" ]; then
	say "extracting kselftest framework and checkpatch from linux-source-6.1"
	rm -rf "$ksrc" && mkdir -p "$ksrc"
	tar -xf /usr/src/linux-source-6.1.tar.xz -C "$ksrc" --strip-components=1 \
		--wildcards --no-wildcards-match-slash "${ksrc_files[@]}"
	touch "$ksrc_stamp"
fi

# 4. The kernel's own tools the project runs: the KVM selftests (built
#    against kvm-compat), scripts/kernel-doc and its Sphinx extension.
ktools=$cache/ktools
ktools_files=(
	'linux-source-6.1/tools/testing/selftests/kvm'
	'linux-source-6.1/tools/testing/selftests/rseq'
	'linux-source-6.1/tools/testing/selftests/lib.mk'
	'linux-source-6.1/tools/testing/selftests/kselftest.h'
	'linux-source-6.1/tools/testing/selftests/kselftest_harness.h'
	'linux-source-6.1/tools/include'
	'linux-source-6.1/tools/lib/rbtree.c'
	'linux-source-6.1/tools/arch/arm64/include'
	'linux-source-6.1/tools/build/Build.include'
	'linux-source-6.1/scripts/subarch.include'
	'linux-source-6.1/scripts/kernel-doc'
	'linux-source-6.1/Documentation/sphinx'
)
ktools_stamp=$ktools/.done-$(echo "${ktools_files[*]}" | md5sum | cut -c1-8)
if [ ! -e "$ktools_stamp" ]; then
	say "extracting the KVM selftests and kernel-doc from linux-source-6.1"
	rm -rf "$ktools" && mkdir -p "$ktools"
	tar -xf /usr/src/linux-source-6.1.tar.xz -C "$ktools" --strip-components=1 \
		"${ktools_files[@]}"
	touch "$ktools_stamp"
fi

# A file of this run's own (a run of an older deps.sh may not take the
# lock), renamed over env.mk: a make reading it sees the old or the new.
tmp=$(mktemp "$cache/env.mk.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp" <<EOF
# generated by scripts/deps.sh
S2MMU_KABI := $kabi
S2MMU_KVER := $kver
S2MMU_KDIR := $root/usr/src/linux-headers-$kabi-arm64
S2MMU_VMLINUZ := $root/boot/vmlinuz-$kabi-arm64
S2MMU_BUSYBOX := $root/bin/busybox
S2MMU_KSRC := $ksrc
S2MMU_KTOOLS := $ktools
EOF
if ! cmp -s "$tmp" "$cache/env.mk"; then
	chmod 0644 "$tmp"
	mv -f "$tmp" "$cache/env.mk"
fi
say "ok: arm64 kernel $kabi ($kver), cache $cache"
