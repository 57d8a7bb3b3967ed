# vmm - a virtual machine monitor for arm64 Linux hosts.
#
#   make            build vmm for this machine when it is arm64, else the
#                   static aarch64 cross build (build/aarch64/vmm)
#   make cross      static aarch64 build with Debian's cross compiler and
#                   an arm64 sysroot made by tests/rig/fetch.sh
#   make unit       build and run the cmocka unit tests natively
#   make check      unit tests, then the integration rig in every host mode
#                   (CI's tier: mode-specific cases in all five modes, the
#                   others in one 6.12 and one 6.1 mode)
#   make check-full the same with every rig case in every host mode
#   make demo       boot the test guest with its shell on this terminal
#   make install    PREFIX=/usr/local DESTDIR= : bin/vmm and man1/vmm.1

PREFIX ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0

HOST_ARCH := $(shell uname -m)
CC ?= cc
CROSS_COMPILE ?= aarch64-linux-gnu-
CROSS_CC := $(CROSS_COMPILE)gcc
VMM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vmm
SYSROOT ?= $(VMM_CACHE)/sysroot-arm64

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
# -MMD -MP: each object's header dependencies come from the compiler.
CFLAGS_COMMON := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -Iinclude -I. \
	-DVMM_VERSION='"$(VERSION)"' -fno-strict-aliasing -MMD -MP

# The files that include the aarch64 KVM uapi headers, and the program's
# entry point, are only built for aarch64: an explicit list, not a name
# pattern. Everything else is also built natively into a library that the
# unit tests link against.
KVM_SRCS := arm64/kvm_coalesced.c arm64/kvm_gic.c arm64/kvm_host_probe.c arm64/kvm_vcpu.c \
	arm64/kvm_vcpu_run.c arm64/kvm_vm.c vmm/kvm_devices.c vmm/kvm_net.c vmm/main.c
ALL_SRCS := $(wildcard vmm/*.c devices/*.c arm64/*.c)
PURE_SRCS := $(filter-out $(KVM_SRCS),$(ALL_SRCS))

NATIVE_DIR := build/native
CROSS_DIR := build/aarch64
NATIVE_CFLAGS := $(CFLAGS_COMMON) $(shell pkg-config --cflags liburing 2>/dev/null)
NATIVE_LIBS := -lfdt $(shell pkg-config --libs liburing 2>/dev/null) -laio -lz -lpthread -lseccomp
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

CROSS_CFLAGS := $(CFLAGS_COMMON) -I$(SYSROOT)/usr/include
CROSS_LDFLAGS := -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu
CROSS_LIBS := -lfdt -luring -laio -lz -lseccomp -lpthread

# The initramfs built into vmm (vmm/builtin_initrd.S): made by
# guest/mkbuiltin.sh from an arm64 busybox-static, by default the one
# tests/rig/fetch.sh host puts in the cache (BUSYBOX=FILE to use another).
# Only the vmm program links it: libvmmcore.a and the unit tests do not.
BUSYBOX ?= $(VMM_CACHE)/host/busybox
BUILTIN_DEPS := guest/mkbuiltin.sh guest/builtin/init $(BUSYBOX)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(NATIVE_DIR)/tests/%,$(UNIT_SRCS))

ifeq ($(HOST_ARCH),aarch64)
all: native-vmm
else
all: cross
endif

.PHONY: all cross native-vmm unit check check-full rig install clean sysroot guest demo

# --- aarch64 build (static, runs inside a bare busybox initramfs) ---------
cross: $(CROSS_DIR)/vmm

$(SYSROOT)/.done:
	tests/rig/fetch.sh sysroot

sysroot: $(SYSROOT)/.done

$(CROSS_DIR)/obj/%.o: %.c | $(SYSROOT)/.done
	@mkdir -p $(dir $@)
	$(CROSS_CC) $(CROSS_CFLAGS) -c -o $@ $<

$(VMM_CACHE)/host/busybox:
	tests/rig/fetch.sh host

$(CROSS_DIR)/builtin-initrd.cpio.gz: $(BUILTIN_DEPS)
	guest/mkbuiltin.sh $@ $(BUSYBOX)

$(CROSS_DIR)/obj/vmm/builtin_initrd.o: vmm/builtin_initrd.S $(CROSS_DIR)/builtin-initrd.cpio.gz
	@mkdir -p $(dir $@)
	$(CROSS_CC) -DBUILTIN_INITRD_FILE='"$(CROSS_DIR)/builtin-initrd.cpio.gz"' -c -o $@ $<

$(CROSS_DIR)/vmm: $(patsubst %.c,$(CROSS_DIR)/obj/%.o,$(ALL_SRCS)) \
		$(CROSS_DIR)/obj/vmm/builtin_initrd.o
	$(CROSS_CC) $(CROSS_LDFLAGS) -o $@ $^ $(CROSS_LIBS)

# --- native build on an arm64 host ----------------------------------------
native-vmm: $(NATIVE_DIR)/vmm

$(NATIVE_DIR)/builtin-initrd.cpio.gz: $(BUILTIN_DEPS)
	guest/mkbuiltin.sh $@ $(BUSYBOX)

$(NATIVE_DIR)/obj/vmm/builtin_initrd.o: vmm/builtin_initrd.S $(NATIVE_DIR)/builtin-initrd.cpio.gz
	@mkdir -p $(dir $@)
	$(CC) -DBUILTIN_INITRD_FILE='"$(NATIVE_DIR)/builtin-initrd.cpio.gz"' -c -o $@ $<

$(NATIVE_DIR)/vmm: $(patsubst %.c,$(NATIVE_DIR)/obj/%.o,$(ALL_SRCS)) \
		$(NATIVE_DIR)/obj/vmm/builtin_initrd.o
	$(CC) -o $@ $^ $(NATIVE_LIBS)

# --- native objects and unit tests ----------------------------------------
$(NATIVE_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(NATIVE_CFLAGS) -c -o $@ $<

$(NATIVE_DIR)/libvmmcore.a: $(patsubst %.c,$(NATIVE_DIR)/obj/%.o,$(PURE_SRCS))
	rm -f $@ && ar rcs $@ $^

$(NATIVE_DIR)/tests/%: tests/unit/%.c $(NATIVE_DIR)/libvmmcore.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(NATIVE_CFLAGS) -Itests/unit -o $@ $< $(NATIVE_DIR)/libvmmcore.a $(NATIVE_LIBS) $(CMOCKA_LIBS)

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

# --- everything ---------------------------------------------------------
check: $(UNIT_BINS) $(if $(VMM_SKIP_RIG),,cross)
	@tests/check.sh $(UNIT_BINS)

check-full: $(UNIT_BINS) $(if $(VMM_SKIP_RIG),,cross)
	@RIG_TIER=full tests/check.sh $(UNIT_BINS)

rig: cross
	tests/rig/run.sh

demo: all
	tests/rig/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(if $(filter aarch64,$(HOST_ARCH)),$(NATIVE_DIR)/vmm,$(CROSS_DIR)/vmm) $(DESTDIR)$(PREFIX)/bin/vmm
	install -m 0644 man/vmm.1 $(DESTDIR)$(PREFIX)/share/man/man1/vmm.1

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
