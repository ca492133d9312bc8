#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch --strict over every C source and header of the project, and a
# sparse build of the module (C=2).  Prints TAP and a RESULT line.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${S2MMU_CACHE:-$top/.cache}
# shellcheck disable=SC1091
kdir=$(sed -n 's/^S2MMU_KDIR := //p' "$cache/env.mk")
ksrc=$(sed -n 's/^S2MMU_KSRC := //p' "$cache/env.mk")
out=$top/build/lint
mkdir -p "$out"
passed=0 failed=0 n=0

report() {	# report NAME LOGFILE FINDINGS
	n=$((n + 1))
	if [ "$3" -eq 0 ]; then
		echo "ok $n lint: $1"
		passed=$((passed + 1))
	else
		echo "not ok $n lint: $1 ($3 findings, see $2)"
		sed 's/^/# /' "$2" | head -n 40
		failed=$((failed + 1))
	fi
}

cd "$top" || exit 1
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${files[@]}" \
	> "$out/checkpatch.log" 2>&1
findings=$(grep -cE ': (ERROR|WARNING|CHECK):|^Can.t open perl script' "$out/checkpatch.log")
report "checkpatch --strict (${#files[@]} files)" "$out/checkpatch.log" "$findings"

# SPDX is checked here rather than by checkpatch, which only knows the
# kernel tree's own layout; every file must carry a GPL-2.0 line.
missing=$(git ls-files --cached --others --exclude-standard | grep -vE '(^|/)(\.gitignore|settings|config)$' | while read -r f; do
	head -n 3 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0' || echo "$f"
done)
echo "$missing" | sed '/^$/d' > "$out/spdx.log"
report "SPDX GPL-2.0 line in every file" "$out/spdx.log" "$(wc -l < "$out/spdx.log")"

# kernel-doc of the module and its headers (uapi and engine included), by
# the kernel's own scripts/kernel-doc: every warning is a finding.
ktools=$(sed -n 's/^S2MMU_KTOOLS := //p' "$cache/env.mk")
ktools=${ktools:-$cache/ktools}
mapfile -t kdoc_files < <(git ls-files --cached --others --exclude-standard \
	'*.c' '*.h' ':!selftests' ':!tools')
perl "$ktools/scripts/kernel-doc" -none "${kdoc_files[@]}" \
	> "$out/kernel-doc.log" 2>&1
findings=$(grep -cE 'warning:|error:|^Can.t open perl script' "$out/kernel-doc.log")
report "kernel-doc (${#kdoc_files[@]} files)" "$out/kernel-doc.log" "$findings"

# dkms.conf and the module agree on the version.
modver=$(sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' ./*.c)
dkmsver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
echo "MODULE_VERSION $modver, dkms.conf PACKAGE_VERSION $dkmsver" > "$out/version.log"
[ -n "$modver" ] && [ "$modver" = "$dkmsver" ]
report "MODULE_VERSION matches dkms.conf" "$out/version.log" $?

# Every lock of the module is taken through the ranked wrappers of
# include/s2mmu_lockrank.h, so that each has a rank and the checker sees
# it (locking.rst, "Lock ranks and the checker"): a bare kernel lock call
# in the module's sources is a finding.  Initialisers are not locks.
mapfile -t mod_src < <(git ls-files --cached --others --exclude-standard \
	'*.c' 'include/*.h' ':!selftests' ':!tools' ':!include/s2mmu_lockrank.h')
lock_calls='spin_(try)?lock|raw_spin_(try)?lock|mutex_(try)?lock'
lock_calls+='|read_(try)?lock|write_(try)?lock|down_(read|write)'
lock_calls+='|srcu_read_lock|mmap_(read|write)_lock|cpus_read_lock'
lock_calls+='|percpu_down_(read|write)'
grep -nE "(^|[^_[:alnum:]])($lock_calls)(_[a-z]+)?[[:space:]]*\\(" \
	"${mod_src[@]}" | grep -vE '_init[[:space:]]*\(' > "$out/ranked-locks.log"
report "every lock through the ranked wrappers" "$out/ranked-locks.log" \
	"$(wc -l < "$out/ranked-locks.log")"

make -s -C "$kdir" M="$top" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
	C=2 W=1 modules > "$out/sparse.log" 2>&1
rc=$?
findings=$(grep -cE 'warning:|error:' "$out/sparse.log")
[ $rc -eq 0 ] || findings=$((findings + 1))
report "sparse + W=1 module build" "$out/sparse.log" "$findings"

echo "RESULT lint passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
