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
VM_TIMEOUT ?= 1500
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

# make install: the module where modprobe finds it and the uapi header
# where a VMM's build finds it.  DESTDIR stages (no depmod then).
PREFIX ?= /usr/local
INCLUDEDIR ?= $(PREFIX)/include
INSTALL_MOD_DIR ?= extra
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(KBUILD_DIR)/include/generated/utsrelease.h)

.PHONY: install _install uninstall _uninstall htmldocs
#> install: modules_install + <linux/s2mmu.h> in PREFIX/include (DESTDIR= stages)
install: module
	@$(MAKE) --no-print-directory -f $(top)/Makefile _install

_install:
	$(MAKE) -C $(KBUILD_DIR) M=$(top) $(KBUILD_ARGS) \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		modules_install
	install -D -m 0644 $(top)/include/uapi/linux/s2mmu.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/s2mmu.h
	$(if $(DESTDIR),,depmod -a $(KREL))

#> uninstall: remove what make install installed
uninstall: $(DEPS)
	@$(MAKE) --no-print-directory -f $(top)/Makefile _uninstall

_uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KREL)/$(INSTALL_MOD_DIR)/s2mmu.ko*
	rm -f $(DESTDIR)$(INCLUDEDIR)/linux/s2mmu.h
	$(if $(DESTDIR),,depmod -a $(KREL))

#> htmldocs: render Documentation/ with Sphinx to build/htmldocs
htmldocs: $(DEPS)
	@bash $(top)/scripts/htmldocs.sh

#> clean: remove the module build and build/
clean:
	-$(MAKE) -C $(KBUILD_DIR) M=$(top) $(KBUILD_ARGS) clean 2>/dev/null
	rm -rf $(O_DIR)

include $(top)/scripts/hosted.mk
include $(top)/scripts/vm.mk
include $(top)/scripts/kvm-selftests.mk

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
