#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs setup --mode / --undo on fake roots built like four distributions:
# a machine (tests/fake/machine), pgs as `make install` puts it, the
# distribution's stock boot files (tests/fixtures/boot), its initramfs
# generator and bootloader tool as strict stand-ins (tests/standin/standin:
# an argv the real tool rejects fails the call; every call is logged).
#   Debian    initramfs-tools + GRUB (update-grub)
#   Arch      mkinitcpio + GRUB (grub-mkconfig -o)
#   Fedora    dracut + BLS (grubby)
#   Pop!_OS   initramfs-tools + kernelstub
# The real update-initramfs, grub-mkconfig and kernel-install behind the same
# steps are run in installers.bats, boot.bats and tests/vmtest/images.

load helper

setup_file() {
  # pgs installed once, as make install puts it, then copied into each root
  INST=$BATS_FILE_TMPDIR/inst
  make -s -C "$TOP" install DESTDIR="$INST" PREFIX=/usr > /dev/null
  export INST
}

distro_root() { # distro_root debian|arch|fedora|popos [MACHINE] → $R, $ORIG
  R=$BATS_TEST_TMPDIR/r; rm -rf "$R"
  "$TOP/tests/fake/machine" "${2:-laptop-9750h}" "$R"
  cp -a "$INST/." "$R/"
  case $1 in
    debian) fix=debian gen=initramfs-tools loader=update-grub ;;
    arch) fix=arch gen=mkinitcpio loader=grub-mkconfig ;;
    fedora) fix=fedora gen=dracut loader=grubby ;;
    popos) fix=popos gen=initramfs-tools loader=kernelstub ;;
  esac
  cp -a "$TOP/tests/fixtures/boot/$fix/." "$R/"
  [ -e "$R/etc/default/grub" ] && [ "$1" != fedora ] && mkdir -p "$R/boot/grub"
  echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet" > "$R/proc/cmdline"
  gen_standins $gen
  standin $loader
  loader_behaviour $loader
  rm -f "$R/calls.log"
  ORIG=$BATS_TEST_TMPDIR/orig; rm -rf "$ORIG"; cp -a "$R" "$ORIG"
}
# What the tools do to the files pgs reads back (after the stand-in accepted
# the argv): kernelstub edits the user section's kernel_options in its JSON
# configuration (written back as json.dump(indent=2), jq's layout); grubby
# adds or removes words on every BLS entry's options line.
loader_behaviour() {
  case $1 in
    kernelstub) standin_action kernelstub <<'EOS'
c=$PGS_SYSROOT/etc/kernelstub/configuration
if [ "$1" = -a ]; then f='.user.kernel_options += (($w | split(" ")) - .user.kernel_options)'; else f='.user.kernel_options -= ($w | split(" "))'; fi
jq --arg w "$2" "$f" "$c" > "$c.new" && mv "$c.new" "$c"
EOS
    ;;
    grubby) standin_action grubby <<'EOS'
case $2 in --args=*) add=${2#--args=} rm= ;; *) add= rm=${2#--remove-args=} ;; esac
for e in "$PGS_SYSROOT"/boot/loader/entries/*.conf; do
  awk -v add="$add" -v rm="$rm" '
    /^options / { n = split(substr($0, 9), w, " "); split(rm, r, " "); for (i in r) gone[r[i]] = 1
                  line = "options"; for (i = 1; i <= n; i++) if (!(w[i] in gone)) { line = line " " w[i]; have[w[i]] = 1 }
                  m = split(add, a, " "); for (i = 1; i <= m; i++) if (!(a[i] in have)) line = line " " a[i]
                  print line; next }
    { print }' "$e" > "$e.new" && mv "$e.new" "$e"
done
EOS
    ;;
  esac
}
pgss() { "$TOP/build/pgs" setup "$@" --sysroot "$R"; }
calls() { cat "$R/calls.log" 2>/dev/null; }

# every file and link of the root (but sys/, the images, the stand-ins' log
# and the backups pgs boot keeps) as a list with contents and modes
files_of() {
  (cd "$1" && find . \( -path ./sys -o -path ./.standin -o -name calls.log -o -name '*.pgs-bak' -o -path './boot/init*' \) -prune \
      -o \( -type f -o -type l \) -printf '%m %p %l\n' | sort
   cd "$1" && find . \( -path ./sys -o -path ./.standin -o -name calls.log -o -name '*.pgs-bak' -o -path './boot/init*' \) -prune \
      -o -type f -print0 | sort -z | xargs -0 md5sum)
}
same_files() { diff <(files_of "$1") <(files_of "$2"); }
# does any image the generator stand-in built carry pgs-early?
image_has_early() { grep -qx usr/lib/pgs/pgs-early "$R"/boot/init*; }

# the distribution's own parameter file as pgs boot leaves it
params_in() {
  case $1 in
    debian|arch) grep '^GRUB_CMDLINE_LINUX_DEFAULT=' "$R/etc/default/grub" ;;
    fedora) grep '^options' "$R"/boot/loader/entries/*.conf ;;
    popos) jq -r '.user.kernel_options | join(" ")' "$R/etc/kernelstub/configuration" ;;
  esac
}

roundtrip() { # roundtrip DISTRO GENCONF EXPECTED-CALLS
  local d=$1
  distro_root "$d"
  # the dry run shows each step and changes nothing
  run pgss --mode passthrough --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"files:"*"config:"*"initramfs:"*"would run:"*"boot:"*"would run:"*"hook:"*"would link /etc/libvirt/hooks/qemu"* ]]
  [[ "$output" == *"4 device(s) of its IOMMU group"* ]]
  [[ "$output" == *"dry run: 3 step(s) would change something; nothing changed"* ]]
  same_files "$ORIG" "$R"
  [ -z "$(calls | grep -v '^ls')" ]     # only the listers ran
  # the run
  run pgss --mode passthrough
  [ "$status" -eq 0 ]
  [[ "$output" == *"done (3 step(s) changed something)"*"Next: reboot, then pgs check"* ]]
  [ "$(readlink "$R/etc/libvirt/hooks/qemu")" = /usr/lib/pgs/pgs-qemu-hook ]
  cmp "$ORIG/etc/pgs.conf" "$R/etc/pgs.conf"        # make install's bind = auto says it already
  image_has_early
  [ "$(calls | grep -v '^ls')" = "${3//@R@/$R}" ]
  [[ "$(params_in "$d")" == *"intel_iommu=on iommu=pt"* ]]
  grep -q "$2" "$R/${GENCONF[$d]}"
  [ "$(cat "$R/var/lib/pgs/setup")" = "# pgs-setup 1
mode passthrough
initramfs disable
boot revert
hook remove" ]
  # a second run changes nothing and says so, in JSON too
  local once=$BATS_TEST_TMPDIR/once; rm -rf "$once"; cp -a "$R" "$once"; rm -f "$R/calls.log"
  run --separate-stderr pgss --mode passthrough --json
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.changed, .reboot, [.steps[] | .id + "=" + .status]]' <<< "$output")" = \
    '[false,false,["files=unchanged","config=unchanged","initramfs=unchanged","boot=unchanged","hook=unchanged"]]' ]
  same_files "$once" "$R"
  [ -z "$(calls | grep -v '^ls')" ]
  run pgss --mode passthrough
  [[ "$output" == *"nothing to change: this host is set up for passthrough"* ]]
  # --undo: every file back byte for byte, the images rebuilt without pgs-early
  rm -f "$R/calls.log"
  run pgss --undo
  [ "$status" -eq 0 ]
  [[ "$output" == *"hook:"*"boot:"*"initramfs:"*"pgs-early not inside"*"--undo: done"* ]]
  same_files "$ORIG" "$R"
  ! image_has_early
  [ ! -e "$R/var/lib/pgs" ]
  run pgss --undo
  [[ "$output" == *"nothing to undo"* ]]
}
declare -gA GENCONF=([debian]=etc/initramfs-tools/conf.d/pgs [popos]=etc/initramfs-tools/conf.d/pgs [arch]=etc/mkinitcpio.conf
                     [fedora]=etc/dracut.conf.d/90-pgs.conf)

@test "Debian (initramfs-tools + GRUB): dry run, setup, setup again, --undo" {
  roundtrip debian PGS=y "update-initramfs -u -k all
update-grub "
}

@test "Arch (mkinitcpio + GRUB): dry run, setup, setup again, --undo" {
  roundtrip arch 'HOOKS=(base pgs udev' "mkinitcpio -P
grub-mkconfig -o @R@/boot/grub/grub.cfg"
}

@test "Fedora (dracut + BLS): dry run, setup, setup again, --undo" {
  roundtrip fedora 'add_dracutmodules+=" pgs "' "dracut --regenerate-all --force
grubby --update-kernel=ALL --args=intel_iommu=on iommu=pt"
}

@test "Pop!_OS (initramfs-tools + kernelstub): dry run, setup, setup again, --undo" {
  roundtrip popos PGS=y "update-initramfs -u -k all
kernelstub -a intel_iommu=on iommu=pt"
}

@test "a step that fails undoes the ones before it: every file back, the images without pgs-early" {
  distro_root debian
  echo 1 > "$R/.standin/update-grub.status"
  run --separate-stderr pgss --mode passthrough --json
  [ "$status" -eq 1 ]
  [ "$(jq -c '[.changed, .reboot, [.steps[] | .id + "=" + .status]]' <<< "$output")" = \
    '[false,false,["files=unchanged","config=unchanged","initramfs=undone","boot=failed","hook=skipped"]]' ]
  same_files "$ORIG" "$R"
  ! image_has_early
  [ ! -e "$R/var/lib/pgs/setup" ]
  [ ! -e "$R/etc/libvirt/hooks/qemu" ]
  # the rollback ran the generator again after putting its file back
  [ "$(calls | grep -v '^ls')" = "update-initramfs -u -k all
update-grub 
update-initramfs -u -k all" ]
}

@test "the last step failing takes back the config it rewrote, byte for byte and with its mode" {
  distro_root debian
  printf '# mine\n[vfio]\nbind = 10de:1f91   # my card\n' > "$R/etc/pgs.conf"; chmod 0600 "$R/etc/pgs.conf"
  mkdir -p "$R/etc/libvirt/hooks"; ln -s /nowhere "$R/etc/libvirt/hooks/qemu.d"   # qemu.d/pgs cannot be made
  printf '#!/bin/sh\n' > "$R/etc/libvirt/hooks/qemu"                                 # another hook owns qemu
  rm -rf "$ORIG"; cp -a "$R" "$ORIG"
  run pgss --mode passthrough --gpu 01:00.0
  [ "$status" -eq 1 ]
  [[ "$output" == *"hook failed: taking back what this run changed"* ]]
  same_files "$ORIG" "$R"
  [ "$(stat -c %a "$R/etc/pgs.conf")" = 600 ]
}

@test "setup over the user's own config, then --undo: the config back byte for byte; a second mode is undone to the first state" {
  distro_root debian gen12-sriov
  echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet" > "$R/proc/cmdline"
  printf '# my notes\n[vfio]\nbind = 10de:1f91\n' > "$R/etc/pgs.conf"; chmod 0640 "$R/etc/pgs.conf"
  rm -rf "$ORIG"; cp -a "$R" "$ORIG"
  run pgss --mode sriov --vfs 3
  [ "$status" -eq 0 ]
  grep -qx 'bind =' "$R/etc/pgs.conf"
  grep -qx '0000:00:02.0 = 3' "$R/etc/pgs.conf"
  grep -q 'i915.max_vfs=3' "$R/etc/default/grub"
  cmp "$ORIG/etc/pgs.conf" "$R/var/lib/pgs/setup.pgs.conf"
  # the VF count stays what the config says when --vfs is not given again
  run pgss --mode sriov
  [[ "$output" == *"nothing to change"* ]]
  # another mode: the record still returns to the state before the first setup
  run pgss --mode gvtg
  [ "$status" -eq 0 ]
  grep -q 'i915.enable_gvt=1' "$R/etc/default/grub"
  ! grep -q 'max_vfs' "$R/etc/default/grub"
  grep -q 'config replaced 0640' "$R/var/lib/pgs/setup"
  run pgss --undo
  [ "$status" -eq 0 ]
  same_files "$ORIG" "$R"
  ! image_has_early
}

@test "--gpu auto: the config says auto (pgs-early's choice at each boot), and a config that already says so is kept" {
  distro_root debian
  run pgss --mode passthrough --gpu auto
  [ "$status" -eq 0 ]
  grep -qx 'bind = auto' "$R/etc/pgs.conf"
  # what a fleet tool writes first (the Ansible role): the same bind, other words
  printf '# written by Ansible\n[vfio]\nbind = auto\n' > "$R/etc/pgs.conf"
  cp "$R/etc/pgs.conf" "$BATS_TEST_TMPDIR/conf"
  run pgss --mode passthrough --gpu auto
  [ "$status" -eq 0 ]
  [[ "$output" == *"nothing to change"* ]]
  cmp "$BATS_TEST_TMPDIR/conf" "$R/etc/pgs.conf"
}

@test "--hugepages reaches the kernel parameters in every mode (passthrough and gvtg once lost it), and --undo takes them back" {
  for m in passthrough sriov gvtg; do
    case $m in sriov) distro_root debian gen12-sriov ;; gvtg) distro_root debian gen9 ;; *) distro_root debian ;; esac
    run pgss --mode $m --hugepages 2M:512
    [ "$status" -eq 0 ] || { echo "$m: $output"; false; }
    grep -q 'hugepages=512' "$R/etc/default/grub" || { echo "$m: no hugepages=512 in /etc/default/grub"; false; }
    run pgss --mode $m --hugepages 2M:512 --dry-run
    [[ "$output" == *"nothing to change"* ]]
    run pgss --undo
    [ "$status" -eq 0 ]
    ! grep -q 'hugepages' "$R/etc/default/grub"
  done
}

@test "nothing changes when a step cannot be done: pgs not installed, a GPU pgs-early refuses, a mode the host lacks" {
  distro_root debian
  rm "$R/usr/lib/pgs/pgs-early" "$R/usr/share/initramfs-tools/hooks/pgs"; rm -rf "$ORIG"; cp -a "$R" "$ORIG"
  run pgss --mode passthrough
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing: /usr/lib/pgs/pgs-early, /usr/share/initramfs-tools/hooks/pgs; install pgs (its package, or make install) first"* ]]
  [[ "$output" == *"nothing changed"* ]]
  same_files "$ORIG" "$R"; [ -z "$(calls)" ]

  distro_root debian
  run pgss --mode passthrough --gpu 00:02.0       # the boot VGA iGPU
  [ "$status" -eq 1 ]
  [[ "$output" == *"with this bind list pgs-early would give the VM nothing: 0000:00:02.0"*"boot VGA"* ]]
  same_files "$ORIG" "$R"

  distro_root debian
  run pgss --mode sriov                           # a Coffee Lake iGPU, upstream i915: no max_vfs
  [ "$status" -eq 1 ]
  [[ "$output" == *"pgs boot apply --mode sriov would fail"* ]] || [[ "$output" == *"sriov"* ]]
  [[ "$output" == *"nothing changed"* ]]
  same_files "$ORIG" "$R"; [ -z "$(calls | grep -v '^ls')" ]
}

@test "usage: a mode is needed, --undo stands alone, each option is checked before anything is read" {
  distro_root debian
  run pgss
  [ "$status" -eq 64 ]
  [[ "$output" == *"which mode? --mode passthrough, gvtg or sriov"*"pgs setup hook installs only the libvirt hook"* ]]
  for a in "--mode bogus" "--undo --mode gvtg" "--mode passthrough --vfs 3" "--mode sriov --vfs 0" "--mode sriov --vfs 65" \
           "--mode gvtg --gpu 01:00.0" "--mode passthrough --gpu 10de:1f91" "--mode sriov --gpu auto" "--mode passthrough --gpu 01:00" "--mode sriov --gpu 10de:1f91" \
           "--mode passthrough extra" "--remove"; do
    run pgss $a
    [ "$status" -eq 64 ] || { echo "accepted: $a"; false; }
  done
  same_files "$ORIG" "$R"
  run "$TOP/build/pgs" setup --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"pgs setup --undo"*"pgs setup hook [--remove]"* ]]
}

@test "NixOS: the module configuration is printed and nothing changes" {
  distro_root debian
  rm -rf "$R/etc/default"; : > "$R/etc/NIXOS"; rm -rf "$ORIG"; cp -a "$R" "$ORIG"
  run pgss --mode passthrough --hugepages 1G:8
  [ "$status" -eq 0 ]
  [[ "$output" == *'services.pgs = {'*'mode = "passthrough";'*'bind = [ "auto" ];'*'hugepages = "1G:8";'* ]]
  run --separate-stderr pgss --mode sriov --vfs 2 --json
  [ "$(jq -c '[.nixos, .changed, .steps]' <<< "$output")" = '[true,false,[]]' ]
  same_files "$ORIG" "$R"; [ -z "$(calls)" ]
}

@test "pgs setup hook keeps today's hook-only command" {
  distro_root debian
  run pgss hook --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"would link /etc/libvirt/hooks/qemu -> /usr/lib/pgs/pgs-qemu-hook"* ]]
  pgss hook
  [ "$(readlink "$R/etc/libvirt/hooks/qemu")" = /usr/lib/pgs/pgs-qemu-hook ]
  pgss hook --remove
  [ ! -e "$R/etc/libvirt/hooks/qemu" ]
}
