# Fuzzing (issue 5): libFuzzer targets over the response path, URL parsing and
# the TLS transport's plaintext feed (issue 10: src/engine/tp_tls.c against a
# real OpenSSL server in memory; links libssl).
#
#   make fuzz                  build the targets, run each for FUZZ_SECONDS (60)
#   make fuzz FUZZ_SECONDS=10  shorter
#   make fuzz-build            only build $(FUZZ_BUILD)/fuzz_response, fuzz_url, fuzz_tls
#
# Everything, llhttp included (with the Makefile's LLHTTP_CFLAGS, i.e. its strict
# build, like the programs), is compiled with clang under ASan+UBSan (UBSan
# findings are fatal). Seeds come from tests/fuzz/corpus/<target>/ (committed,
# read only here); what libFuzzer discovers goes to $(FUZZ_BUILD)/corpus-<target>/
# and crash reproducers to $(FUZZ_BUILD)/crash-<target>-*. Re-run one with
#   $(FUZZ_BUILD)/fuzz_response $(FUZZ_BUILD)/crash-response-<hash>
# CI: `make fuzz` (60 s each).

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 8192
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -std=c11 -D_GNU_SOURCE
FUZZ_TARGETS := response url tls

FUZZ_LLHTTP_OBJ := $(addprefix $(FUZZ_BUILD)/llhttp/,llhttp.o api.o http.o)
FUZZ_HTTP_SRC   := src/http/response.c src/http/url.c src/http/request.c src/util/base64.c
FUZZ_HTTP_OBJ   := $(FUZZ_HTTP_SRC:%.c=$(FUZZ_BUILD)/o/%.o)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/llhttp/%.o: $(LLHTTP_SRC_DIR)/%.c mk/fuzz.mk Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -I$(LLHTTP_INC_DIR) $(LLHTTP_CFLAGS) -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -w -c -o $@ $<

$(FUZZ_BUILD)/o/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -Iinclude -Isrc -I$(LLHTTP_INC_DIR) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    -Wall -Wextra -Werror -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/o/tests/fuzz/fuzz_%.o $(FUZZ_HTTP_OBJ) $(FUZZ_LLHTTP_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

# The TLS target also takes the transport and OpenSSL.
$(FUZZ_BUILD)/fuzz_tls: $(FUZZ_BUILD)/o/src/engine/tp_tls.o
$(FUZZ_BUILD)/fuzz_tls: FUZZ_LIBS = $(shell pkg-config --libs libssl libcrypto 2>/dev/null)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_BUILD)/corpus-$$t; \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	    ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
	        -timeout=10 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
	        $(FUZZ_BUILD)/corpus-$$t tests/fuzz/corpus/$$t; \
	done

# Keep the objects between runs (pattern-rule intermediates are deleted otherwise).
.SECONDARY: $(FUZZ_HTTP_OBJ) $(FUZZ_LLHTTP_OBJ) $(FUZZ_BUILD)/o/src/engine/tp_tls.o $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/o/tests/fuzz/fuzz_%.o)

-include $(shell find $(FUZZ_BUILD)/o -name '*.d' 2>/dev/null)
