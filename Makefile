# SPDX-License-Identifier: GPL-2.0
# numaweave — build, test and demo. `make V=1` shows the commands.

OUT      := build
CLANG    ?= clang
CC       ?= cc
BPFTOOL  ?= bpftool
ARCH     := x86
VMLINUX  := vmlinux/$(ARCH)/vmlinux.h

WARN     := -Wall -Wextra -Werror -Wimplicit-fallthrough -Wno-unused-parameter \
	    -Wno-format-truncation
OPT      ?= -O2 -g
CFLAGS   := $(OPT) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT)
LDLIBS   := -lbpf -lelf -lz -lnuma -lyaml -lm
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -Ivmlinux/$(ARCH)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# Pure policy code: no libbpf, unit-tested without root.
PURE_SRCS := user/placement.c user/parse.c user/heat.c user/config.c
UNIT_OBJS := $(PURE_SRCS:user/%.c=$(OUT)/obj/%.o) $(OUT)/obj/migrate.o $(OUT)/obj/pages.o \
	     $(OUT)/obj/log.o
PROG_SRCS := $(PURE_SRCS) user/log.c user/main.c user/loader.c user/vmas.c \
	     user/pages.c user/migrate.c user/engine.c user/stats.c user/numastat.c
PROG_OBJS := $(patsubst user/%.c,$(OUT)/obj/%.o,$(PROG_SRCS))
PURE_OBJS := $(patsubst user/%.c,$(OUT)/obj/%.o,$(PURE_SRCS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
BENCH_BINS := $(OUT)/bench_faults $(OUT)/bench_placement $(OUT)/bench_sparse $(OUT)/bench_sample

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

SHELL := /bin/bash
.DELETE_ON_ERROR:
.PHONY: all deps check demo bench unit bpftest vmtest clean vmlinux install fuzz sanitize memcheck

all: $(OUT)/numaweave $(OUT)/alloc_data $(OUT)/unit_tests $(OUT)/test_bpf $(BENCH_BINS)

$(OUT) $(OUT)/obj:
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard include/numaweave/*.h) $(VMLINUX) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@

$(OUT)/obj/%.o: user/%.c $(wildcard user/*.h include/numaweave/*.h) $(SKELS) | $(OUT)/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/numaweave: $(PROG_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(OUT)/alloc_data: tests/alloc_data.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lnuma -lpthread

$(OUT)/unit_tests: $(UNIT_SRCS) $(UNIT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcriterion -lyaml -lm

$(OUT)/bench_faults: tests/bench/bench_faults.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lpthread

$(OUT)/bench_placement: tests/bench/bench_placement.c $(PURE_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lyaml -lm

# Regenerate the checked-in vmlinux.h from the running kernel's BTF.
vmlinux:
	$(Q)rel=$$(uname -r | cut -d. -f1-2); \
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux_$$rel.h && \
	ln -sf vmlinux_$$rel.h $(VMLINUX) && echo "vmlinux/$(ARCH)/vmlinux_$$rel.h"

deps:
	$(Q)tools/deps

unit: $(OUT)/unit_tests
	$(Q)$(OUT)/unit_tests

bpftest: all
	$(Q)tests/bpf/run

vmtest: all
	$(Q)tests/vm/run-all

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory sanitize
	$(Q)$(MAKE) --no-print-directory memcheck
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)
	$(Q)tests/bpf/run
	$(Q)tests/vm/run-all

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/vm/demo

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/run

PREFIX ?= /usr/local
UNITDIR ?= /etc/systemd/system
install: $(OUT)/numaweave
	install -D -m 0755 $(OUT)/numaweave $(DESTDIR)$(PREFIX)/sbin/numaweave
	install -D -m 0644 docs/numaweave.8 $(DESTDIR)$(PREFIX)/share/man/man8/numaweave.8
	install -D -m 0644 systemd/numaweave-pid@.service $(DESTDIR)$(UNITDIR)/numaweave-pid@.service
	install -D -m 0644 systemd/numaweave-cgroup@.service $(DESTDIR)$(UNITDIR)/numaweave-cgroup@.service

clean:
	rm -rf $(OUT)
.SECONDARY: $(SKELS) $(BPF_OBJS)

$(OUT)/test_bpf: tests/bpf/test_bpf.c $(OUT)/obj/loader.o $(OUT)/obj/vmas.o $(OUT)/obj/log.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lpthread

$(OUT)/bench_sparse: tests/bench/bench_sparse.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(OUT)/bench_sample: tests/bench/bench_sample.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lm

# Sanitizers: user space and unit tests with ASan + UBSan (LeakSanitizer included).
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
sanitize:
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/asan OPT="$(SAN_FLAGS)" \
		$(OUT)/asan/unit_tests $(OUT)/asan/numaweave
	$(Q)$(OUT)/asan/unit_tests

# valgrind memcheck on the unit tests (Criterion's workers included).
memcheck: $(OUT)/unit_tests
	$(Q)valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
		--trace-children=yes $(OUT)/unit_tests

# libFuzzer targets (clang): 60 s each in `make check`, FUZZ_SECONDS (600) in `make fuzz`.
FUZZ_SECONDS ?= 600
CHECK_FUZZ_SECONDS ?= 60
FUZZ_TARGETS := weights units yaml
FUZZ_BINS := $(FUZZ_TARGETS:%=$(OUT)/fuzz_%)
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -Iuser -D_GNU_SOURCE -std=gnu11
$(OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(PURE_SRCS) | $(OUT)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(PURE_SRCS) -o $@ -lyaml -lm
fuzz: $(FUZZ_BINS)
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(OUT)/corpus-$$t; \
		if ! $(OUT)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(OUT)/corpus-$$t tests/fuzz/corpus >$(OUT)/fuzz_$$t.log 2>&1; then \
			tail -n 40 $(OUT)/fuzz_$$t.log; echo "fuzz_$$t: FAILED"; exit 1; \
		fi; \
		echo "fuzz_$$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' $(OUT)/fuzz_$$t.log) runs in $(FUZZ_SECONDS) s, no crash"; \
	done
