#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/bats/cli.bats — what every `pgs` command shares: the dispatcher and
# the one --sysroot option (shared/sysroot.c).
load helper

PGS=$TOP/build/pgs

@test "every command refuses a --sysroot that does not open the same way: named, why, exit 64, before or after the command" {
  local missing=$BATS_TEST_TMPDIR/no/such/root file=$BATS_TEST_TMPDIR/afile
  touch "$file"
  for c in "status" "boot show" "initramfs status" "restore" "setup --mode passthrough --dry-run" "setup --undo" "setup hook --dry-run" "check"; do
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

@test "bash completion: with bash-completion loaded and pgs's file sourced, 'pgs bo' gives boot, and values and subcommands follow" {
  [ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed (tests/deps installs it)"
  comp() { # the words on the line, the last one being completed
    bash -c 'source /usr/share/bash-completion/bash_completion
             source "$0"
             COMP_WORDS=("${@}"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
             COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
             _pgs; echo "${COMPREPLY[*]}"' "$TOP/installers/completion/pgs.bash" "$@"
  }
  [ "$(comp pgs bo)" = boot ]
  [ "$(comp pgs c)" = check ]
  [ "$(comp pgs setup h)" = hook ]
  [ "$(comp pgs setup --u)" = --undo ]
  [ "$(comp pgs setup hook --r)" = --remove ]
  [ "$(comp pgs setup --mode s)" = sriov ]
  [ "$(comp pgs boot a)" = apply ]
  [ "$(comp pgs boot apply --mode s)" = sriov ]
  [ "$(comp pgs --sysroot /tmp st)" = status ]
  [ "$(comp pgs check --j)" = --json ]
  [ "$(comp pgs initramfs enable --generator dr)" = dracut ]
  # the installed file is the one bash-completion loads for `pgs` (by name, from its completionsdir)
  rm -rf "$BATS_TEST_TMPDIR/d"
  make -s -C "$TOP" install DESTDIR="$BATS_TEST_TMPDIR/d" >/dev/null
  dir=$(pkg-config --variable=completionsdir bash-completion)
  [ -f "$BATS_TEST_TMPDIR/d$dir/pgs" ]
  [ -L "$BATS_TEST_TMPDIR/d$dir/pgs-early" ]
}

@test "zsh completion: _pgs loads from the vendor completions directory and completes commands" {
  command -v zsh >/dev/null || skip "zsh is not installed (tests/deps installs it)"
  rm -rf "$BATS_TEST_TMPDIR/d"
  make -s -C "$TOP" install DESTDIR="$BATS_TEST_TMPDIR/d" PREFIX=/usr >/dev/null
  zdir=$BATS_TEST_TMPDIR/d/usr/share/zsh/vendor-completions
  [ -f "$zdir/_pgs" ]
  run zsh -fc 'fpath=("$1" $fpath); autoload -Uz compinit && compinit -u -d "$2/zcompdump"
               autoload -Uz +X _pgs && print "loaded" && print -r -- ${_comps[pgs]} ${_comps[pgs-early]}' zsh "$zdir" "$BATS_TEST_TMPDIR"
  [ "$status" -eq 0 ]
  [ "$output" = "loaded
_pgs _pgs" ]
}

@test "the man pages render without warnings (groff -man -ww -z) and make install puts them in man1, man5, man8" {
  command -v groff >/dev/null || skip "groff is not installed (tests/deps installs groff-base)"
  for m in "$TOP"/docs/man/*.[158]; do
    run groff -man -ww -z "$m"
    [ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$m: $output"; false; }
  done
  rm -rf "$BATS_TEST_TMPDIR/d"
  make -s -C "$TOP" install DESTDIR="$BATS_TEST_TMPDIR/d" PREFIX=/usr >/dev/null
  for f in man1/pgs.1 man5/pgs.conf.5 man8/pgs-early.8 man8/pgs-qemu-hook.8; do
    [ -f "$BATS_TEST_TMPDIR/d/usr/share/man/$f" ]
  done
  # every pgs command is in pgs(1)
  for c in check status boot initramfs setup restore; do
    grep -q "^\.BR $c " "$TOP/docs/man/pgs.1" || { echo "pgs.1 lacks $c"; false; }
  done
}
