# SPDX-License-Identifier: GPL-2.0-or-later
# tests/harness/mkinitcpio.sh — mkinitcpio is not packaged for Debian, so pgs's
# mkinitcpio hooks are exercised through this harness, which follows the
# documented hook API (mkinitcpio(8), "ABOUT INSTALL HOOKS"): an install hook's
# build() calls add_binary/add_file/add_module/add_runscript/add_symlink to
# fill $BUILDROOT; on systemd images the `systemd` install hook provides
# add_systemd_unit. This is a stand-in for mkinitcpio, not mkinitcpio.
#
#   harness_build BUILDROOT "HOOKS..." INSTALLDIR HOOKSDIR
# sources INSTALLDIR/pgs and runs its build() with HOOKS set as in
# mkinitcpio.conf; records modules in $BUILDROOT/.harness-modules.

harness_build() {
  BUILDROOT=$1
  read -r -a HOOKS <<< "$2"
  local installdir=$3 hooksdir=$4 hook=pgs
  mkdir -p "$BUILDROOT"
  add_dir() { mkdir -p "$BUILDROOT$1"; }
  add_file() { # SRC [DEST] [MODE]
    local dest=${2:-$1}
    [[ -e $1 ]] || { echo "harness: add_file: $1: no such file" >&2; return 1; }
    mkdir -p "$BUILDROOT$(dirname "$dest")"
    cp -L "$1" "$BUILDROOT$dest"
    [[ -n ${3:-} ]] && chmod "$3" "$BUILDROOT$dest"
    return 0
  }
  add_binary() { # BIN [DEST]: the harness copies it; pgs-early is static, no libraries follow
    add_file "$1" "${2:-$1}" 755
  }
  add_module() { echo "$1" >> "$BUILDROOT/.harness-modules"; }
  add_symlink() { mkdir -p "$BUILDROOT$(dirname "$1")"; ln -sfn "${2:-$1}" "$BUILDROOT$1"; }
  add_runscript() { add_file "$hooksdir/$hook" "/hooks/$hook" 755; }
  unset -f add_systemd_unit
  # mkinitcpio runs each hook's build() in HOOKS order; the `systemd` hook's
  # build() is what defines add_systemd_unit, so a hook before it cannot see it
  local h
  for h in "${HOOKS[@]}"; do
    if [[ $h == systemd ]]; then
      add_systemd_unit() { echo "$1" >> "$BUILDROOT/.harness-units"; }
    elif [[ $h == "$hook" ]]; then
      # shellcheck disable=SC1090
      . "$installdir/$hook"
      build
    fi
  done
}
