# SPDX-License-Identifier: GPL-2.0
# numaweave — build, test and demo. `make V=1` shows the commands. CFLAGS and
# LDFLAGS from the environment are appended; WERROR=1 (CI, `make check`) adds -Werror.

ifneq ($(shell uname -m),x86_64)
$(error numaweave builds for x86_64 only (its BPF programs and vmlinux.h are x86's), not $(shell uname -m))
endif

OUT      := build
CLANG    ?= clang
CC       ?= cc
BPFTOOL  ?= bpftool
LLVM_STRIP ?= llvm-strip
ARCH     := x86
VMLINUX  := vmlinux/$(ARCH)/vmlinux.h
WERROR   ?= $(if $(CI),1,0)

WARN     := -Wall -Wextra -Wimplicit-fallthrough -Wno-unused-parameter -Wno-format-truncation \
	    $(if $(filter 1,$(WERROR)),-Werror)
OPT      ?= -O2 -g
# user/ by layer: commands, the core loop, pure rules, configuration, sensors,
# system access, small libraries (docs/design.md, "Where the code is")
USER_DIRS := user user/cmd user/core user/rules user/config user/sensors user/sys user/lib user/record
vpath %.c $(USER_DIRS)
NW_CFLAGS := $(OPT) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude $(addprefix -I,$(USER_DIRS)) -I$(OUT) \
	     -MMD -MP $(CFLAGS)
NW_LDFLAGS := $(LDFLAGS)
LDLIBS   := -lbpf -lelf -lz -lnuma -lyaml -lm
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -Ivmlinux/$(ARCH)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# Pure code: no libbpf, unit-tested without root (policy included).
PURE_SRCS := user/rules/placement.c user/record/recfmt.c user/record/recread.c user/record/rec_damo.c user/lib/parse.c user/rules/heat.c user/config/config.c user/config/config_yaml.c user/config/config_scheme.c \
	     user/rules/policy.c user/rules/moves.c user/lib/safeio.c user/rules/autow.c
# Linked into the unit tests too: no libbpf either.
UNIT_LIB_SRCS := $(PURE_SRCS) user/sys/migrate.c user/sys/pagemap.c user/lib/log.c user/sys/procfs.c \
	     user/lib/json.c user/lib/counters.c user/sys/nodes.c user/core/report.c user/core/recpub.c user/sensors/sensors.c user/sensors/sensor_util.c \
	     user/sensors/sensor_file.c user/sensors/sensor_resctrl.c user/sensors/sensor_perf.c user/sensors/sensor_cha.c user/sensors/sensor_uncore.c
PROG_SRCS := $(UNIT_LIB_SRCS) user/main.c user/cmd/cmd_common.c user/cmd/cmd_opts.c user/cmd/help.c user/cmd/cmd_run.c user/cmd/cmd_status.c user/cmd/status_prom.c user/cmd/status_heat.c user/cmd/cmd_weights.c user/cmd/cmd_tune.c \
	     user/cmd/cmd_numastat.c user/sys/loader.c user/sys/policy_maps.c user/sys/pins.c user/sys/sources.c user/core/daemon.c user/sys/damon.c user/sys/vma_iter.c user/sys/targets.c user/sys/sysctl.c \
	     user/core/engine.c user/core/events.c user/core/follow.c user/core/pols.c user/core/heatsrc.c user/core/plan.c user/core/moving.c user/sys/young.c \
	     user/cmd/cmd_record.c user/cmd/cmd_report.c user/cmd/report_plot.c
PROG_OBJS := $(patsubst %.c,$(OUT)/objs/%.o,$(notdir $(PROG_SRCS)))
PURE_OBJS := $(patsubst %.c,$(OUT)/objs/%.o,$(notdir $(PURE_SRCS)))
UNIT_OBJS := $(patsubst %.c,$(OUT)/objs/%.o,$(notdir $(UNIT_LIB_SRCS)))

UNIT_SRCS := $(wildcard tests/unit/*.c)
TIER_BINS := $(OUT)/tier.so $(OUT)/tier_job $(OUT)/tier_relay $(OUT)/tier_tick
BENCH_BINS := $(OUT)/bench_faults $(OUT)/bench_placement $(OUT)/bench_sparse $(OUT)/bench_sample \
	      $(OUT)/sim_autow $(OUT)/bench_movepages $(OUT)/bench_load $(OUT)/bench_alias \
	      $(OUT)/bench_vmas $(OUT)/bench_procs $(OUT)/bench_tpfloor \
	      $(OUT)/bench_faultrate

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

SHELL := /bin/bash
.DELETE_ON_ERROR:
.PHONY: uninstall all deps deps-build test-progs test check demo bench bench-scale tier unit bpftest vmtest clean \
	vmlinux install dist fuzz sanitize memcheck FORCE

# What the README says `make` builds; the test programs (Criterion, the
# benchmarks the VM runs) are built by the targets that need them.
all: $(OUT)/numaweave $(OUT)/alloc_data

test-progs: $(OUT)/unit_tests $(OUT)/test_bpf $(OUT)/into_cgroup $(BENCH_BINS) $(TIER_BINS)

$(OUT) $(OUT)/objs:
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/numaweave/*.h) $(VMLINUX) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

# The release (VERSION, X.Y.Z) and the commit it is built from: git describe in
# a checkout, the COMMIT file `make dist` writes in a tarball, else none.
# version.h is rewritten only when they change.
NW_VERSION := $(shell cat VERSION)
NW_COMMIT := $(shell git describe --always --dirty --tags 2>/dev/null || cat COMMIT 2>/dev/null)
$(OUT)/version.h: FORCE | $(OUT)
	$(Q)printf '#define NW_VERSION "%s"\n#define NW_COMMIT "%s"\n' '$(NW_VERSION)' \
		'$(NW_COMMIT)' > $@.tmp; \
	cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@

# Header dependencies come from -MMD; the generated headers must exist first.
# The dependency file names the headers only: the source comes from vpath, so
# a source moved to another folder of user/ leaves no stale path behind.
$(OUT)/objs/%.o: %.c | $(SKELS) $(OUT)/version.h $(OUT)/objs
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) -c $< -o $@ && sed -i -E '1s#: [^ ]+\.c( |$$)#: #' $(@:.o=.d)

-include $(wildcard $(OUT)/objs/*.d)

$(OUT)/numaweave: $(PROG_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $^ -o $@ $(LDLIBS)

$(OUT)/alloc_data: tests/alloc_data.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@ -lnuma -lpthread

$(OUT)/into_cgroup: tests/into_cgroup.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@

# No libbpf in the unit tests: what they test must not need a loaded object.
$(OUT)/unit_tests: $(UNIT_SRCS) $(UNIT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $^ -o $@ -lcriterion -lyaml -lnuma -lm

$(OUT)/bench_faults: tests/bench/bench_faults.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@ -lpthread

$(OUT)/sim_autow: tests/bench/sim_autow.c $(OUT)/objs/autow.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $^ -o $@ -lm

$(OUT)/bench_placement: tests/bench/bench_placement.c $(PURE_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $^ -o $@ -lyaml -lm

# Regenerate the checked-in vmlinux.h from the running kernel's BTF.
vmlinux:
	$(Q)rel=$$(uname -r | cut -d. -f1-2); \
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux_$$rel.h && \
	ln -sf vmlinux_$$rel.h $(VMLINUX) && echo "vmlinux/$(ARCH)/vmlinux_$$rel.h"

deps:
	$(Q)tools/deps all

deps-build:
	$(Q)tools/deps build

unit: $(OUT)/unit_tests
	$(Q)$(OUT)/unit_tests

# the host tests, no VM: unit, help against the man page, BPF on this kernel,
# adversarial inputs, the daemon
test: all test-progs
	$(Q)$(OUT)/unit_tests
	$(Q)tests/help_check
	$(Q)tests/tier/relay_check $(OUT)/tier_relay
	$(Q)tests/bpf/run
	$(Q)tests/bpf/record
	$(Q)tests/hostile/run
	$(Q)tests/daemon/run

bpftest: all test-progs
	$(Q)tests/bpf/run
	$(Q)tests/bpf/record
	$(Q)tests/hostile/run
	$(Q)tests/daemon/run

vmtest: all test-progs
	$(Q)tests/vm/run-all

check: deps
	$(Q)$(MAKE) --no-print-directory WERROR=1 all test-progs
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory sanitize
	$(Q)$(MAKE) --no-print-directory memcheck
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)
	$(Q)tests/help_check
	$(Q)tests/tier/relay_check $(OUT)/tier_relay
	$(Q)tests/bpf/run
	$(Q)tests/bpf/record
	$(Q)NW=$(OUT)/asan/numaweave tests/bpf/record
	$(Q)tests/hostile/run
	$(Q)NW=$(OUT)/asan/numaweave tests/hostile/run
	$(Q)tests/daemon/run
	$(Q)NW=$(OUT)/asan/numaweave tests/daemon/run
	$(Q)tests/vm/run-all

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/vm/demo

bench: deps
	$(Q)$(MAKE) --no-print-directory all test-progs
	$(Q)tests/bench/run

# the cover letter's experiment on the emulated DRAM+CXL machine (docs/tier.md;
# 7.x guest under the TCG tier model, TIER_BOOTS boots, default 3)
tier: deps
	$(Q)$(MAKE) --no-print-directory all $(TIER_BINS)
	$(Q)tests/tier/run

# how each cost grows: targets, VMAs, resident memory, policies (host, root)
bench-scale: deps
	$(Q)$(MAKE) --no-print-directory all test-progs
	$(Q)tests/bench/scale_growth.sh

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
# where systemd looks for packaged units (pkg-config names it); /etc/systemd/system without it
UNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/etc/systemd/system)
install: $(OUT)/numaweave
	install -D -m 0755 $(OUT)/numaweave $(DESTDIR)$(SBINDIR)/numaweave
	install -D -m 0644 docs/numaweave.8 $(DESTDIR)$(MANDIR)/man8/numaweave.8
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	for u in numaweave numaweave-metrics; do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/$$u.service.in >$(DESTDIR)$(UNITDIR)/$$u.service && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.service || exit 1; done
	install -m 0644 systemd/numaweave-metrics.timer $(DESTDIR)$(UNITDIR)/numaweave-metrics.timer
	install -d -m 0755 $(DESTDIR)/etc/numaweave

# Everything install put down; /etc/numaweave only when no policy is left in it.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/numaweave $(DESTDIR)$(MANDIR)/man8/numaweave.8 \
		$(DESTDIR)$(UNITDIR)/numaweave.service $(DESTDIR)$(UNITDIR)/numaweave-metrics.service \
		$(DESTDIR)$(UNITDIR)/numaweave-metrics.timer
	-rmdir $(DESTDIR)/etc/numaweave 2>/dev/null

clean:
	rm -rf $(OUT)

# A source tarball of HEAD that builds without git (the commit goes in COMMIT).
DIST := numaweave-$(NW_VERSION)
dist: | $(OUT)
	$(Q)git diff --quiet HEAD 2>/dev/null || echo "dist: uncommitted changes are not in it (HEAD is)" >&2
	$(Q)rm -rf $(OUT)/dist && mkdir -p $(OUT)/dist/$(DIST)
	$(Q)git archive --format=tar --prefix=$(DIST)/ HEAD | tar -x -C $(OUT)/dist
	$(Q)git describe --always --tags HEAD > $(OUT)/dist/$(DIST)/COMMIT
	$(Q)tar -C $(OUT)/dist -czf $(OUT)/$(DIST).tar.gz --owner=0 --group=0 --sort=name $(DIST)
	$(Q)rm -rf $(OUT)/dist
	@echo "$(OUT)/$(DIST).tar.gz" 
.SECONDARY: $(SKELS) $(BPF_OBJS)

$(OUT)/test_bpf: tests/bpf/test_bpf.c $(OUT)/objs/loader.o $(OUT)/objs/pins.o $(OUT)/objs/vma_iter.o $(OUT)/objs/log.o \
		$(OUT)/objs/targets.o $(OUT)/objs/procfs.o $(OUT)/objs/young.o $(OUT)/objs/safeio.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $^ -o $@ $(LDLIBS) -lpthread

# the emulated memory tier (docs/tier.md): QEMU's TCG plugin, and the guest's
# job and relay
$(OUT)/tier.so: tests/tier/tier.c tests/tier/tier_io.c tests/tier/tier.h tests/tier/plugin_api.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) -fPIC -shared -fvisibility=hidden tests/tier/tier.c tests/tier/tier_io.c -o $@ -lpthread

$(OUT)/tier_job $(OUT)/tier_relay $(OUT)/tier_tick: $(OUT)/%: tests/tier/%.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@

$(OUT)/bench_sparse: tests/bench/bench_sparse.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@

$(OUT)/bench_procs: tests/bench/bench_procs.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@

$(OUT)/bench_faultrate: tests/bench/bench_faultrate.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@

$(OUT)/bench_vmas: tests/bench/bench_vmas.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@

$(OUT)/bench_alias: tests/bench/bench_alias.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@

$(OUT)/bench_sample: tests/bench/bench_sample.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@ -lm

# the same object as a light skeleton, for bench_load only (numaweave uses libbpf's)
$(OUT)/collector.lskel.h: $(OUT)/collector.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton -L $< name collector_lskel > $@

$(OUT)/bench_load: tests/bench/bench_load.c $(OUT)/collector.skel.h $(OUT)/collector.lskel.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) -I$(OUT) $(NW_LDFLAGS) $< -o $@ $(LDLIBS)

# an empty program on the fault tracepoint: the floor of bpf_stats' run times
$(OUT)/tp_floor.bpf.o: tests/bench/tp_floor.bpf.c $(VMLINUX) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUT)/bench_tpfloor: tests/bench/bench_tpfloor.c $(OUT)/tp_floor.skel.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) -I$(OUT) $(NW_LDFLAGS) $< -o $@ $(LDLIBS)

$(OUT)/bench_movepages: tests/bench/bench_movepages.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(NW_CFLAGS) $(NW_LDFLAGS) $< -o $@ -lnuma

# Sanitizers: user space and unit tests with ASan + UBSan (LeakSanitizer included).
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
sanitize:
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/asan OPT="$(SAN_FLAGS)" WERROR=$(WERROR) \
		$(OUT)/asan/unit_tests $(OUT)/asan/numaweave
	$(Q)$(OUT)/asan/unit_tests

# valgrind memcheck on the unit tests (Criterion's workers included). A worker's
# error does not change Criterion's exit status, so valgrind's own lines (it is
# quiet otherwise) fail the target too.
memcheck: $(OUT)/unit_tests
	$(Q)valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
		--trace-children=yes $(OUT)/unit_tests 2>$(OUT)/memcheck.log; rc=$$?; \
		cat $(OUT)/memcheck.log >&2; \
		if grep -q '^==[0-9]*== ' $(OUT)/memcheck.log; then \
			echo "memcheck: valgrind found errors (above)" >&2; exit 9; fi; exit $$rc

# libFuzzer targets (clang): 60 s each in `make check`, FUZZ_SECONDS (600) in `make fuzz`.
FUZZ_SECONDS ?= 600
CHECK_FUZZ_SECONDS ?= 60
FUZZ_TARGETS := weights units yaml
FUZZ_BINS := $(FUZZ_TARGETS:%=$(OUT)/fuzz_%)
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude $(addprefix -I,$(USER_DIRS)) \
	       -D_GNU_SOURCE -std=gnu11
$(OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(PURE_SRCS) | $(OUT)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(PURE_SRCS) -o $@ -lyaml -lnuma -lm
fuzz: $(FUZZ_BINS)
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(OUT)/corpus-$$t; \
		if ! $(OUT)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(OUT)/corpus-$$t tests/fuzz/corpus >$(OUT)/fuzz_$$t.log 2>&1; then \
			tail -n 40 $(OUT)/fuzz_$$t.log; echo "fuzz_$$t: FAILED"; exit 1; \
		fi; \
		echo "fuzz_$$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' $(OUT)/fuzz_$$t.log) runs in $(FUZZ_SECONDS) s, no crash"; \
	done
