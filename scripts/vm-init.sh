#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the s2mmu test VM.  The kernel command line's s2mmu_mode= says
# what to do: "test" runs every program in /tests/list, "demo" runs the
# example VMM, "shell" gives an interactive shell.  Lines starting with
# "S2MMU-VM:" are read by scripts/vm-run.py on the host.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
mkdir -p /dev/hugepages && mount -t hugetlbfs hugetlbfs /dev/hugepages
echo 128 > /proc/sys/vm/nr_hugepages
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled

say() { echo "S2MMU-VM: $*"; }

say "boot ok: $(uname -r), $(nproc) cpus"
# lock_check=1: every test run checks the lock ranks (lock_check_test).
# Benchmarks measure the module as loaded by default, without the checker.
opts=lock_check=1
[ "$s2mmu_mode" != bench ] || opts=
# shellcheck disable=SC2086
if insmod /s2mmu.ko $opts; then
	say "insmod ok"
else
	say "insmod failed"
	poweroff -f
fi

case "$s2mmu_mode" in
test)
	for t in $(cat /tests/list); do
		# s2mmu_only=A,B on the command line: those programs only.
		case ",${s2mmu_only:-$t}," in *",$t,"*) ;; *) continue ;; esac
		say "begin $t"
		(cd /tests && timeout "${s2mmu_timeout:-600}" "./$t")
		say "end $t rc=$?"
	done
	# The lock checker's verdict on the whole run, judged by vm-run.py.
	ms=/sys/kernel/debug/s2mmu/module_stats
	seen=$(sed -n 's/^lock_inversions //p' $ms)
	provoked=$(sed -n 's/^lock_inversions_provoked //p' $ms)
	say "lock inversions: $seen provoked $provoked"
	;;
demo)
	say "begin demo"
	/tools/s2mmu-vmm
	rc=$?
	# After the migration: the introspection example (mem_access events).
	/tools/s2mmu-introspect || rc=1
	say "end demo rc=$rc"
	dmesg | grep s2mmu
	;;
bench)
	# With /s2mmu-base.ko (make vm-bench VM_BENCH_REV=REV), each benchmark
	# runs four times, the tree's module ("new") and REV's ("base")
	# alternating, each freshly loaded; S2MMU_BENCH_TAG names the module.
	# (Not in the KVM boot: KVM's figures do not depend on the module.)
	variants=one
	[ ! -e /s2mmu-base.ko ] || [ -e /dev/kvm ] || variants="new base new base"
	for t in $(cat /bench/list); do
		# s2mmu_bench=NAME on the command line: that benchmark only.
		[ -z "$s2mmu_bench" ] || [ "$t" = "$s2mmu_bench" ] || continue
		for v in $variants; do
			if [ "$v" != one ]; then
				ko=/s2mmu.ko
				[ "$v" = new ] || ko=/s2mmu-base.ko
				rmmod s2mmu && insmod $ko || { say "insmod $ko failed"; continue; }
				export S2MMU_BENCH_TAG=$v
			fi
			say "begin $t${S2MMU_BENCH_TAG:+ ($v)}"
			"/bench/$t"
			say "end $t rc=$?"
		done
	done
	unset S2MMU_BENCH_TAG
	;;
*)
	say "shell: the module is loaded; exit the shell to power off"
	setsid cttyhack sh
	;;
esac

if rmmod s2mmu; then say "rmmod ok"; else say "rmmod failed"; fi
say "done"
poweroff -f
