# ecosweep - build, test, demo, bench, install.
#
#   make            build build/ecosweep
#   make demo       install missing Debian packages, build, run the digits sweep
#   make test       every unit and integration test ("N passed, N failed")
#   make test-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      dispatch overhead (ratio against a baseline), a 10,000-trial load, metering
#                   overhead at 64 trials, the cost of one srun (when Slurm is installed), rung scaling
#   make bench-search  ecosweep's search strategies against Optuna (joules to 80/90/95 % HV)
#   make fuzz       libFuzzer on the spec parser, report lines and journal replay (60 s each)
#   make install PREFIX=/usr/local

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
DEBS    := libuv1-dev libcjson-dev libgsl-dev libcmocka-dev pkg-config
TEST_DEBS := python3 procps chromium python3-pil
PKGS    := libuv libcjson gsl

# CFLAGS is the user's (optimisation, sanitizers); the language level and
# warnings always apply. pkg-config runs when a recipe needs the flags,
# i.e. after check-deps has installed what was missing.
CFLAGS  ?= -O2 -g
ES_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror
ES_CPPFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libuv and GSL are linked statically when their archives are there
# (Debian ships libuv_a.a and libgsl.a): fewer mappings make every fork
# of a trial cheaper (about 13 % of ecosweep's CPU on the dispatch bench).
LIBDIR := $(shell $(CC) -print-multiarch 2>/dev/null | sed 's|^|/usr/lib/|')
ES_STATIC_LIBS := $(if $(wildcard $(LIBDIR)/libuv_a.a),$(if $(wildcard $(LIBDIR)/libgsl.a),yes))
ifeq ($(ES_STATIC_LIBS),yes)
ES_LDLIBS = -Wl,-Bstatic -luv_a -lgsl -lgslcblas -Wl,-Bdynamic -lcjson -lpthread -ldl -lm
else
ES_LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -luv -lcjson -lgsl -lgslcblas) -lm
endif

LIB_SRC := $(wildcard strategies/*.c) $(wildcard meters/*.c) $(wildcard workers/*.c) \
           $(filter-out scheduler/main.c,$(wildcard scheduler/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/scheduler/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
EX_BIN  := $(BUILD)/examples/digits_trial $(BUILD)/examples/bench_trial $(BUILD)/examples/bench_baseline \
           $(BUILD)/examples/surrogate_trial

# The client directory ecosweep puts on trials' PYTHONPATH when it runs
# from the build tree; `make install` bakes in the installed copy instead.
SRC_CLIENT_DIR := $(CURDIR)/workers/client

.PHONY: all demo test test-asan bench bench-search fuzz fuzz-smoke install deps check-deps clean examples example-sklearn example-torch

all: $(BUILD)/ecosweep examples

$(BUILD)/obj/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ES_CPPFLAGS) $(CPPFLAGS) $(ES_CFLAGS) $(CFLAGS) -DES_CLIENT_DIR='"$(ES_CLIENT_DIR_VALUE)"' -MMD -MP -c $< -o $@

ES_CLIENT_DIR_VALUE ?= $(SRC_CLIENT_DIR)

$(BUILD)/libecosweep.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ecosweep: $(MAIN_OBJ) $(BUILD)/libecosweep.a
	$(CC) $(ES_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ES_LDLIBS) $(LDLIBS)

examples: $(EX_BIN)

$(BUILD)/examples/digits_trial: examples/digits/digits_trial.c workers/client/ecosweep_trial.h | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ES_CFLAGS) $(CFLAGS) $(LDFLAGS) -Iworkers/client -o $@ $< -lm

$(BUILD)/examples/bench_trial: examples/bench/bench_trial.c workers/client/ecosweep_trial.h | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ES_CFLAGS) $(CFLAGS) $(LDFLAGS) -Iworkers/client -o $@ $< -lm

$(BUILD)/examples/surrogate_trial: examples/bench/surrogate_trial.c examples/bench/surrogate.c examples/bench/surrogate.h workers/client/ecosweep_trial.h | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ES_CFLAGS) $(CFLAGS) $(LDFLAGS) -Iworkers/client -o $@ examples/bench/surrogate_trial.c examples/bench/surrogate.c -lm

$(BUILD)/examples/bench_baseline: examples/bench/bench_baseline.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ES_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The NVML stand-in the nvml meter's tests dlopen (tests/gpu/nvml_standin.c):
# built without sanitizers, like a vendor library would be.
NVML_STANDIN := $(BUILD)/tests/libnvml_standin.so
$(NVML_STANDIN): tests/gpu/nvml_standin.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ES_CFLAGS) -O2 -g -shared -fPIC -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libecosweep.a
	@mkdir -p $(dir $@)
	$(CC) $(ES_CPPFLAGS) $(CPPFLAGS) $(ES_CFLAGS) $(CFLAGS) $(LDFLAGS) -I. -o $@ $< $(BUILD)/libecosweep.a $(ES_LDLIBS) $(LDLIBS) -lcmocka

# ---- dependencies ---------------------------------------------------------
# Installs the Debian packages when they are missing and we are root;
# otherwise prints the exact command and stops.
check-deps:
	@missing=""; for p in $(DEBS) $(EXTRA_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "ecosweep: installing$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >&2 || exit 1; \
	  else \
	    echo "ecosweep: missing packages; run: sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi

deps: check-deps

# ---- demo, tests, bench -----------------------------------------------------
demo: all
	rm -rf $(BUILD)/demo
	$(BUILD)/ecosweep run examples/digits/digits.json -o $(BUILD)/demo/digits
	$(BUILD)/ecosweep front $(BUILD)/demo/digits

test: all $(UNIT_BIN) $(NVML_STANDIN)
	@$(MAKE) -s check-deps EXTRA_DEBS="$(TEST_DEBS)"
	@ECOSWEEP_BUILD=$(BUILD) sh tests/run.sh

test-asan:
	@$(MAKE) -s check-deps EXTRA_DEBS="$(TEST_DEBS) clang libclang-rt-14-dev"
	ECOSWEEP_SANITIZED=1 $(MAKE) BUILD=build/asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" test

bench: all $(BUILD)/bench/rung_scaling
	@ECOSWEEP_BUILD=$(BUILD) sh tests/bench/dispatch.sh
	@ECOSWEEP_BUILD=$(BUILD) sh tests/bench/load.sh
	@ECOSWEEP_BUILD=$(BUILD) sh tests/bench/overhead.sh
	@sh tests/bench/srun_cost.sh
	@$(BUILD)/bench/rung_scaling

$(BUILD)/bench/rung_scaling: tests/bench/rung_scaling.c $(BUILD)/libecosweep.a
	@mkdir -p $(dir $@)
	$(CC) $(ES_CPPFLAGS) $(CPPFLAGS) $(ES_CFLAGS) $(CFLAGS) -I. -o $@ $< $(BUILD)/libecosweep.a $(ES_LDLIBS) $(LDLIBS)

# libFuzzer targets (spec parser, report lines, journal replay) with clang,
# ASan and UBSan: `make fuzz` runs each 60 s; CI runs a 10 s smoke.
fuzz:
	@$(MAKE) -s check-deps EXTRA_DEBS="clang libclang-rt-14-dev"
	sh tests/fuzz/run.sh $(BUILD) 60

fuzz-smoke:
	@$(MAKE) -s check-deps EXTRA_DEBS="clang libclang-rt-14-dev"
	sh tests/fuzz/run.sh $(BUILD) 10

# Search benchmark: ecosweep's strategies against Optuna on the surrogate
# (installs python3-optuna when run as root).
bench-search: all
	@$(MAKE) -s check-deps EXTRA_DEBS="python3 python3-optuna"
	@ECOSWEEP_BUILD=$(BUILD) sh tests/bench/search.sh

# ---- install ------------------------------------------------------------------
install:
	$(MAKE) BUILD=$(BUILD)/install ES_CLIENT_DIR_VALUE=$(PREFIX)/share/ecosweep/client $(BUILD)/install/ecosweep
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ecosweep/client $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/install/ecosweep $(DESTDIR)$(PREFIX)/bin/ecosweep
	install -m 644 workers/client/ecosweep.py $(DESTDIR)$(PREFIX)/share/ecosweep/client/ecosweep.py
	install -m 644 workers/client/ecosweep_trial.h $(DESTDIR)$(PREFIX)/include/ecosweep_trial.h
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/ecosweep.1 $(DESTDIR)$(PREFIX)/share/man/man1/ecosweep.1

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)

# ---- ML examples: scikit-learn and PyTorch on the digits --------------------
# Real models with Debian's python3-sklearn / python3-torch (installed when
# missing, as root); examples/sklearn/README.md, examples/torch/README.md.
example-sklearn: all
	@$(MAKE) -s check-deps EXTRA_DEBS="python3-sklearn"
	rm -rf $(BUILD)/examples-run/sklearn
	$(BUILD)/ecosweep run examples/sklearn/sklearn.json -o $(BUILD)/examples-run/sklearn
	$(BUILD)/ecosweep front $(BUILD)/examples-run/sklearn

example-torch: all
	@$(MAKE) -s check-deps EXTRA_DEBS="python3-torch"
	rm -rf $(BUILD)/examples-run/torch
	$(BUILD)/ecosweep run examples/torch/torch.json -o $(BUILD)/examples-run/torch
	$(BUILD)/ecosweep front $(BUILD)/examples-run/torch
