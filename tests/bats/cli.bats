#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/bats/cli.bats — what every `pgs` command shares: the dispatcher and
# the one --sysroot option (shared/sysroot.c).
load helper

PGS=$TOP/build/pgs

@test "every command refuses a --sysroot that does not open the same way: named, why, exit 64, before or after the command" {
  local missing=$BATS_TEST_TMPDIR/no/such/root file=$BATS_TEST_TMPDIR/afile
  touch "$file"
  for c in "status" "boot show" "initramfs status" "restore" "setup --dry-run"; do
    run "$PGS" $c --sysroot "$missing"
    [ "$status" -eq 64 ]
    [ "$output" = "pgs ${c%% *}: --sysroot $missing: No such file or directory" ]
    run "$PGS" --sysroot "$file" $c
    [ "$status" -eq 64 ]
    [ "$output" = "pgs ${c%% *}: --sysroot $file: Not a directory" ]
  done
}

@test "a relative --sysroot is made absolute: the programs pgs runs get PGS_SYSROOT as a full path" {
  fk_setup
  mkdir -p "$R/etc/initramfs-tools/conf.d" "$R/usr/sbin" "$R/boot"
  touch "$R/etc/initramfs-tools/initramfs.conf"
  printf '#!/bin/sh\necho "$PGS_SYSROOT $*" > "$PGS_SYSROOT/seen"\n' > "$R/usr/sbin/update-initramfs"
  chmod +x "$R/usr/sbin/update-initramfs"
  cd "$R/.."
  run "$PGS" initramfs enable --sysroot "$(basename "$R")"
  [ "$(cat "$R/seen")" = "$R -u -k all" ]
  # no image appeared, so the change was put back
  [ "$status" -eq 1 ]
  [ ! -e "$R/etc/initramfs-tools/conf.d/pgs" ]
}
