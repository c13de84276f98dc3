# pgs — top-level, non-recursive Makefile.
#
#   make            build everything (pgs-early static with musl, pgs, test tools)
#   make check      install missing Debian packages, build, run every test suite
#   make demo       boot the virtual host with and without pgs-early, side by side
#   make bench      speed and size figures
#   make install    DESTDIR=… PREFIX=/usr

PREFIX   ?= /usr
LIBDIR   ?= $(PREFIX)/lib/pgs
BINDIR   ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
DOCDIR   ?= $(PREFIX)/share/doc/pgs
DESTDIR  ?=
VERSION  := 0.1.0

CC       ?= cc
MUSLCC   ?= musl-gcc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wno-format-truncation -Wno-unused-parameter
CPPFLAGS += -I. -D_GNU_SOURCE -DPGS_VERSION='"$(VERSION)"' -DPGS_LIBDIR='"$(LIBDIR)"'
ALLCFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(CPPFLAGS)

B := build

SHARED_SRC := $(wildcard shared/*.c)
SHARED_HDR := $(wildcard shared/*.h)
EARLY_SRC  := initramfs/early.c initramfs/pgs-early.c
CLI_SRC    := $(wildcard cli/*.c boot-entry/*.c)

.PHONY: all check demo bench install clean deps test-build
all: $(B)/pgs-early $(B)/pgs test-build

# --- libpgs.a (host, dynamic programs) and its musl twin (static pgs-early) ---
$(B)/host/%.o: %.c $(SHARED_HDR) $(wildcard initramfs/*.h cli/*.h boot-entry/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -fPIC -c -o $@ $<
$(B)/musl/%.o: %.c $(SHARED_HDR) $(wildcard initramfs/*.h)
	@mkdir -p $(dir $@)
	$(MUSLCC) $(ALLCFLAGS) -Os -ffunction-sections -fdata-sections -c -o $@ $<

$(B)/libpgs.a: $(SHARED_SRC:%.c=$(B)/host/%.o)
	$(AR) rcs $@ $^
$(B)/musl/libpgs.a: $(SHARED_SRC:%.c=$(B)/musl/%.o)
	$(AR) rcs $@ $^

# pgs-early: static, libc (musl) + shared/ only
$(B)/pgs-early: $(EARLY_SRC:%.c=$(B)/musl/%.o) $(B)/musl/libpgs.a
	$(MUSLCC) -static -Wl,--gc-sections -o $@ $^
	strip -o $@.stripped $@ 2>/dev/null || true

$(B)/pgs: $(CLI_SRC:%.c=$(B)/host/%.o) $(B)/libpgs.a
	$(CC) -o $@ $^

# --- test builds: the same sources, dynamic, so the fake kernel can be preloaded
TEST_BINS := $(B)/test/pgs-early $(B)/test/libfakesys.so $(B)/test/fakesys $(B)/test/unit $(B)/test/timeit
test-build: $(TEST_BINS)

$(B)/test/pgs-early: $(EARLY_SRC:%.c=$(B)/host/%.o) $(B)/libpgs.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^
$(B)/test/libfakesys.so: tests/fake/preload.c tests/fake/fakesys.c tests/fake/fakesys.h
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -shared -fPIC -o $@ tests/fake/preload.c tests/fake/fakesys.c -ldl
$(B)/test/fakesys: tests/fake/tool.c tests/fake/fakesys.c tests/fake/fakesys.h
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ tests/fake/tool.c tests/fake/fakesys.c
$(B)/test/unit: $(wildcard tests/unit/*.c tests/unit/*.h boot-entry/*.h) boot-entry/kparams.c $(SHARED_HDR) $(B)/libpgs.a
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $(wildcard tests/unit/*.c) boot-entry/kparams.c $(B)/libpgs.a
$(B)/test/timeit: tests/bench/timeit.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $<

# --- the newcomer's two commands -------------------------------------------------
deps:
	@tests/deps

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run

demo: deps
	@$(MAKE) --no-print-directory $(B)/pgs-early
	@tests/vmtest/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/run

# --- install ---------------------------------------------------------------------
install: $(B)/pgs-early $(B)/pgs
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(B)/pgs-early.stripped $(DESTDIR)$(LIBDIR)/pgs-early
	install -m 0755 $(B)/pgs $(DESTDIR)$(BINDIR)/pgs
	install -m 0644 docs/pgs.conf.example $(DESTDIR)$(DOCDIR)/pgs.conf.example
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/pgs.conf ]; then \
		install -d $(DESTDIR)$(SYSCONFDIR); \
		install -m 0644 docs/pgs.conf.example $(DESTDIR)$(SYSCONFDIR)/pgs.conf; \
	fi

clean:
	rm -rf $(B)
