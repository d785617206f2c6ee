# make install / make uninstall (issue 14), with the GNU conventions:
#   make install                         into PREFIX=/usr/local
#   make install PREFIX=/usr DESTDIR=/tmp/stage
#                                        staged: files go under DESTDIR, and
#                                        name PREFIX as where they will live
# What goes where: the four programs in BINDIR; their man pages and the
# engine's (MANDIR/man1, man3); bash completions where Debian's
# bash-completion loads them on demand, zsh ones in the vendor directory
# Debian's zsh puts in fpath; the engine as a static library (LIBDIR),
# its public headers (INCLUDEDIR/ringfetch) and ringfetch.pc for pkg-config.
# tests/e2e/test_install.py installs into a temporary DESTDIR, builds
# examples/ against it and uninstalls.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/vendor-completions
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL    ?= install

# The programs a user runs; mkcorpus is a tool of the test suite.
INSTALL_PROGS := ringfetch ringload flags2 flagserver
PUBLIC_HEADERS := $(sort $(wildcard include/ringfetch/*.h))

# The engine as a library: the engine, its I/O backends, the HTTP layer and
# the utilities they use, with llhttp's objects inside so that a program
# needs only the system libraries ringfetch.pc names. The front ends
# (src/cli, src/load, src/server...) stay out.
ENGINE_DIRS := engine io http util
ENGINE_OBJ  := $(filter $(ENGINE_DIRS:%=$(BUILD)/obj/src/%/%),$(LIB_OBJ))
ENGINE_LIB  := $(BUILD)/libringfetch.a

# Removed first: `ar rcs` into an old archive would keep members whose
# source has gone.
$(ENGINE_LIB): $(ENGINE_OBJ) $(LLHTTP_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The static library depends on these (Requires, not Requires.private:
# without --static, pkg-config --libs must still name them, or linking
# libringfetch.a fails).
PC_REQUIRES := liburing libcares libssl libcrypto

$(BUILD)/ringfetch.pc: mk/pkg.mk include/ringfetch/engine.h
	@mkdir -p $(dir $@)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	    'Name: ringfetch' \
	    'Description: io_uring HTTP/1.1 fetch engine (static library)' \
	    'Version: $(RF_VERSION)' \
	    'Requires: $(PC_REQUIRES)' \
	    'Libs: -L$${libdir} -lringfetch -lm' \
	    'Cflags: -I$${includedir}' > $@.tmp
	mv $@.tmp $@

# The .pc names PREFIX and LIBDIR, which change without a file changing:
# make it anew whenever install runs, so it never names the last prefix.
.PHONY: install uninstall install-files FORCE-PC
$(BUILD)/ringfetch.pc: FORCE-PC
FORCE-PC:

all: $(ENGINE_LIB)

# What `make install` needs built: not the unit tests (no cmocka needed).
install-files: $(INSTALL_PROGS:%=$(BUILD)/%) $(MAN_PAGES) $(ENGINE_LIB) $(BUILD)/ringfetch.pc

install: install-files
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/ringfetch
	$(INSTALL) -m 755 $(INSTALL_PROGS:%=$(BUILD)/%) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 $(filter %.1,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(filter %.3,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 644 $(INSTALL_PROGS:%=completions/bash/%) $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 644 $(INSTALL_PROGS:%=completions/zsh/_%) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 644 $(ENGINE_LIB) $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/ringfetch
	$(INSTALL) -m 644 $(BUILD)/ringfetch.pc $(DESTDIR)$(PKGCONFIGDIR)

# Every file install put there, and the one folder that is ours alone
# (INCLUDEDIR/ringfetch); the shared folders (bin, share/man/man1...) stay,
# as other packages' files may live in them.
uninstall:
	rm -f $(INSTALL_PROGS:%=$(DESTDIR)$(BINDIR)/%) \
	    $(patsubst $(BUILD)/man/%.1,$(DESTDIR)$(MANDIR)/man1/%.1,$(filter %.1,$(MAN_PAGES))) \
	    $(patsubst $(BUILD)/man/%.3,$(DESTDIR)$(MANDIR)/man3/%.3,$(filter %.3,$(MAN_PAGES))) \
	    $(INSTALL_PROGS:%=$(DESTDIR)$(BASHCOMPDIR)/%) \
	    $(INSTALL_PROGS:%=$(DESTDIR)$(ZSHCOMPDIR)/_%) \
	    $(DESTDIR)$(LIBDIR)/libringfetch.a $(DESTDIR)$(PKGCONFIGDIR)/ringfetch.pc \
	    $(PUBLIC_HEADERS:include/ringfetch/%=$(DESTDIR)$(INCLUDEDIR)/ringfetch/%)
	[ ! -d $(DESTDIR)$(INCLUDEDIR)/ringfetch ] || rmdir $(DESTDIR)$(INCLUDEDIR)/ringfetch

# ---- make deb --------------------------------------------------------------
# The Debian packages (debian/), built by dpkg-buildpackage -us -uc -b in a
# copy of the tree under DEB_DIR/src, so that the build neither touches this
# tree's build/ nor litters its parent folder (where dpkg-buildpackage puts
# what it makes). The .deb files, .buildinfo and .changes end in DEB_DIR,
# the copy is removed, and lintian's verdict is printed (errors fail).
# Takes about a minute (a full build on 2 cores): not part of `make test`;
# tests/e2e/test_deb.py runs it when RF_TEST_DEB=1.
#   make deb && sudo dpkg -i build/deb/ringfetch_*.deb
DEB_DIR ?= $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/src/ringfetch-$(RF_VERSION)
LINTIAN ?= lintian
.PHONY: deb
deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	tar -cf - --exclude-vcs --exclude='./build*' --exclude=./downloads \
	    --exclude=__pycache__ --exclude='*.part' --exclude=./bench/results/tmp . \
	    | tar -xf - -C $(DEB_SRC)
	cd $(DEB_SRC) && env -u MAKEFLAGS -u MAKELEVEL -u BUILD dpkg-buildpackage -us -uc -b
	mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/src/*.buildinfo $(DEB_DIR)/src/*.changes $(DEB_DIR)/
	rm -rf $(DEB_DIR)/src
	$(LINTIAN) --fail-on error $(DEB_DIR)/*.changes
	@ls -1 $(DEB_DIR)/*.deb
