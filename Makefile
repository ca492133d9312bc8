# SPDX-License-Identifier: GPL-2.0
#
# s2mmu: out-of-tree arm64 module, its hosted (userspace) engine build and
# its arm64 VM test harness.
#
#   make                 build s2mmu.ko (cross, against Debian's arm64 headers)
#   make KDIR=...        build against a kernel build tree (native arm64 host)
#   make check           every test: lint, hosted, in-VM; ends "N passed, N failed"
#   make demo            boot the arm64 VM, load the module, run the example VMM
#   make install         modules_install + <linux/s2mmu.h> (DESTDIR, PREFIX)
#   make uninstall       remove what make install installed
#   make htmldocs        render Documentation/ with Sphinx to build/htmldocs
#   make help            every target
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
VM_TIMEOUT ?= 1500
EXTRA_TESTS ?=

.PHONY: all module deps clean help check demo lint selftests initramfs \
	vm-test vm-shell vm-kvm-test vm-bench

all: module

deps:
	@bash $(top)/scripts/deps.sh

# Re-enter make after deps so that env.mk is read fresh.
module: $(DEPS)
	@$(MAKE) --no-print-directory -f $(top)/Makefile _module

.PHONY: _module
_module:
	$(MAKE) -C $(KBUILD_DIR) M=$(top) $(KBUILD_ARGS) W=1 modules

# make install: the module where modprobe finds it and the uapi header
# where a VMM's build finds it.  DESTDIR stages (no depmod then).
PREFIX ?= /usr/local
INCLUDEDIR ?= $(PREFIX)/include
INSTALL_MOD_DIR ?= extra
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(KBUILD_DIR)/include/generated/utsrelease.h)

.PHONY: install _install uninstall _uninstall htmldocs
install: module
	@$(MAKE) --no-print-directory -f $(top)/Makefile _install

_install:
	$(MAKE) -C $(KBUILD_DIR) M=$(top) $(KBUILD_ARGS) \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		modules_install
	install -D -m 0644 $(top)/include/uapi/linux/s2mmu.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/s2mmu.h
	$(if $(DESTDIR),,depmod -a $(KREL))

uninstall: $(DEPS)
	@$(MAKE) --no-print-directory -f $(top)/Makefile _uninstall

_uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KREL)/$(INSTALL_MOD_DIR)/s2mmu.ko*
	rm -f $(DESTDIR)$(INCLUDEDIR)/linux/s2mmu.h
	$(if $(DESTDIR),,depmod -a $(KREL))

htmldocs: $(DEPS)
	@bash $(top)/scripts/htmldocs.sh

clean:
	-$(MAKE) -C $(KBUILD_DIR) M=$(top) $(KBUILD_ARGS) clean 2>/dev/null
	rm -rf $(O_DIR)

include $(top)/scripts/hosted.mk
include $(top)/scripts/vm.mk
include $(top)/scripts/kvm-selftests.mk

lint: $(DEPS)
	@bash $(top)/scripts/lint.sh

check: $(DEPS)
	@bash $(top)/scripts/check.sh

help:
	@sed -n 's/^#   //p' $(top)/Makefile
	@echo "  hosted-test          engine tests under ASan+UBSan"
	@echo "  hosted-tsan          engine concurrency tests under ThreadSanitizer"
	@echo "  fuzz                 unbounded differential fuzzing of the engine"
	@echo "  bench                engine benchmarks (hosted)"
	@echo "  lint                 checkpatch --strict and sparse"
	@echo "  selftests            cross-build the kselftests for arm64"
	@echo "  vm-test              run the kselftests in the arm64 VM"
	@echo "  vm-test EXTRA_TESTS=DIR  also run DIR's static arm64 TAP programs"
	@echo "  vm-shell             interactive arm64 VM with the module loaded"
	@echo "  vm-bench             benchmarks in the arm64 VM"
	@echo "  deps                 install/fetch the toolchain, kernel and headers"
