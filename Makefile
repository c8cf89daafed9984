# SPDX-License-Identifier: GPL-2.0
#
# cpuwarden: build, test and demo.  The kernel build itself is described
# by Kbuild, which is self-contained so DKMS can use it alone.
#
#   make            the module (against KDIR) and the userspace parts
#   make demo       boot a VM and watch a /tmp miner get killed
#   make check      every test: build checks, DKMS, the VM suites on
#                   Debian's generic and RT kernels and on a debug kernel
#                   (KASAN, lockdep, kmemleak, UBSAN, ...) built from
#                   linux-source-6.1 and cached in ~/.cache/cpuwarden/kernels
#                   (CW_KERNEL_CACHE); CHECK_DEBUG=0 leaves that lane out
#   make check-debug    the debug-kernel lane alone
#   make bench      measure overhead, memory, detection and the throttle in a VM
#   make install    the cpuwarden tool, its man pages, units, completion
#                   and example config (DESTDIR, PREFIX: see tools/Makefile)
#   make dkms-install   copy the sources to /usr/src and "dkms install"
#   make deb        the Debian packages cpuwarden-dkms and cpuwarden, in
#                   .build/deb (debhelper, dh-dkms: make deps installs them)
#   make clean

# The running kernel's build dir if there is one, else the newest Debian
# generic (-amd64) headers in /usr/src: the rt and cloud flavours are
# built by make check's build matrix, never picked by default.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		grep -E '/linux-headers-[0-9.]+-[0-9]+-amd64$$' | sort -V | tail -n 1))
BUILD ?= $(CURDIR)/.build
VERSION := $(shell sed -n 's/^\#define CW_VERSION "\(.*\)"/\1/p' module/version.h)
DKMS_SRC ?= $(DESTDIR)/usr/src/cpuwarden-$(VERSION)

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

all: module userspace

module:
	$(if $(KDIR),,$(error No kernel headers found: install linux-headers-amd64 or pass KDIR=))
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(Q)$(MAKE) -C tools OUT=$(BUILD)/tools
	$(Q)$(MAKE) -C selftests OUT=$(BUILD)/selftests

install:
	$(Q)$(MAKE) -C tools OUT=$(BUILD)/tools install

# Exactly the files DKMS needs, never build products.
dkms-src:
	$(Q)rm -rf $(DKMS_SRC)
	$(Q)install -d $(DKMS_SRC)/module/compat $(DKMS_SRC)/include/uapi/linux
	$(Q)install -m 644 Kbuild dkms.conf $(DKMS_SRC)/
	$(Q)install -m 644 module/*.c module/*.h $(DKMS_SRC)/module/
	$(Q)install -m 644 module/compat/*.h $(DKMS_SRC)/module/compat/
	$(Q)install -m 644 include/uapi/linux/cpuwarden.h $(DKMS_SRC)/include/uapi/linux/

dkms-install: dkms-src
	dkms install cpuwarden/$(VERSION)

# dpkg-buildpackage writes beside the tree it builds: a copy of this one,
# without build products or git, in $(BUILD)/deb/src.
deb:
	$(Q)rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src/cpuwarden-$(VERSION)
	$(Q)tar -c --exclude=./.build --exclude=./.git --exclude=./debian/build . | \
		tar -x -C $(BUILD)/deb/src/cpuwarden-$(VERSION)
	$(Q)cd $(BUILD)/deb/src/cpuwarden-$(VERSION) && dpkg-buildpackage -us -uc -b
	$(Q)mv $(BUILD)/deb/src/*.deb $(BUILD)/deb/src/*.changes $(BUILD)/deb/src/*.buildinfo $(BUILD)/deb/

deps:
	$(Q).ci/install-deps

demo: deps
	$(Q)KDIR=$(KDIR) selftests/vm/demo

CHECK_DEBUG ?= 1

check: deps
	$(Q)CHECK_DEBUG=$(CHECK_DEBUG) KDIR=$(KDIR) selftests/check

check-debug: deps
	$(Q)CHECK_DEBUG=1 CHECK_ONLY='^(debug-kernel|vm-debug)' KDIR=$(KDIR) selftests/check

bench: deps
	$(Q)KDIR=$(KDIR) selftests/bench/run

clean:
	$(Q)$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(Q)rm -rf $(BUILD)

.PHONY: all module userspace install dkms-src dkms-install deb deps demo check check-debug \
	bench clean
