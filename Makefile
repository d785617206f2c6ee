# ringfetch build. `make` builds the binaries; `make demo` and `make test` are
# the two commands a user types on a fresh Debian 12 machine.
#
# Layout the rules rely on (so adding a file needs no Makefile edit):
#   src/**/NAME_main.c   one program each: build/NAME
#   src/**/*.c (others)  compiled into build/librf.a, linked into every program and test
#   tests/unit/test_*.c  one cmocka program each: build/tests/test_*
# llhttp is compiled from Debian's node-llhttp sources into build/llhttp/.

CC      ?= cc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD   ?= build-asan
else
BUILD   ?= build
endif

LLHTTP_SRC_DIR ?= /usr/share/llhttp
# llhttp's strict build: the loose one (Debian's default) accepts any two bytes
# after chunk data in place of CRLF, a framing error a downloader must not let
# through. See tests/corpus/README.md for the leniency we chose.
LLHTTP_CFLAGS ?= -DLLHTTP_STRICT_MODE=1
LLHTTP_INC_DIR ?= /usr/share/include/llhttp

PKGS    := liburing json-c libcares libssl libcrypto

# Before anything compiles, every dependency must be there: a missing one
# stops make with one line naming its Debian package and `make deps`, not a
# compiler error about a header. Each entry is WHAT:DEBIAN-PACKAGE, WHAT
# being a pkg-config name (DEPS_PC), a file (DEPS_FILES) or a command
# (DEPS_CMDS). tests/e2e/test_build.py points DEPS_PC at a package that does
# not exist to see the line. Goals that install the dependencies first and
# re-enter make (deps, test, asan, demo, bench), or need none (clean,
# uninstall; deb: dpkg-buildpackage checks Build-Depends itself) skip the
# check; cmocka is needed only when the unit tests are built.
DEPS_PC    ?= liburing:liburing-dev json-c:libjson-c-dev libcares:libc-ares-dev \
              libssl:libssl-dev libcrypto:libssl-dev
DEPS_PC_TESTS ?= cmocka:libcmocka-dev
DEPS_FILES ?= $(LLHTTP_SRC_DIR)/llhttp.c:node-llhttp $(LLHTTP_INC_DIR)/llhttp.h:node-llhttp
DEPS_CMDS  ?= pkg-config:pkg-config scdoc:scdoc
DEPS_NO_CHECK_GOALS := deps test asan demo bench clean deb uninstall
# Goals that build no unit test, so need no cmocka (the Debian build's).
DEPS_NO_TESTS_GOALS := install install-files man
dep_what = $(word 1,$(subst :, ,$(1)))
dep_pkg  = $(word 2,$(subst :, ,$(1)))
ifeq ($(filter $(DEPS_NO_CHECK_GOALS),$(MAKECMDGOALS)),)
DEPS_WANT_PC := $(DEPS_PC) $(if $(filter-out $(DEPS_NO_TESTS_GOALS),$(or $(MAKECMDGOALS),all)),$(DEPS_PC_TESTS))
DEPS_MISSING := $(sort \
    $(foreach d,$(DEPS_CMDS),$(if $(shell command -v $(call dep_what,$(d)) 2>/dev/null),,$(call dep_pkg,$(d)))) \
    $(foreach d,$(DEPS_WANT_PC),$(if $(shell pkg-config --exists $(call dep_what,$(d)) 2>/dev/null && echo y),,$(call dep_pkg,$(d)))) \
    $(foreach d,$(DEPS_FILES),$(if $(wildcard $(call dep_what,$(d))),,$(call dep_pkg,$(d)))))
ifneq ($(DEPS_MISSING),)
$(error missing Debian package(s): $(DEPS_MISSING); run `make deps` to install them)
endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP
CPPFLAGS += -Iinclude -Isrc -I$(LLHTTP_INC_DIR) $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

ALL_SRC  := $(shell find src -name '*.c' | sort)
MAIN_SRC := $(filter %_main.c,$(ALL_SRC))
LIB_SRC  := $(filter-out %_main.c,$(ALL_SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
PROGS    := $(foreach m,$(MAIN_SRC),$(BUILD)/$(patsubst %_main.c,%,$(notdir $(m))))

TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BINS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_HELPER_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
TEST_HELPER_OBJ := $(TEST_HELPER_SRC:%.c=$(BUILD)/obj/%.o)

LLHTTP_LIB := $(BUILD)/llhttp/libllhttp.a
LLHTTP_OBJ := $(addprefix $(BUILD)/llhttp/,llhttp.o api.o http.o)

.PHONY: all clean deps demo test asan check-deps
all: $(PROGS) $(TEST_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# llhttp's generated C is not ours: compile it as it is, warnings off, into its own archive.
$(BUILD)/llhttp/%.o: $(LLHTTP_SRC_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) -I$(LLHTTP_INC_DIR) $(LLHTTP_CFLAGS) $(filter -O% -g -fsanitize% -fno-%,$(CFLAGS)) -w -c -o $@ $<

# Rebuilt when the Makefile (and so LLHTTP_CFLAGS) changes.
$(LLHTTP_OBJ): Makefile

$(LLHTTP_LIB): $(LLHTTP_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/librf.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

define prog_rule
$(BUILD)/$(patsubst %_main.c,%,$(notdir $(1))): $(BUILD)/obj/$(1:.c=.o) $(BUILD)/librf.a $(LLHTTP_LIB)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach m,$(MAIN_SRC),$(eval $(call prog_rule,$(m))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_HELPER_OBJ) $(BUILD)/librf.a $(LLHTTP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

clean:
	rm -rf build build-asan

# ---- targets around the build (harness) ----------------------------------
# deps, test, asan and demo re-enter make after `deps`, so that on a fresh
# machine pkg-config's flags are read only once the packages exist, and so
# that `make -j` never compiles before the headers are installed.

ASAN_BUILD ?= build-asan
# Make every sanitizer report fatal, so a finding is a failed test, not a log line.
SAN_ENV := ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1 \
           UBSAN_OPTIONS=abort_on_error=1:halt_on_error=1:print_stacktrace=1

# The unit tests' objects, and their shared helpers' (tests/unit/capture.o),
# are made by a chain of pattern rules, so make treats them as intermediates:
# without this it deletes them after the first link, and the next `make`
# rebuilds them and relinks every test program. tests/e2e/test_build.py checks
# that a second `make` does nothing.
.SECONDARY: $(TEST_SRC:%.c=$(BUILD)/obj/%.o) $(TEST_HELPER_OBJ)

deps:
	@scripts/deps.sh

# Two test files at a time (tests/run: those about time or rate run alone).
TEST_JOBS ?= 2

test: deps
	@$(MAKE) --no-print-directory all
	RF_TEST_JOBS=$(TEST_JOBS) RF_BUILD=$(BUILD) tests/run

asan: deps
	@$(MAKE) --no-print-directory SANITIZE=1 BUILD=$(ASAN_BUILD) all
	$(SAN_ENV) RF_TEST_JOBS=$(TEST_JOBS) RF_BUILD=$(ASAN_BUILD) tests/run

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Further targets live in mk/*.mk, one file per concern (bench, fuzz, soak...).
-include $(sort $(wildcard mk/*.mk))
