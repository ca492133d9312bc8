# SPDX-License-Identifier: GPL-2.0
#
# s2mmu: out-of-tree arm64 module, its hosted (userspace) engine build and
# its arm64 VM test harness.
#
# The targets are documented once, by a "#> target: what it does" line
# above each; `make help` prints those lines (from this file and the
# scripts/*.mk it includes).
#
# The module itself is described by Kbuild; this file only drives builds.

top := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
S2MMU_CACHE ?= $(top)/.cache
O_DIR := $(top)/build
export S2MMU_CACHE

# A given KDIR means a native build against that tree: nothing is fetched.
ifeq ($(KDIR),)
-include $(S2MMU_CACHE)/env.mk
KBUILD_DIR = $(S2MMU_KDIR)
KBUILD_ARGS = ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
DEPS = deps
else
KBUILD_DIR = $(KDIR)
KBUILD_ARGS =
DEPS =
endif

CROSS_CC := aarch64-linux-gnu-gcc
VM_TIMEOUT ?= 900
EXTRA_TESTS ?=

.PHONY: all module deps clean help check demo lint selftests initramfs \
	vm-test vm-shell vm-kvm-test vm-bench

#> make: build s2mmu.ko (cross, against Debian's arm64 headers)
#> make KDIR=...: build against a kernel build tree (native arm64 host)
all: module

#> deps: install/fetch the toolchain, QEMU, kernel image and headers
deps:
	@bash $(top)/scripts/deps.sh

# Re-enter make after deps so that env.mk is read fresh.
module: $(DEPS)
	@$(MAKE) --no-print-directory -f $(top)/Makefile _module

.PHONY: _module
_module:
	$(MAKE) -C $(KBUILD_DIR) M=$(top) $(KBUILD_ARGS) W=1 modules

#> clean: remove the module build and build/
clean:
	-$(MAKE) -C $(KBUILD_DIR) M=$(top) $(KBUILD_ARGS) clean 2>/dev/null
	rm -rf $(O_DIR)

include $(top)/scripts/hosted.mk
include $(top)/scripts/vm.mk

#> lint: checkpatch --strict, SPDX lines, sparse (C=2) W=1 module build
lint: $(DEPS)
	@bash $(top)/scripts/lint.sh

#> check: every test: lint, hosted, in-VM; ends "N passed, N failed"
check: $(DEPS)
	@bash $(top)/scripts/check.sh

#> help: this list
help:
	@sed -n 's/^#> \([^:]*\): /\1\t/p' $(MAKEFILE_LIST) | \
		awk -F'\t' '{ printf "  %-22s %s\n", $$1, $$2 }'
