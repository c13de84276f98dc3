# SPDX-License-Identifier: GPL-2.0-or-later
# tests/bats/helper.bash — a fake host for bats tests of pgs programs.
#
# fk_* build a fake sysfs tree (tests/fake/tool.c); `early` runs the dynamic
# test build of pgs-early with the fake kernel preloaded, so writes to
# driver_override, drivers_probe, unbind, sriov_numvfs… react as the kernel
# does (tests/fake/fakesys.h). The static pgs-early meets the real kernel in
# tests/vmtest.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TB=$TOP/build/test

fk_setup() {
  R=$BATS_TEST_TMPDIR/root
  mkdir -p "$R" "$BATS_TEST_TMPDIR/bin"
  "$TB/fakesys" init "$R"
  ln -sf "$TB/fakesys" "$BATS_TEST_TMPDIR/bin/modprobe"
  export PGS_FAKE_ROOT=$R
}
fk() { "$TB/fakesys" "$1" "$R" "${@:2}"; }
# a kernel's modules as libkmod reads them (tests/fake/mkmods) and, with
# "running", proc/sys/kernel/osrelease naming it
fk_kmods() {
  mkdir -p "$R/lib/modules" "$R/proc/sys/kernel"
  cp -a "$TB/kmods/lib/modules/$1" "$R/lib/modules/"
  [ "${2:-}" = running ] && echo "$1" > "$R/proc/sys/kernel/osrelease"
  return 0
}

# the machine most tests start from: boot VGA iGPU, a root port, an NVIDIA
# Turing card (VGA, HDA, xHCI, UCSI) in one group with its root port, an NVMe
# disk in a group of its own
fk_turing_host() {
  fk add 0000:00:02.0 8086:3e92 0x030000 group=0 boot_vga=1 driver=i915
  fk add 0000:00:01.0 8086:1901 0x060400 group=1 driver=pcieport
  fk module nouveau 10de:1e84
  fk module snd_hda_intel 10de:10f8
  fk module xhci_hcd 10de:1ad8
  fk module nvidia-gpu 10de:1ad9
  fk add 0000:01:00.0 10de:1e84 0x030000 group=1 boot_vga=0
  fk add 0000:01:00.1 10de:10f8 0x040300 group=1
  fk add 0000:01:00.2 10de:1ad8 0x0c0330 group=1
  fk add 0000:01:00.3 10de:1ad9 0x0c8000 group=1
  fk add 0000:02:00.0 144d:a808 0x010802 group=2 driver=nvme
}

conf() { printf '%b' "$1" > "$R/etc/pgs.conf"; }
cmdline() { printf '%s\n' "$1" > "$R/proc/cmdline"; }

early() {
  PATH="$BATS_TEST_TMPDIR/bin:$PATH" LD_PRELOAD="$TB/libfakesys.so" \
    "$TB/pgs-early" --sysroot "$R" "$@"
}

# the driver a device is on now, "-" when none
drv() {
  local l
  l=$(readlink "$R/sys/bus/pci/devices/$1/driver") || { echo -; return; }
  echo "${l##*/}"
}

kmsg() { cat "$R/dev/kmsg"; }

# a listing of the device state (sys/ and dev/ but the log: links with their
# targets, file contents) to prove that something changed no device; the state
# file under run/ is checked on its own
snapshot() {
  (cd "$R" && find ./sys ./dev -path ./dev/kmsg -prune -o -printf '%y %p %l\n' | sort &&
    find ./sys ./dev -path ./dev/kmsg -prune -o -type f -print0 | sort -z | xargs -0 md5sum)
}

# standin NAME [STATUS] — the strict stand-in (tests/standin/standin) for a
# distribution tool at $R/usr/sbin/NAME: an argv the real tool would reject
# fails the call (and is logged as REJECTED); accepted calls go to
# $R/calls.log. standin_action NAME (script on stdin) gives it behaviour.
standin() {
  mkdir -p "$R/usr/sbin" "$R/.standin"
  cp "$TOP/tests/standin/standin" "$R/usr/sbin/$1"   # a copy: a link out of the root does not resolve in it
  if [ -n "${2:-}" ]; then echo "$2" > "$R/.standin/$1.status"; else rm -f "$R/.standin/$1.status"; fi
}
standin_action() {
  standin "$1"
  { echo '#!/bin/bash'; cat; } > "$R/.standin/$1.action"
  chmod +x "$R/.standin/$1.action"
}

# gen_standins mkinitcpio|dracut|initramfs-tools — the generator's stock
# configuration in $R, and strict stand-ins for it and its lister: the
# generator "builds" /boot/IMAGE as a file list, with pgs's files when its
# configuration enables pgs; the lister prints it. Builds the image once.
declare -gA GEN_ARGS=([mkinitcpio]="-P" [dracut]="--regenerate-all --force" [update-initramfs]="-u -k all")
gen_standins() {
  mkdir -p "$R/boot"
  case $1 in
    mkinitcpio)
      cat > "$R/etc/mkinitcpio.conf" <<'EOC'
# vim:set ft=sh
MODULES=()
BINARIES=()
FILES=()
HOOKS=(base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck)
#COMPRESSION="zstd"
EOC
      gen=mkinitcpio lister=lsinitcpio img=initramfs-linux.img
      on='[[ " $(. "$PGS_SYSROOT/etc/mkinitcpio.conf"; echo "${HOOKS[*]}") " == *" pgs "* ]]' ;;
    dracut)
      mkdir -p "$R/etc/dracut.conf.d"; : > "$R/etc/dracut.conf"
      gen=dracut lister=lsinitrd img=initramfs-6.6.1.img on='[ -e "$PGS_SYSROOT/etc/dracut.conf.d/90-pgs.conf" ]' ;;
    initramfs-tools)
      mkdir -p "$R/etc/initramfs-tools/conf.d"; echo 'MODULES=most' > "$R/etc/initramfs-tools/initramfs.conf"
      gen=update-initramfs lister=lsinitramfs img=initrd.img-6.1.0-56-amd64 on='grep -q PGS=y "$PGS_SYSROOT/etc/initramfs-tools/conf.d/pgs" 2>/dev/null' ;;
  esac
  # the strict stand-in (an argv the real tool rejects fails the call), which
  # "builds" the image as a file list; the lister prints it
  standin_action "$gen" <<EOS
{ echo usr/bin/modprobe; if $on; then echo usr/lib/pgs/pgs-early; echo etc/pgs.conf; fi; } > "\$PGS_SYSROOT/boot/$img"
EOS
  standin_action "$lister" <<'EOS'
cat "$1"
EOS
  PGS_SYSROOT=$R "$R/usr/sbin/$gen" ${GEN_ARGS[$gen]}
}
