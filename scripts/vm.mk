# SPDX-License-Identifier: GPL-2.0
# The arm64 VM: selftests cross-built through the kernel's kselftest
# framework, an initramfs, and QEMU driven by scripts/vm-run.py.

# A private copy of the extracted kselftest framework, so that trees
# sharing one S2MMU_CACHE never build into each other's selftests.
KSFT_TREE = $(O_DIR)/ksft-tree
KSFT_DIR = $(KSFT_TREE)/tools/testing/selftests
KSFT_OUT = $(O_DIR)/kselftest
VMM_OUT = $(O_DIR)/tools
VM_CFLAGS = -O2 -g -Wall -Wextra -static -pthread -I$(top)/include/uapi \
	-iquote $(top)/include

# Build the selftests exactly as a kernel tree would: the directory is
# copied into the extracted selftests tree and built with TARGETS=s2mmu.
#> selftests: cross-build the kselftests for arm64
selftests: $(DEPS)
	@$(MAKE) --no-print-directory -f $(top)/Makefile _selftests

.PHONY: _selftests _tools _initramfs
_selftests:
	@rm -rf $(KSFT_TREE) && mkdir -p $(O_DIR) && cp -r $(S2MMU_KSRC) $(KSFT_TREE)
	@rm -rf $(KSFT_DIR)/s2mmu && cp -r $(top)/selftests/s2mmu $(KSFT_DIR)/s2mmu
	@$(MAKE) --no-print-directory -s -C $(KSFT_DIR) TARGETS=s2mmu ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- S2MMU_SRC=$(top) \
		INSTALL_PATH=$(KSFT_OUT) install >/dev/null
	@sed -n 's/^s2mmu://p' $(KSFT_OUT)/kselftest-list.txt > $(KSFT_OUT)/expected
	@echo kvm_selftests >> $(KSFT_OUT)/expected
	@python3 $(top)/scripts/check-guest-code.py $(KSFT_OUT)/s2mmu/*
	@echo "selftests: $$(wc -w < $(KSFT_OUT)/expected) programs built via the kselftest framework"

_tools:
	@mkdir -p $(VMM_OUT)
	@for f in $(top)/tools/*.c; do \
		$(CROSS_CC) $(VM_CFLAGS) -o $(VMM_OUT)/$$(basename $$f .c) $$f || exit 1; \
	done
	@python3 $(top)/scripts/check-guest-code.py $(VMM_OUT)/*

# VM_BENCH_REV=REV: REV's module is built too (from `git archive REV`) and
# `make vm-bench` runs each benchmark with both modules, alternating.
VM_BENCH_REV ?=
AB_DIR = $(O_DIR)/ab-module
AB_KO = $(if $(VM_BENCH_REV),$(AB_DIR)/s2mmu.ko)

.PHONY: _ab-module
_ab-module:
	@rm -rf $(AB_DIR) && mkdir -p $(AB_DIR)
	@git -C $(top) archive $(VM_BENCH_REV) | tar -x -C $(AB_DIR)
	@$(MAKE) -s -C $(KBUILD_DIR) M=$(AB_DIR) $(KBUILD_ARGS) modules >/dev/null
	@echo "ab-module: $(VM_BENCH_REV) ($$(git -C $(top) rev-parse --short $(VM_BENCH_REV))) as /s2mmu-base.ko"

_initramfs: _module _selftests _tools _kvm-selftests $(if $(VM_BENCH_REV),_ab-module)
	@bash $(top)/scripts/mkinitramfs.sh $(O_DIR)/initramfs.cpio.gz \
		$(S2MMU_BUSYBOX) $(top)/s2mmu.ko $(KSFT_OUT)/s2mmu "$(EXTRA_TESTS)" \
		"$$(ls $(VMM_OUT)/* 2>/dev/null)" $(KVMST_OUT) $(AB_KO)

#> initramfs: the VM's initramfs (module, tests, VMM, busybox)
initramfs: $(DEPS)
	@$(MAKE) --no-print-directory -f $(top)/Makefile _initramfs

VM_RUN = python3 $(top)/scripts/vm-run.py --kernel $(S2MMU_VMLINUZ) \
	--initrd $(O_DIR)/initramfs.cpio.gz --timeout $(VM_TIMEOUT) \
	--only "$(VM_TESTS)" --bench-only "$(VM_BENCH)"

.PHONY: _vm-test _vm-kvm-test _vm-shell _demo _vm-bench
#> vm-test: the kselftests in the arm64 VM (EXTRA_TESTS=DIR adds DIR's static arm64 TAP programs; VM_TESTS="a b" runs only those)
#> vm-kvm-test: the same with KVM initialised alongside
#> vm-shell: interactive arm64 VM with the module loaded
#> demo: boot the arm64 VM, load the module, run the example VMM
#> vm-bench: benchmarks in the arm64 VM (VM_BENCH=NAME runs only that one of /bench, e.g. kvm_selftests_bench; VM_BENCH_REV=REV measures REV's module beside the tree's in the same boot)
vm-test vm-kvm-test vm-shell demo vm-bench: $(DEPS)
	@$(MAKE) --no-print-directory -f $(top)/Makefile _initramfs
	@$(MAKE) --no-print-directory -f $(top)/Makefile _$@

_vm-test:
	@$(VM_RUN) --name vm --mode test --expect $(KSFT_OUT)/expected \
		--log $(O_DIR)/vm-test.log

_vm-kvm-test:
	@$(VM_RUN) --name vm-kvm --mode test --kvm --expect $(KSFT_OUT)/expected \
		--log $(O_DIR)/vm-kvm-test.log

_vm-shell:
	@$(VM_RUN) --mode shell --log /dev/null

_demo:
	@$(VM_RUN) --name demo --mode demo --log $(O_DIR)/demo.log

# KVM's selftests and guest_bench measure on s2mmu, then again with KVM
# initialised (guest_bench runs the same guest code on /dev/kvm there);
# the KVM selftests' figures are then printed side by side.
_vm-bench:
	@$(VM_RUN) --name vm-bench --mode bench --log $(O_DIR)/vm-bench.log
	@$(VM_RUN) --name vm-bench-kvm --mode bench --kvm --log $(O_DIR)/vm-bench-kvm.log
	@python3 $(top)/scripts/kvm-bench-compare.py $(O_DIR)/vm-bench.log \
		$(O_DIR)/vm-bench-kvm.log
