# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for pgs (and pgs-early): commands, subcommands, options,
# their values, and PCI addresses from /sys/bus/pci/devices.

# PCI addresses; with an attribute name, only devices that have it
_pgs_pci() {
  local d out=()
  for d in /sys/bus/pci/devices/*; do
    [ -e "$d" ] || continue
    [ -z "${1:-}" ] || [ -e "$d/$1" ] || continue
    out+=("${d##*/}")
  done
  COMPREPLY=($(compgen -W "${out[*]}" -- "$cur"))
}

_pgs() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local i cmd="" sub="" opts=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --sysroot|--mode|--vfs|--driver|--hugepages|--isolate|--loader|--generator|--gpu) ((i++)) ;;
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd=${COMP_WORDS[i]}; elif [ -z "$sub" ]; then sub=${COMP_WORDS[i]}; fi ;;
    esac
  done
  case $prev in
    --sysroot) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --mode) COMPREPLY=($(compgen -W "passthrough gvtg sriov" -- "$cur")); return ;;
    --driver) COMPREPLY=($(compgen -W "i915 xe" -- "$cur")); return ;;
    --hugepages) COMPREPLY=($(compgen -W "1G: 2M: none" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
    --loader) COMPREPLY=($(compgen -W "grub bls systemd-boot kernelstub uki nixos" -- "$cur")); return ;;
    --generator) COMPREPLY=($(compgen -W "mkinitcpio dracut initramfs-tools" -- "$cur")); return ;;
    --gpu) _pgs_pci class; return ;;
    --windows) COMPREPLY=($(compgen -W "10 11" -- "$cur")); return ;;
    --secure-boot) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
    --hide-hypervisor) COMPREPLY=($(compgen -W "auto on off" -- "$cur")); return ;;
    --isolate) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
    --evdev) COMPREPLY=($(compgen -W "auto none" -- "$cur") $(compgen -f -- "${cur:-/dev/input/by-id/}")); return ;;
    --domcaps|--image|--rom) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --disk) COMPREPLY=($(compgen -f -- "${cur:-/dev/disk/by-id/}")); return ;;
    --disk-controller) _pgs_pci class; return ;;
    --vfs|--isolate|--memory|--cpus|--size) return ;;
  esac
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "check status setup initramfs boot restore vm --sysroot --help --version" -- "$cur"))
    return
  fi
  case $cmd in
    check) opts="--json --deep --sysroot --help" ;;
    status) opts="--json --sysroot --help" ;;
    setup)
      if [ "$sub" = hook ]; then opts="--remove --dry-run --sysroot --help"
      elif [ -z "$sub" ] && [[ $cur != -* ]]; then COMPREPLY=($(compgen -W "hook" -- "$cur")); return
      else opts="--mode --gpu --vfs --hugepages --dry-run --json --undo --sysroot --help"; fi ;;
    restore) opts="--dry-run --sysroot --help" ;;
    vm)
      [ -z "$sub" ] && [[ $cur != -* ]] && { COMPREPLY=($(compgen -W "create install show remove" -- "$cur")); return; }
      case $sub in
        create) opts="--mode --gpu --windows --memory --cpus --image --size --disk --disk-controller --rom --laptop --looking-glass --evdev --secure-boot --hide-hypervisor --isolate --tcg --replace --print-xml --domcaps --dry-run --sysroot --help" ;;
        install) opts="--iso --virtio-iso --driver --edition --user --password-file --language --erase-disk --timeout --key-seconds --print-answer --domain-xml --dry-run --sysroot" ;;
        remove) opts="--dry-run --sysroot" ;;
        *) opts="--sysroot" ;;
      esac ;;
    initramfs)
      [ -z "$sub" ] && [[ $cur != -* ]] && { COMPREPLY=($(compgen -W "status enable disable" -- "$cur")); return; }
      opts="--dry-run --generator --sysroot --help" ;;
    boot)
      [ -z "$sub" ] && [[ $cur != -* ]] && { COMPREPLY=($(compgen -W "show apply revert" -- "$cur")); return; }
      opts="--mode --vfs --driver --hugepages --isolate --dry-run --loader --sysroot --help" ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}

_pgs_early() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  case $prev in
    --sriov) _pgs_pci sriov_totalvfs; return ;;
    --sysroot) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --modprobe) COMPREPLY=($(compgen -c -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "--dry-run --sriov --sysroot --modprobe --from-modprobe --stderr --help --version" -- "$cur"))
}

complete -F _pgs pgs
complete -F _pgs_early pgs-early
