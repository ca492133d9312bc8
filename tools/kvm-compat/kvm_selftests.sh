#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs KVM's arm64 selftests (built with kvm-compat, in /kvm of the test
# VM) and prints one TAP line per run: on s2mmu through kvm-compat when
# /dev/kvm is absent (the kvm-arm.mode=none boot), on KVM otherwise.  A
# skip says why (the program's own SKIP line).  Sizes and iteration
# counts are the programs' own options, chosen to keep the emulated run
# short.
#
#   kvm_selftests [DIR]          DIR: the programs (default /kvm)
#   kvm_selftests --bench [DIR]  the programs that measure, larger; each
#                                figure as "bench kvmst TEST.METRIC SECONDS"
#                                (scripts/kvm-bench-compare.py sets the two
#                                boots side by side)
mode=test
if [ "${1:-}" = --bench ]; then mode=bench; shift; fi
dir=${1:-/kvm}
if [ -e /dev/kvm ]; then backend=kvm; else backend=s2mmu; fi
export KVM_COMPAT_BACKEND=$backend
per_test_timeout=${KVMST_TIMEOUT:-150}

# The figures of one program's output, as "bench kvmst NAME.METRIC S" lines.
figures() {	# figures NAME LOG
	awk -v n="$1" '
	/Populate memory time:/ { print "bench kvmst " n ".populate " $4 }
	/Enabling dirty logging time:/ { print "bench kvmst " n ".enable_log " $5 }
	/Disabling dirty logging time:/ { print "bench kvmst " n ".disable_log " $5 }
	/Iteration [0-9]+ dirty memory time:/ { d += $6; nd++ }
	/Get dirty log over/ { print "bench kvmst " n ".get_log_avg " $10 }
	/Clear dirty log over/ { print "bench kvmst " n ".clear_log_avg " $10 }
	/^Testing .* performance with/ { t = $2; for (i = 3; $i != "performance"; i++) t = t "_" $i }
	/Best runtime result was/ { print "bench kvmst " n "." t "_per_iter " $5 }
	/_MAPPINGS: total execution time:/ { m = $1; sub(":", "", m); print "bench kvmst " n "." tolower(m) " " $5 }
	END { if (nd) printf "bench kvmst %s.dirty_memory_avg %.9fs\n", n, d / nd }
	' "$2" | sed 's:s/iteration)$::; s/s$//'
}

if [ $mode = bench ]; then
	# Which module measures (scripts/vm-init.sh, VM_BENCH_REV): NAME@TAG.
	tag=${S2MMU_BENCH_TAG:+@$S2MMU_BENCH_TAG}
	echo "# kvm selftests benchmarks on $backend$tag"
	echo 'dirty_log_perf_test|dirty_log_perf_test -m 5 -i 3 -b 64M -v 2
dirty_log_perf_test.get-log|dirty_log_perf_test -m 5 -g -i 3 -b 64M -v 2
memslot_perf_test|memslot_perf_test -s 32 -e 4 -l 2 -r 1
kvm_page_table_test|kvm_page_table_test -m 5 -b 128M -v 2' |
	while IFS='|' read -r name cmd; do
		# shellcheck disable=SC2086
		(cd "$dir" && timeout "$per_test_timeout" ./$cmd) > /tmp/kvmst.log 2>&1
		echo "# $name$tag on $backend: exit $?"
		figures "$name$tag" /tmp/kvmst.log
		# s2mmu's counters per dirty-log ioctl (kvm_compat_counts.c),
		# from a second run: read around every call, they would sit
		# inside the timed sections that KVM's figures are set against.
		case $backend:$name in s2mmu:dirty_log_perf_test*) ;; *) continue ;; esac
		# The same run times s2mmu's phases (debugfs s2mmu/profile), when
		# the module has the profile: "# profile NAME PHASE COUNT NS".
		prof=/sys/module/s2mmu/parameters/profile
		pfile=/sys/kernel/debug/s2mmu/profile
		[ ! -w $prof ] || { echo 1 > $prof; echo 0 > $pfile; }
		# shellcheck disable=SC2086
		(cd "$dir" && KVM_COMPAT_COUNTS=1 timeout "$per_test_timeout" ./$cmd) \
			> /tmp/kvmst-counts.log 2>&1
		sed -n "s/^kvm-compat counts /# counts $name$tag /p" /tmp/kvmst-counts.log
		[ ! -w $prof ] || {
			echo 0 > $prof
			awk -v n="$name$tag" \
				'!/^#/ && $2 > 0 { print "# profile " n " " $0 }' $pfile
		}
	done
	exit 0
fi

# name|program and options
runs='dirty_log_test.dirty-log|dirty_log_test -M dirty-log -m 5 -i 3 -I 10
dirty_log_test.clear-log|dirty_log_test -M clear-log -m 5 -i 3 -I 10
dirty_log_test.dirty-ring|dirty_log_test -M dirty-ring -m 5 -i 3 -I 10
dirty_log_perf_test|dirty_log_perf_test -m 5 -i 2 -b 8M -v 2
dirty_log_perf_test.get-log|dirty_log_perf_test -m 5 -g -i 2 -b 8M -v 2
memslot_modification_stress_test|memslot_modification_stress_test -m 5 -i 20 -b 8M -v 2
memslot_perf_test|memslot_perf_test -s 32 -e 4 -l 1 -r 1
kvm_page_table_test|kvm_page_table_test -m 5 -b 16M -v 2
set_memory_region_test|set_memory_region_test
demand_paging_test|demand_paging_test -m 5 -b 8M -v 2
demand_paging_test.uffd-missing|demand_paging_test -m 5 -u MISSING -b 8M -v 2
kvm_binary_stats_test|kvm_binary_stats_test
arch_timer|arch_timer -n 1 -i 2
psci_test|psci_test'

# Known defects of s2mmu (Documentation/kvm-compat.rst): a failure of
# these on s2mmu is reported "not ok ... # TODO" (TAP's expected failure),
# with the reason; it passes on KVM.
known_s2mmu=''

n=$(echo "$runs" | wc -l)
echo "TAP version 13"
echo "# kvm selftests on $backend"
echo "1..$n"
i=0
echo "$runs" | while IFS='|' read -r name cmd; do
	i=$((i + 1))
	log=/tmp/kvmst-$name.log
	start=$(date +%s)
	# shellcheck disable=SC2086
	(cd "$dir" && timeout "$per_test_timeout" ./$cmd) > "$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	tail -n 12 "$log" | sed 's/^/# /'
	why=$(grep -m1 -E 'SKIP|not supported, skipping' "$log" | sed 's/^[^-]*SKIP *-* *//')
	if [ $rc -eq 4 ]; then
		echo "ok $i kvm:$name on $backend # SKIP ${why:-exit 4}"
	elif [ $rc -eq 0 ] && [ -n "$why" ]; then
		echo "ok $i kvm:$name on $backend # SKIP $why"
	elif [ $rc -eq 0 ]; then
		echo "ok $i kvm:$name on $backend (${secs}s)"
	else
		todo=
		[ $backend != s2mmu ] ||
			todo=$(echo "$known_s2mmu" | sed -n "s/^$name|//p")
		echo "not ok $i kvm:$name on $backend (exit $rc, ${secs}s)${todo:+ # TODO $todo}"
	fi
done
