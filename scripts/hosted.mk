# SPDX-License-Identifier: GPL-2.0
#
# Hosted (userspace, x86_64) build of the engine: pgtable.c compiled as is,
# with selftests/hosted/s2_compat.h standing in for the kernel headers.
#
# Targets: see `make help` (the "#>" lines below).
.PHONY: hosted-test hosted-tsan fuzz bench bench-ab hosted-build

H_OUT := $(top)/build/hosted
H_SRC := $(top)/selftests/hosted
H_KSFT := $(S2MMU_CACHE)/ksrc/tools/testing/selftests
H_DEPS := $(top)/pgtable.c $(H_SRC)/s2_hosted.c $(H_SRC)/s2_hosted.h \
	$(top)/include/s2_pgtable.h $(top)/include/s2_desc.h \
	$(H_SRC)/s2_compat.h
H_BASE_CFLAGS := -std=gnu11 -g -Wall -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare -D_GNU_SOURCE
H_CFLAGS := $(H_BASE_CFLAGS) -I$(top)/include -I$(H_SRC) -I$(H_KSFT)
H_ASAN := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
H_TSAN := -O1 -fsanitize=thread
H_FAST := -O2
H_LIBS := -lpthread

FUZZ_OPS ?= 1000000
BENCH_RUNS ?= 5
ROUNDS ?= 7
BENCH_INSTR ?= short
ONLY ?=
FUZZ_ENGINE ?= libfuzzer
FUZZ_ARGS ?=

$(H_OUT):
	@mkdir -p $@

$(H_OUT)/pgtable_test: $(H_SRC)/pgtable_test.c $(H_DEPS) | $(H_OUT)
	$(CC) $(H_CFLAGS) $(H_ASAN) -o $@ $< $(top)/pgtable.c \
		$(H_SRC)/s2_hosted.c $(H_LIBS)

$(H_OUT)/pgtable_fuzz: $(H_SRC)/pgtable_fuzz.c $(H_DEPS) | $(H_OUT)
	$(CC) $(H_CFLAGS) $(H_ASAN) -o $@ $< $(top)/pgtable.c \
		$(H_SRC)/s2_hosted.c $(H_LIBS)

$(H_OUT)/pgtable_race_test: $(H_SRC)/pgtable_race_test.c $(H_DEPS) | $(H_OUT)
	$(CC) $(H_CFLAGS) $(H_TSAN) -o $@ $< $(top)/pgtable.c \
		$(H_SRC)/s2_hosted.c $(H_LIBS)

$(H_OUT)/pgtable_bench: $(H_SRC)/pgtable_bench.c $(H_DEPS) | $(H_OUT)
	$(CC) $(H_CFLAGS) $(H_FAST) -o $@ $< $(top)/pgtable.c \
		$(H_SRC)/s2_hosted.c $(H_LIBS)

$(H_OUT)/pgtable_libfuzzer: $(H_SRC)/pgtable_fuzz.c $(H_DEPS) | $(H_OUT)
	clang $(H_CFLAGS) -O1 -DS2_LIBFUZZER \
		-fsanitize=fuzzer,address,undefined \
		-Wl,--defsym=LLVMFuzzerTestOneInput=s2_fuzz_one_input -o $@ $< \
		$(top)/pgtable.c $(H_SRC)/s2_hosted.c $(H_LIBS)

#> hosted-build: build the hosted test and benchmark programs without running them
hosted-build: $(H_OUT)/pgtable_test $(H_OUT)/pgtable_fuzz \
	$(H_OUT)/pgtable_race_test $(H_OUT)/pgtable_bench $(H_OUT)/lockrank_test

#> hosted-test: engine and lock-rank checker unit tests + bounded differential fuzz, ASan+UBSan
hosted-test: $(H_OUT)/pgtable_test $(H_OUT)/pgtable_fuzz $(H_OUT)/lockrank_test
	@rc=0; \
	$(H_OUT)/pgtable_test || rc=1; \
	$(H_OUT)/lockrank_test || rc=1; \
	S2_FUZZ_OPS=$(FUZZ_OPS) $(H_OUT)/pgtable_fuzz || rc=1; \
	exit $$rc

#> hosted-tsan: engine shared/exclusive race test under ThreadSanitizer
hosted-tsan: $(H_OUT)/pgtable_race_test
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66" $(H_OUT)/pgtable_race_test

#> fuzz: unbounded differential fuzzing (FUZZ_ARGS=... for libFuzzer, FUZZ_ENGINE=rand for the built-in driver)
ifeq ($(FUZZ_ENGINE),rand)
fuzz: $(H_OUT)/pgtable_fuzz
	S2_FUZZ_OPS=0 $(H_OUT)/pgtable_fuzz
else
fuzz: $(H_OUT)/pgtable_libfuzzer
	@mkdir -p $(H_OUT)/corpus
	$(H_OUT)/pgtable_libfuzzer $(FUZZ_ARGS) $(H_OUT)/corpus
endif

#> bench: engine benchmarks (hosted), median of BENCH_RUNS (>= 5) runs
bench: $(H_OUT)/pgtable_bench
	@$(H_OUT)/pgtable_bench $(BENCH_RUNS)

#> bench-ab: REV=<rev>: the engine of <rev> against the tree's, interleaved ROUNDS (7) times; medians, paired ratios, callgrind instructions/page (BENCH_INSTR=short|all|none, ONLY="name ..."); heavy, run it under flock
bench-ab:
	@test -n "$(REV)" || { echo "usage: make bench-ab REV=<git revision>" \
		"[ROUNDS=7] [BENCH_INSTR=short|all|none] [ONLY='name ...']"; \
		exit 2; }
	@python3 $(top)/scripts/bench-ab.py --top $(top) --rev '$(REV)' \
		--rounds $(ROUNDS) --instr $(BENCH_INSTR) --only '$(ONLY)' \
		--cc '$(CC)' --cflags '$(H_BASE_CFLAGS) $(H_FAST)' \
		--ksft $(H_KSFT)

$(H_OUT)/lockrank_test: $(H_SRC)/lockrank_test.c $(top)/lockrank.c \
	$(top)/include/s2mmu_lockrank.h $(H_SRC)/lockrank_compat.h \
	$(H_SRC)/s2_compat.h | $(H_OUT)
	$(CC) $(H_CFLAGS) $(H_ASAN) -o $@ $< $(top)/lockrank.c $(H_LIBS)
