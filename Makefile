# SPDX-License-Identifier: GPL-2.0-or-later
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
DATADIR  ?= $(PREFIX)/share/pgs
UDEVDIR  ?= $(PREFIX)/lib/udev/rules.d
MANDIR   ?= $(PREFIX)/share/man
# where each shell looks: bash-completion's own answer, zsh's vendor directory
BASHCOMPDIR ?= $(or $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
DESTDIR  ?=
VERSION  := 0.1.0

CC       ?= cc
MUSLCC   ?= musl-gcc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wno-format-truncation -Wno-unused-parameter
CPPFLAGS += -I. -D_GNU_SOURCE -DPGS_VERSION='"$(VERSION)"' -DPGS_LIBDIR='"$(LIBDIR)"'
# -MMD -MP: every object records the headers it includes (build/**/*.d), so a
# header change rebuilds exactly what uses it
ALLCFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(CPPFLAGS) -MMD -MP

B := build

SHARED_SRC := $(wildcard shared/*.c)
SHARED_HDR := $(wildcard shared/*.h shared/host/*.h)
# the host tier: libkmod and libpci, for the dynamic programs only
HOST_SRC   := $(wildcard shared/host/*.c)
HOST_LIBS  := $(shell pkg-config --libs libkmod libpci 2>/dev/null)
EARLY_SRC  := $(wildcard initramfs/*.c)
# the hook's features (their journal kinds undo for pgs restore), not its mains
HOOK_LIB_SRC := $(filter-out qemu-hook/front.c qemu-hook/worker.c qemu-hook/domain.c,$(wildcard qemu-hook/*.c))
# pgs check runs pgs-early's plan (initramfs/ without its main) as a dry run
CLI_SRC    := $(wildcard cli/*.c boot-entry/*.c installers/*.c) vm/front.c $(HOOK_LIB_SRC) $(filter-out initramfs/pgs-early.c,$(EARLY_SRC))

.PHONY: all programs pkg-src pkg-tarball package-arch package-rpm package-deb check demo bench install uninstall clean deps test-build installers fuzz fuzz-build fresh-check
all: programs test-build
# what is installed (make install, the packages): no test tools
programs: $(B)/pgs-early $(B)/pgs $(B)/pgs-vm $(B)/pgs-qemu-hook $(B)/pgs-qemu-hook-xml installers

# pgs-qemu-hook: a static front (an unmanaged domain costs one small static
# start) and the libxml2-linked worker for managed domains
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null)
XML_LIBS   := $(shell pkg-config --libs libxml-2.0 2>/dev/null)
$(B)/pgs-qemu-hook: $(B)/musl/qemu-hook/front.o $(B)/musl/libpgs.a
	$(MUSLCC) -static -Wl,--gc-sections $(LDFLAGS) -o $@ $^
$(B)/host/qemu-hook/%.o: qemu-hook/%.c $(SHARED_HDR) $(wildcard qemu-hook/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) $(XML_CFLAGS) -c -o $@ $<
$(B)/pgs-qemu-hook-xml: $(B)/host/qemu-hook/worker.o $(B)/host/qemu-hook/domain.o $(HOOK_LIB_SRC:%.c=$(B)/host/%.o) $(B)/libpgs-host.a $(B)/libpgs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(XML_LIBS) $(HOST_LIBS)

# pgs-vm: `pgs vm` (vm/front.c runs it), the one program linked with
# libvirt; it reads XML with the hook's own parser (qemu-hook/domain.c)
VIRT_CFLAGS := $(shell pkg-config --cflags libvirt 2>/dev/null)
VIRT_LIBS   := $(shell pkg-config --libs libvirt icu-i18n 2>/dev/null)
VM_SRC      := $(filter-out vm/front.c,$(wildcard vm/*.c))
$(B)/host/vm/%.o: vm/%.c $(SHARED_HDR) $(wildcard vm/*.h qemu-hook/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) $(XML_CFLAGS) $(VIRT_CFLAGS) -c -o $@ $<
# --laptop's ACPI table: compiled from vm/battery.asl by iasl (acpica-tools),
# carried inside pgs-vm (vm/battery.S)
$(B)/vm/battery.aml: vm/battery.asl
	@mkdir -p $(dir $@)
	@command -v iasl >/dev/null || { echo "iasl is missing: apt-get install acpica-tools (make check installs it)" >&2; exit 1; }
	iasl -vs -p $(B)/vm/battery $< > $(B)/vm/battery.log || { cat $(B)/vm/battery.log >&2; exit 1; }
$(B)/host/vm/battery.o: vm/battery.S $(B)/vm/battery.aml
	@mkdir -p $(dir $@)
	$(CC) -c -DBATTERY_AML='"$(B)/vm/battery.aml"' -o $@ $<
$(B)/pgs-vm: $(VM_SRC:%.c=$(B)/host/%.o) $(B)/host/vm/battery.o $(B)/host/qemu-hook/domain.o $(B)/libpgs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(VIRT_LIBS) $(XML_LIBS)

# --- installer files, with the real paths substituted -------------------------
# build/installers/ mirrors what is installed (not packaging/ nor ansible/): initramfs-tools/, dracut/90pgs/,
# mkinitcpio/{install,hooks}/, share/ (DATADIR), udev/
INST_SRC := $(shell find installers \( -path installers/packaging -o -path installers/ansible \) -prune -o -type f ! -name '*.c' -print)
INST_OUT := $(patsubst installers/%,$(B)/installers/%,$(INST_SRC:.in=)) \
            $(B)/installers/share/modprobe.conf $(B)/installers/share/60-pgs-sriov.rules \
            $(B)/installers/share/pgs-early.service \
            $(B)/installers/dracut/90pgs/modprobe.conf $(B)/installers/dracut/90pgs/60-pgs-sriov.rules
SUBST = sed -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g'
installers: $(INST_OUT)
$(B)/installers/%: installers/%.in
	@mkdir -p $(dir $@)
	$(SUBST) $< > $@
$(B)/installers/%: installers/%
	@mkdir -p $(dir $@)
	$(SUBST) $< > $@ && chmod --reference=$< $@
$(B)/installers/share/%: $(B)/installers/%
	@mkdir -p $(dir $@)
	cp $< $@
$(B)/installers/share/60-pgs-sriov.rules: $(B)/installers/udev/60-pgs-sriov.rules
	@mkdir -p $(dir $@)
	cp $< $@
$(B)/installers/share/pgs-early.service: $(B)/installers/mkinitcpio/pgs-early.service
	@mkdir -p $(dir $@)
	cp $< $@
$(B)/installers/dracut/90pgs/modprobe.conf: $(B)/installers/modprobe.conf
	cp $< $@
$(B)/installers/dracut/90pgs/60-pgs-sriov.rules: $(B)/installers/udev/60-pgs-sriov.rules
	cp $< $@

# --- libpgs.a (host, dynamic programs) and its musl twin (static pgs-early) ---
$(B)/host/%.o: %.c $(SHARED_HDR) $(wildcard initramfs/*.h cli/*.h boot-entry/*.h qemu-hook/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -fPIC -c -o $@ $<
$(B)/musl/%.o: %.c $(SHARED_HDR) $(wildcard initramfs/*.h)
	@mkdir -p $(dir $@)
	$(MUSLCC) $(ALLCFLAGS) -Os -ffunction-sections -fdata-sections -c -o $@ $<

$(B)/libpgs.a: $(SHARED_SRC:%.c=$(B)/host/%.o)
	$(AR) rcs $@ $^
$(B)/libpgs-host.a: $(HOST_SRC:%.c=$(B)/host/%.o)
	$(AR) rcs $@ $^
$(B)/musl/libpgs.a: $(SHARED_SRC:%.c=$(B)/musl/%.o)
	$(AR) rcs $@ $^

# pgs-early: static, libc (musl) + shared/ only
$(B)/pgs-early: $(EARLY_SRC:%.c=$(B)/musl/%.o) $(B)/musl/libpgs.a
	$(MUSLCC) -static -Wl,--gc-sections $(LDFLAGS) -o $@ $^
	strip -o $@.stripped $@ 2>/dev/null || true

$(B)/pgs: $(CLI_SRC:%.c=$(B)/host/%.o) $(B)/libpgs-host.a $(B)/libpgs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(HOST_LIBS)

# --- test builds: the same sources, dynamic, so the fake kernel can be preloaded
TEST_BINS := $(B)/test/pgs-early $(B)/test/libfakesys.so $(B)/test/fakesys $(B)/test/unit $(B)/test/timeit \
             $(B)/test/readstdin $(B)/test/xmlonly $(B)/test/fragment $(B)/test/kmods/.done
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
# unit: the pure logic of every room (pgs-early's plan on fake trees built
# with tests/fake's builder; the domain XML parse with libxml2)
UNIT_SRC := $(wildcard tests/unit/*.c) boot-entry/kparams.c tests/fake/fakesys.c qemu-hook/domain.c \
            $(filter-out initramfs/pgs-early.c,$(EARLY_SRC))
$(B)/test/unit: $(UNIT_SRC) $(wildcard tests/unit/*.h initramfs/*.h qemu-hook/*.h boot-entry/*.h tests/fake/*.h) $(SHARED_HDR) $(B)/libpgs.a
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) $(XML_CFLAGS) -o $@ $(UNIT_SRC) $(B)/libpgs.a $(XML_LIBS)
# module trees libkmod reads (stub .ko files, the real depmod): tests/fake/mkmods
$(B)/test/kmods/.done: tests/fake/mkmods
	@mkdir -p $(dir $@)
	CC=$(CC) tests/fake/mkmods $(B)/test/kmods
	touch $@
$(B)/test/readstdin: tests/bench/readstdin.c
	@mkdir -p $(dir $@)
	$(MUSLCC) -static -Os -o $@ $<
$(B)/test/fragment: tests/bench/fragment.c
	@mkdir -p $(dir $@)
	$(MUSLCC) -static -Os -o $@ $<
$(B)/test/xmlonly: tests/bench/xmlonly.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) $(XML_CFLAGS) -o $@ $< $(XML_LIBS)
$(B)/test/timeit: tests/bench/timeit.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $<

# --- fuzzing: a libFuzzer harness for every parser of outside bytes ---------------
# `make fuzz FUZZ_SECONDS=N` runs each for N s, new inputs kept in build/fuzz/;
# `make check` replays the committed corpus (tests/fuzz/corpus/NAME) and runs
# each briefly with a fixed seed and a bounded run count (tests/fuzz/run).
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11 $(CPPFLAGS)
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := config cpulist kparams boot journal early_state domain setup domcaps winlocale disk
FUZZ_BINS    := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_SRC_boot        := $(wildcard boot-entry/*.c) cli/status.c cli/statusvm.c $(HOST_SRC)
FUZZ_LIBS_boot       := $(HOST_LIBS)
FUZZ_SRC_kparams     := boot-entry/kparams.c
FUZZ_SRC_early_state := cli/status.c cli/statusvm.c $(HOST_SRC)
FUZZ_LIBS_early_state := $(HOST_LIBS)
FUZZ_SRC_domain      := qemu-hook/domain.c
FUZZ_SRC_journal     := $(HOOK_LIB_SRC) $(HOST_SRC)
FUZZ_LIBS_journal    := $(HOST_LIBS)
FUZZ_LIBS_domain     := $(XML_LIBS)
# pgs vm's capabilities parser and the XML it writes, read back by the hook's parser
FUZZ_SRC_domcaps     := vm/caps.c vm/xml.c qemu-hook/domain.c
FUZZ_LIBS_domcaps    := $(XML_LIBS)
FUZZ_SRC_winlocale   := vm/winlocale.c
FUZZ_LIBS_winlocale  := $(shell pkg-config --libs icu-i18n 2>/dev/null)
# whether a disk is the host's (mountinfo, swaps, udev's database) and a --rom file
FUZZ_SRC_disk        := vm/disk.c vm/firmware.c
# pgs setup reads its record and /etc/pgs.conf; it is the whole of pgs but its main
FUZZ_SRC_setup       := $(filter-out cli/pgs.c,$(CLI_SRC)) $(HOST_SRC)
FUZZ_LIBS_setup      := $(HOST_LIBS)
fuzz-build: $(FUZZ_BINS)
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(SHARED_SRC) $(SHARED_HDR) $(wildcard boot-entry/* cli/* qemu-hook/* vm/* installers/*.c installers/*.h initramfs/*)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(if $(filter domain domcaps,$*),$(XML_CFLAGS)) -o $@ $< $(SHARED_SRC) $(FUZZ_SRC_$*) $(FUZZ_LIBS_$*)
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run long

# --- the newcomer's two commands -------------------------------------------------
deps:
	@tests/deps

check: deps
	@$(MAKE) --no-print-directory all fuzz-build
	@tests/run

demo: deps
	@$(MAKE) --no-print-directory $(B)/pgs-early
	@tests/vmtest/demo

# --- packages (installers/packaging): each built from a clean copy of the tree
# in build/pkg (no build/, no .git), as a distribution's builder would
PKG_SRC = $(B)/pkg/src/pgs-$(VERSION)
pkg-src:
	rm -rf $(B)/pkg/src && mkdir -p $(PKG_SRC)
	tar -c --exclude=./build --exclude=./.git . | tar -x -C $(PKG_SRC)
pkg-tarball: pkg-src
	tar -C $(B)/pkg/src -czf $(B)/pkg/pgs-$(VERSION).tar.gz pgs-$(VERSION)
# Arch: makepkg refuses root; a root caller builds as nobody (setpriv), in
# build/pkg/arch, a directory nobody may write; -d and PACMAN=true: Arch's
# dependencies cannot be resolved here (no pacman database), so this proves
# the PKGBUILD's build and package functions and its file list, not an Arch build
package-arch: pkg-tarball
	rm -rf $(B)/pkg/arch && mkdir -p $(B)/pkg/arch
	cp installers/packaging/arch/PKGBUILD installers/packaging/arch/pgs.install $(B)/pkg/pgs-$(VERSION).tar.gz $(B)/pkg/arch/
	if [ "$$(id -u)" = 0 ]; then chown -R 65534:65534 $(B)/pkg/arch; fi
	cd $(B)/pkg/arch && $$( [ "$$(id -u)" = 0 ] && echo setpriv --reuid=65534 --regid=65534 --clear-groups ) \
		env HOME=$$PWD BUILDDIR=$$PWD/work PKGDEST=$$PWD SRCDEST=$$PWD PACMAN=true makepkg -d -f --noconfirm
# Fedora: rpmbuild --nodeps (Fedora's build dependencies have other names
# here), which proves the spec and its file list, not a Fedora build
package-rpm: pkg-tarball
	rm -rf $(B)/pkg/rpm && mkdir -p $(B)/pkg/rpm/SOURCES
	cp $(B)/pkg/pgs-$(VERSION).tar.gz $(B)/pkg/rpm/SOURCES/
	rpmbuild --nodeps -bb --define "_topdir $(CURDIR)/$(B)/pkg/rpm" --define "_build_id_links none" \
		--define "optflags -O2 -g" installers/packaging/rpm/pgs.spec
package-deb: pkg-src
	cp -r installers/packaging/debian $(PKG_SRC)/debian
	cd $(PKG_SRC) && dpkg-buildpackage -us -uc -b
	mkdir -p $(B)/pkg/deb && mv $(B)/pkg/src/pgs_$(VERSION)_* $(B)/pkg/src/pgs-dbgsym_$(VERSION)_* $(B)/pkg/deb/ 2>/dev/null; ls $(B)/pkg/deb

# the README's two commands in a fresh minimal Debian root (tests/fresh-check)
fresh-check:
	@tests/fresh-check

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/run

# --- install ---------------------------------------------------------------------
# The initramfs generators read their hooks from fixed places, whatever PREFIX
# is: /usr/share/initramfs-tools, /usr/lib/dracut, /usr/lib/initcpio. udev also
# reads /usr/local/lib/udev/rules.d, so the rules follow PREFIX.
GENDIR_ITOOLS ?= /usr/share/initramfs-tools
GENDIR_DRACUT ?= /usr/lib/dracut/modules.d/90pgs
GENDIR_CPIO   ?= /usr/lib/initcpio
INSTALLED := $(LIBDIR)/pre-remove $(LIBDIR)/pgs-early $(BINDIR)/pgs $(LIBDIR)/pgs-vm $(LIBDIR)/pgs-qemu-hook $(LIBDIR)/pgs-qemu-hook-xml \
             $(UDEVDIR)/60-pgs-sriov.rules $(UDEVDIR)/70-pgs-vfio.rules $(SYSCONFDIR)/security/limits.d/90-pgs.conf \
             $(GENDIR_ITOOLS)/hooks/pgs $(GENDIR_ITOOLS)/scripts/init-top/pgs $(GENDIR_CPIO)/install/pgs $(GENDIR_CPIO)/hooks/pgs \
             $(DOCDIR)/pgs.conf.example $(MANDIR)/man1/pgs.1 $(MANDIR)/man5/pgs.conf.5 $(MANDIR)/man8/pgs-early.8 \
             $(MANDIR)/man8/pgs-qemu-hook.8 $(BASHCOMPDIR)/pgs $(BASHCOMPDIR)/pgs-early $(ZSHCOMPDIR)/_pgs
install: $(B)/pgs-early $(B)/pgs $(B)/pgs-vm $(B)/pgs-qemu-hook $(B)/pgs-qemu-hook-xml installers
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(UDEVDIR)
	install -m 0755 $(B)/pgs-early.stripped $(DESTDIR)$(LIBDIR)/pgs-early
	install -m 0755 $(B)/pgs $(DESTDIR)$(BINDIR)/pgs
	install -m 0755 $(B)/pgs-vm $(DESTDIR)$(LIBDIR)/pgs-vm
	install -m 0755 $(B)/pgs-qemu-hook $(B)/pgs-qemu-hook-xml $(DESTDIR)$(LIBDIR)/
	install -m 0755 installers/packaging/pre-remove $(DESTDIR)$(LIBDIR)/pre-remove
	install -m 0644 $(B)/installers/share/* $(DESTDIR)$(DATADIR)/
	install -m 0644 $(B)/installers/udev/60-pgs-sriov.rules $(B)/installers/host/70-pgs-vfio.rules $(DESTDIR)$(UDEVDIR)/
	install -D -m 0644 $(B)/installers/host/limits.conf $(DESTDIR)$(SYSCONFDIR)/security/limits.d/90-pgs.conf
	install -D -m 0755 $(B)/installers/initramfs-tools/hooks/pgs $(DESTDIR)$(GENDIR_ITOOLS)/hooks/pgs
	install -D -m 0755 $(B)/installers/initramfs-tools/scripts/init-top/pgs $(DESTDIR)$(GENDIR_ITOOLS)/scripts/init-top/pgs
	install -d $(DESTDIR)$(GENDIR_DRACUT)
	install -m 0755 $(B)/installers/dracut/90pgs/*.sh $(DESTDIR)$(GENDIR_DRACUT)/
	install -m 0644 $(B)/installers/dracut/90pgs/modprobe.conf $(B)/installers/dracut/90pgs/60-pgs-sriov.rules $(DESTDIR)$(GENDIR_DRACUT)/
	install -D -m 0644 $(B)/installers/mkinitcpio/install/pgs $(DESTDIR)$(GENDIR_CPIO)/install/pgs
	install -D -m 0644 $(B)/installers/mkinitcpio/hooks/pgs $(DESTDIR)$(GENDIR_CPIO)/hooks/pgs
	install -m 0644 docs/pgs.conf.example $(DESTDIR)$(DOCDIR)/pgs.conf.example
	install -D -m 0644 docs/man/pgs.1 $(DESTDIR)$(MANDIR)/man1/pgs.1
	install -D -m 0644 docs/man/pgs.conf.5 $(DESTDIR)$(MANDIR)/man5/pgs.conf.5
	install -D -m 0644 docs/man/pgs-early.8 $(DESTDIR)$(MANDIR)/man8/pgs-early.8
	install -D -m 0644 docs/man/pgs-qemu-hook.8 $(DESTDIR)$(MANDIR)/man8/pgs-qemu-hook.8
	install -D -m 0644 $(B)/installers/completion/pgs.bash $(DESTDIR)$(BASHCOMPDIR)/pgs
	ln -sf pgs $(DESTDIR)$(BASHCOMPDIR)/pgs-early
	install -D -m 0644 $(B)/installers/completion/_pgs $(DESTDIR)$(ZSHCOMPDIR)/_pgs
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/pgs.conf ]; then \
		install -d $(DESTDIR)$(SYSCONFDIR); \
		install -m 0644 docs/pgs.conf.example $(DESTDIR)$(SYSCONFDIR)/pgs.conf; \
	fi

# everything install put there but /etc/pgs.conf (the user's configuration)
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/,$(notdir $(wildcard $(B)/installers/share/*)) modprobe.conf 60-pgs-sriov.rules pgs-early.service)
	rm -rf $(DESTDIR)$(GENDIR_DRACUT)
	-rmdir $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf $(B)

-include $(shell find $(B)/host $(B)/musl $(B)/test -type f -name '*.d' 2>/dev/null)
