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
#   kvm_selftests [DIR]        DIR: the programs (default /kvm)
dir=${1:-/kvm}
if [ -e /dev/kvm ]; then backend=kvm; else backend=s2mmu; fi
export KVM_COMPAT_BACKEND=$backend
per_test_timeout=${KVMST_TIMEOUT:-150}

# name|program and options
runs='dirty_log_test.dirty-log|dirty_log_test -M dirty-log -m 5 -i 3 -I 10
dirty_log_test.clear-log|dirty_log_test -M clear-log -m 5 -i 3 -I 10
dirty_log_test.dirty-ring|dirty_log_test -M dirty-ring -m 5 -i 3 -I 10
dirty_log_perf_test|dirty_log_perf_test -i 2 -b 8M -v 2
dirty_log_perf_test.get-log|dirty_log_perf_test -g -i 2 -b 8M -v 2
memslot_modification_stress_test|memslot_modification_stress_test -i 20 -b 8M -v 2
memslot_perf_test|memslot_perf_test -s 32 -e 4 -l 1 -r 1
kvm_page_table_test|kvm_page_table_test -b 16M -v 2
set_memory_region_test|set_memory_region_test
demand_paging_test|demand_paging_test -b 8M -v 2
demand_paging_test.uffd-missing|demand_paging_test -u MISSING -b 8M -v 2
kvm_binary_stats_test|kvm_binary_stats_test
arch_timer|arch_timer -n 1 -i 2
psci_test|psci_test'

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
		echo "not ok $i kvm:$name on $backend (exit $rc, ${secs}s)"
	fi
done
