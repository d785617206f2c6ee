# Man pages (issue 14): man/NAME.SECTION.scd rendered by scdoc into
# $(BUILD)/man/NAME.SECTION as part of `make`, with the version of
# include/ringfetch/engine.h in their footer. tests/e2e/test_man.py keeps
# them in step with each program's --help and checks they render cleanly.
SCDOC ?= scdoc
RF_VERSION := $(shell sed -n 's/^\#define RF_VERSION "\(.*\)"/\1/p' include/ringfetch/engine.h)
MAN_SRC   := $(sort $(wildcard man/*.scd))
MAN_PAGES := $(MAN_SRC:man/%.scd=$(BUILD)/man/%)

.PHONY: man
man: $(MAN_PAGES)
all: man

# Through a temporary name, so a failed scdoc leaves no half page behind.
$(BUILD)/man/%: man/%.scd include/ringfetch/engine.h
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(RF_VERSION)/g' $< | $(SCDOC) > $@.tmp
	mv $@.tmp $@
