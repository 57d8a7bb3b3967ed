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
#   make fuzz       libFuzzer targets (clang, ASan+UBSan) in build/fuzz
#   make fuzz-run   FUZZ_SECS=600: run each target, growing tests/fuzz/corpus
#   make san        the unit tests under ASan+UBSan (build/asan) and the
#                   threaded ones under TSan (build/tsan)
#   make demo       boot the test guest with its shell on this terminal
#   make install    PREFIX=/usr/local DESTDIR= : bin/vmm and man1/vmm.1 (of
#                   what `make` built: it builds nothing, so it may run as root)
#   make uninstall  remove them again

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
# entry point, are only built for aarch64: arm64/kvm_*.c by that name
# (anything pure in arm64/ gets another name). Everything else is also built natively into a library that the
# unit tests link against.
KVM_SRCS := $(wildcard arm64/kvm_*.c) vmm/main.c
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
BUILTIN_DEPS := guest/mkbuiltin.sh guest/builtin/init $(BUSYBOX) $(CROSS_DIR)/vmm-modload

# /bin/vmm-modload of the built-in initramfs: loads the kernel modules vmm
# appends to it (vmm/kmod.h). Static aarch64 like the guest tools; on an
# arm64 host CROSS_CC is the native compiler under its triplet name.
$(CROSS_DIR)/vmm-modload: guest/agent/modload.c
	@mkdir -p $(dir $@)
	$(CROSS_CC) -static -Os -s -Wall -Wextra -Werror -o $@ $<

# vmm-agent, /bin/vmm-agent of the built-in initramfs: the guest's /init in
# command mode (`vmm run -- CMD`), a static program built with the same
# compiler as vmm, sharing vmm/cmd_proto.c. Its parts that run on any Linux
# are also in the core library for the unit tests (tests/unit/test_agent_*.c;
# relay.c's test supplies main.c's agent_fail and agent_poweroff).
AGENT_PURE_SRCS := guest/agent/byteq.c guest/agent/exitmsg.c guest/agent/pathsearch.c \
	guest/agent/plan.c guest/agent/relay.c
# Listed, not a wildcard: other guest programs live in guest/agent/ too
# (vmm-modload).
AGENT_SRCS := $(AGENT_PURE_SRCS) guest/agent/main.c guest/agent/mounts.c guest/agent/run.c \
	vmm/cmd_proto.c
PURE_SRCS += $(AGENT_PURE_SRCS)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(NATIVE_DIR)/tests/%,$(UNIT_SRCS))

ifeq ($(HOST_ARCH),aarch64)
all: native-vmm
else
all: cross
endif

.PHONY: all cross native-vmm unit check check-full rig install uninstall clean sysroot guest demo \
	san asan tsan fuzz fuzz-run

# --- aarch64 build (static, runs inside a bare busybox initramfs) ---------
cross: $(CROSS_DIR)/vmm

# The stamp is the newest library the sysroot gained, so that an older
# cache is made again (fetch.sh checks the same).
SYSROOT_STAMP := $(SYSROOT)/usr/lib/aarch64-linux-gnu/libseccomp.a
$(SYSROOT_STAMP):
	tests/rig/fetch.sh sysroot

sysroot: $(SYSROOT_STAMP)

$(CROSS_DIR)/obj/%.o: %.c | $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	$(CROSS_CC) $(CROSS_CFLAGS) -c -o $@ $<

$(VMM_CACHE)/host/busybox:
	tests/rig/fetch.sh host

$(CROSS_DIR)/vmm-agent: $(patsubst %.c,$(CROSS_DIR)/obj/%.o,$(AGENT_SRCS))
	$(CROSS_CC) -static -s -o $@ $^

$(CROSS_DIR)/builtin-initrd.cpio.gz: $(BUILTIN_DEPS) $(CROSS_DIR)/vmm-agent
	MODLOAD=$(CROSS_DIR)/vmm-modload guest/mkbuiltin.sh $@ $(BUSYBOX) $(CROSS_DIR)/vmm-agent

$(CROSS_DIR)/obj/vmm/builtin_initrd.o: vmm/builtin_initrd.S $(CROSS_DIR)/builtin-initrd.cpio.gz
	@mkdir -p $(dir $@)
	$(CROSS_CC) -DBUILTIN_INITRD_FILE='"$(CROSS_DIR)/builtin-initrd.cpio.gz"' -c -o $@ $<

$(CROSS_DIR)/vmm: $(patsubst %.c,$(CROSS_DIR)/obj/%.o,$(ALL_SRCS)) \
		$(CROSS_DIR)/obj/vmm/builtin_initrd.o
	$(CROSS_CC) $(CROSS_LDFLAGS) -o $@ $^ $(CROSS_LIBS)

# --- native build on an arm64 host ----------------------------------------
native-vmm: $(NATIVE_DIR)/vmm

$(NATIVE_DIR)/vmm-agent: $(patsubst %.c,$(NATIVE_DIR)/obj/%.o,$(AGENT_SRCS))
	$(CC) -static -s -o $@ $^

$(NATIVE_DIR)/builtin-initrd.cpio.gz: $(BUILTIN_DEPS) $(NATIVE_DIR)/vmm-agent
	MODLOAD=$(CROSS_DIR)/vmm-modload guest/mkbuiltin.sh $@ $(BUSYBOX) $(NATIVE_DIR)/vmm-agent

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

# --- sanitizers: the unit tests under ASan+UBSan, the threaded ones under TSan
# Separate copies of the core library, built with the same compiler.
ASAN_DIR := build/asan
TSAN_DIR := build/tsan
ASAN_CFLAGS := $(NATIVE_CFLAGS) -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
# GCC's TSan does not model atomic_thread_fence and warns; the fences in
# devices/virtqueue.c order the ring against the guest, not our threads.
TSAN_CFLAGS := $(NATIVE_CFLAGS) -O1 -fsanitize=thread -Wno-tsan
# The tests that start threads (device I/O threads, dev_thread, writers).
TSAN_TESTS := test_virtio_blk test_virtio_console test_virtio_rng test_virtio_mmio test_virtio_net \
	test_dev_thread test_console_router test_disk test_disk_snapshot test_uart16550 test_pl061 \
	test_virtio_fs test_net_stream test_fuse_hostile
# test_sandbox stays out: a sanitizer's runtime makes system calls of its
# own (sigaltstack, mmap of shadow memory) that the sandbox forbids.
ASAN_BINS := $(patsubst tests/unit/%.c,$(ASAN_DIR)/tests/%,$(filter-out tests/unit/test_sandbox.c,$(UNIT_SRCS)))
TSAN_BINS := $(patsubst %,$(TSAN_DIR)/tests/%,$(TSAN_TESTS))

# $(call san_rules,DIR,CFLAGS)
define san_rules
$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) -c -o $$@ $$<
$(1)/libvmmcore.a: $$(patsubst %.c,$(1)/obj/%.o,$$(PURE_SRCS))
	rm -f $$@ && ar rcs $$@ $$^
$(1)/tests/%: tests/unit/%.c $(1)/libvmmcore.a $$(wildcard tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) -Itests/unit -o $$@ $$< $(1)/libvmmcore.a $$(NATIVE_LIBS) $$(CMOCKA_LIBS)
endef
$(eval $(call san_rules,$(ASAN_DIR),$(ASAN_CFLAGS)))
$(eval $(call san_rules,$(TSAN_DIR),$(TSAN_CFLAGS)))

asan: $(ASAN_BINS)
	@tests/run-unit.sh $(ASAN_BINS)

tsan: $(TSAN_BINS)
	@tests/run-unit.sh $(TSAN_BINS)

san: asan tsan

# --- fuzzing: libFuzzer targets tests/fuzz/fuzz_NAME.c, ASan+UBSan ----------
# Debian's clang (tests/deps.sh); the core library is rebuilt instrumented
# into build/fuzz/obj.
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_SECS ?= 600
FUZZ_CFLAGS := $(NATIVE_CFLAGS) -O1 -fno-omit-frame-pointer -Itests/fuzz \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRCS))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/libvmmcore.a: $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(PURE_SRCS))
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libvmmcore.a $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libvmmcore.a $(NATIVE_LIBS)

fuzz: $(FUZZ_BINS)

fuzz-run: $(FUZZ_BINS)
	tests/fuzz/run.sh -grow $(FUZZ_SECS) $(FUZZ_BINS)

# --- everything ---------------------------------------------------------
# VMM_SKIP_SAN=1, VMM_SKIP_FUZZ=1: leave out those stages (tests/check.sh).
CHECK_DEPS := $(UNIT_BINS) $(if $(VMM_SKIP_RIG),,cross) \
	$(if $(VMM_SKIP_SAN),,$(ASAN_BINS) $(TSAN_BINS)) $(if $(VMM_SKIP_FUZZ),,$(FUZZ_BINS))
CHECK_ENV := VMM_ASAN_TESTS="$(ASAN_BINS)" VMM_TSAN_TESTS="$(TSAN_BINS)" \
	VMM_FUZZ_TARGETS="$(FUZZ_BINS)"

check: $(CHECK_DEPS)
	@$(CHECK_ENV) tests/check.sh $(UNIT_BINS)

check-full: $(CHECK_DEPS)
	@$(CHECK_ENV) RIG_TIER=full tests/check.sh $(UNIT_BINS)

rig: cross
	tests/rig/run.sh

demo: all
	tests/rig/demo.sh

INSTALL_VMM := $(if $(filter aarch64,$(HOST_ARCH)),$(NATIVE_DIR)/vmm,$(CROSS_DIR)/vmm)
install:
	@test -x $(INSTALL_VMM) || { echo "make install: $(INSTALL_VMM) is not built; run make first (not as root)" >&2; exit 1; }
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(INSTALL_VMM) $(DESTDIR)$(PREFIX)/bin/vmm
	install -m 0644 man/vmm.1 $(DESTDIR)$(PREFIX)/share/man/man1/vmm.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vmm $(DESTDIR)$(PREFIX)/share/man/man1/vmm.1

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
