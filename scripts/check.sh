#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test of the project, part by part.  Each part prints
# TAP (and, where it judges more than TAP, a "RESULT name passed=P
# failed=F skipped=S" line).  The last line is the sum:
#   N passed, N failed[, N skipped]
# and the exit status is non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/check
mkdir -p "$logs"
parts=(lint hosted-test hosted-tsan module packaging htmldocs vm-test vm-kvm-test)
total_p=0 total_f=0 total_s=0

run_part() {
	local part=$1 log=$logs/$1.log rc p f s res
	echo "# === $part ==="
	case $part in
	lint)	bash "$top/scripts/lint.sh" ;;
	module)	make --no-print-directory -C "$top" module ;;
	packaging) bash "$top/scripts/packaging-test.sh" ;;
	*)	make --no-print-directory -C "$top" "$part" ;;
	esac > >(tee "$log") 2>&1
	rc=$?
	wait
	res=$(grep -E '^RESULT ' "$log" | tail -n 1)
	if [ -n "$res" ]; then
		p=$(sed 's/.*passed=\([0-9]*\).*/\1/' <<<"$res")
		f=$(sed 's/.*failed=\([0-9]*\).*/\1/' <<<"$res")
		s=$(sed 's/.*skipped=\([0-9]*\).*/\1/' <<<"$res")
	else
		# Plain TAP: count the result lines of every program.
		s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
		p=$(( $(grep -cE '^ok [0-9]+' "$log") - s ))
		f=$(grep -cE '^not ok [0-9]+' "$log")
		# A part with no TAP of its own (a build) counts as one test.
		if [ $((p + f + s)) -eq 0 ] && [ $rc -eq 0 ]; then
			p=1
		fi
	fi
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $part exited with status $rc"
		f=1
	fi
	echo "# $part: $p passed, $f failed, $s skipped"
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
}

# KVM's selftests (kvm_selftests in both boots): one row per run, the
# result on s2mmu (through kvm-compat) beside the result on KVM.
kvm_result() {	# kvm_result LOG NAME
	local line
	line=$(grep -m1 -E "^(not )?ok [0-9]+ kvm:$2 on " "$1" 2>/dev/null)
	case $line in
	"")		echo "did not run" ;;
	"not ok"*"# TODO"*) echo "known defect: ${line##*# TODO }" ;;
	"not ok"*)	echo "FAIL: ${line##* on }" ;;
	*"# SKIP"*)	echo "skip: ${line##*# SKIP }" ;;
	*)		echo "pass ${line##* on }" ;;
	esac
}

# One row per run: the outcome on each backend; under it, the whole
# reason of every skip, known defect or failure, per backend.
kvm_table() {
	local s2=$logs/vm-test.log kvm=$logs/vm-kvm-test.log name r1 r2
	grep -qE '^(not )?ok [0-9]+ kvm:' "$s2" "$kvm" 2>/dev/null || return 0
	echo "# KVM selftests: s2mmu (kvm-compat, kvm-arm.mode=none) | KVM"
	for name in $(grep -ohE '^(not )?ok [0-9]+ kvm:[^ ]+' "$s2" "$kvm" |
		      sed 's/.*kvm://' | awk '!seen[$0]++'); do
		r1=$(kvm_result "$s2" "$name")
		r2=$(kvm_result "$kvm" "$name")
		printf '#   %-34s | %-20s | %s\n' "$name" "${r1%%:*}" "${r2%%:*}"
		case $r1 in *:*) echo "#       s2mmu:${r1#*:}" ;; esac
		case $r2 in *:*) echo "#       KVM:${r2#*:}" ;; esac
	done
}

for part in "${parts[@]}"; do
	run_part "$part"
done
kvm_table

summary="$total_p passed, $total_f failed"
[ $total_s -eq 0 ] || summary="$summary, $total_s skipped"
echo "$summary"
[ $total_f -eq 0 ]
