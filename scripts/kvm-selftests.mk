# SPDX-License-Identifier: GPL-2.0
# KVM's own arm64 selftests (tools/testing/selftests/kvm of Debian's
# linux-source-6.1), cross-built static and linked with kvm-compat
# (tools/kvm-compat), so that one binary runs on s2mmu in the
# kvm-arm.mode=none boot and on KVM in the KVM boot.  See
# Documentation/kvm-compat.rst.

S2MMU_KTOOLS ?= $(S2MMU_CACHE)/ktools
KVMST_SRC = $(S2MMU_KTOOLS)/tools/testing/selftests/kvm
KVMST_OUT = $(O_DIR)/kvm-selftests
KC_SRC = $(top)/tools/kvm-compat
KC_OUT = $(O_DIR)/kvm-compat
KC_OBJS = $(patsubst $(KC_SRC)/%.c,$(KC_OUT)/%.o,$(wildcard $(KC_SRC)/*.c))
KC_WRAP = -Wl,--wrap=open -Wl,--wrap=ioctl -Wl,--wrap=mmap -Wl,--wrap=close

# The programs run (with the options in tools/kvm-compat/kvm_selftests.sh).
KVMST_PROGS = dirty_log_test dirty_log_perf_test \
	memslot_modification_stress_test memslot_perf_test \
	kvm_page_table_test set_memory_region_test demand_paging_test \
	kvm_binary_stats_test aarch64/arch_timer aarch64/psci_test

$(KC_OUT)/%.o: $(KC_SRC)/%.c $(KC_SRC)/kvm_compat.h $(top)/include/uapi/linux/s2mmu.h
	@mkdir -p $(KC_OUT)
	$(CROSS_CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -std=gnu11 \
		-I$(top)/include/uapi -c $< -o $@

# The programs are relinked every time: the Makefile of the selftests does
# not know that they depend on kvm-compat.
.PHONY: kvm-selftests _kvm-selftests
#> kvm-selftests: cross-build KVM's own arm64 selftests linked with kvm-compat (Documentation/kvm-compat.rst)
kvm-selftests: $(DEPS)
	@$(MAKE) --no-print-directory -f $(top)/Makefile _kvm-selftests

_kvm-selftests: $(KC_OBJS)
	@mkdir -p $(KVMST_OUT)/bin
	@rm -f $(addprefix $(KVMST_OUT)/build/,$(KVMST_PROGS))
	@$(MAKE) --no-print-directory -s -C $(KVMST_SRC) ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- OUTPUT=$(KVMST_OUT)/build \
		TEST_GEN_PROGS_aarch64="$(KVMST_PROGS)" \
		EXTRA_CFLAGS="-static -include $(KC_SRC)/ksft_fixups.h" \
		LDLIBS="$(KC_OBJS) -ldl $(KC_WRAP)" >$(KVMST_OUT)/build.log 2>&1 || \
		{ tail -n 30 $(KVMST_OUT)/build.log; exit 1; }
	@for p in $(KVMST_PROGS); do cp $(KVMST_OUT)/build/$$p $(KVMST_OUT)/bin/; done
	@install -m 0755 $(KC_SRC)/kvm_selftests.sh $(KVMST_OUT)/kvm_selftests
	@echo "kvm-selftests: $(words $(KVMST_PROGS)) KVM selftests linked with kvm-compat"
