# --version says which liburing the programs were built with. liburing 2.3
# (Debian 12) has no version macro in its headers, so the one source that
# prints it (src/cli/version.c) gets pkg-config's answer.
RF_LIBURING_VERSION := $(shell pkg-config --modversion liburing 2>/dev/null)
$(BUILD)/obj/src/cli/version.o: CPPFLAGS += -DRF_LIBURING_VERSION='"$(RF_LIBURING_VERSION)"'
