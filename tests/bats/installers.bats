#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Installer files and `pgs initramfs` on sandbox roots. Real images are built
# and booted in tests/vmtest/images; here: the hooks' contents, the mkinitcpio
# install hook through tests/harness/mkinitcpio.sh (mkinitcpio is not packaged
# for Debian, so this follows its documented hook API instead of running it),
# and pgs initramfs against stand-ins for the generators and their listers.

load helper
B=$TOP/build/installers

harness() { # harness "HOOKS" → $BR
  BR=$BATS_TEST_TMPDIR/buildroot
  rm -rf "$BR"
  ( . "$TOP/tests/harness/mkinitcpio.sh"
    mkdir -p "$BATS_TEST_TMPDIR/inst"
    sed "s|\"@DATADIR@|\"$B/share|g; s|/usr/share/pgs/|$B/share/|g" "$B/mkinitcpio/install/pgs" > "$BATS_TEST_TMPDIR/inst/pgs"
    printf '[vfio]\nbind = auto\n' > "$BATS_TEST_TMPDIR/pgs.conf"
    PGS_EARLY_SRC=$TOP/build/pgs-early.stripped PGS_CONF_SRC=$BATS_TEST_TMPDIR/pgs.conf \
      harness_build "$BR" "$1" "$BATS_TEST_TMPDIR/inst" "$B/mkinitcpio/hooks" )
}

@test "mkinitcpio busybox image: build() adds the static binary, config, vfio modules, modprobe.d, udev rule and the runtime hook" {
  harness "base pgs udev autodetect modconf block filesystems fsck"
  [ -x "$BR/usr/lib/pgs/pgs-early" ]
  file "$BR/usr/lib/pgs/pgs-early" | grep -q 'statically linked'
  [ -f "$BR/etc/pgs.conf" ]
  grep -qx vfio-pci "$BR/.harness-modules"
  grep -q '^softdep amdgpu pre: vfio-pci$' "$BR/etc/modprobe.d/pgs.conf"
  grep -q '^install vfio-pci /usr/lib/pgs/pgs-early --from-modprobe; /sbin/modprobe --ignore-install vfio-pci' "$BR/etc/modprobe.d/pgs.conf"
  grep -q 'RUN+="/usr/lib/pgs/pgs-early --sriov %k"' "$BR/usr/lib/udev/rules.d/60-pgs-sriov.rules"
  grep -q 'run_earlyhook' "$BR/hooks/pgs"
  [ ! -e "$BR/usr/lib/systemd/system/pgs-early.service" ]
}

@test "mkinitcpio systemd image: a unit ordered before udev instead of a runtime hook" {
  harness "base systemd pgs autodetect modconf kms keyboard sd-vconsole block filesystems fsck"
  [ ! -e "$BR/hooks/pgs" ]
  u=$BR/usr/lib/systemd/system/pgs-early.service
  grep -qx 'DefaultDependencies=no' "$u"
  grep -qx 'Before=systemd-modules-load.service systemd-udevd.service systemd-udev-trigger.service sysinit.target' "$u"
  grep -qx 'SuccessExitStatus=2' "$u"
  grep -qx 'ExecStart=/usr/lib/pgs/pgs-early' "$u"
  [ "$(readlink "$BR/usr/lib/systemd/system/sysinit.target.wants/pgs-early.service")" = ../pgs-early.service ]
}

@test "mkinitcpio systemd image with pgs before systemd in HOOKS (the order pgs prescribes): the unit is still added" {
  harness "base pgs systemd autodetect modconf kms keyboard sd-vconsole block filesystems fsck"
  [ -e "$BR/usr/lib/systemd/system/pgs-early.service" ]
  [ "$(readlink "$BR/usr/lib/systemd/system/sysinit.target.wants/pgs-early.service")" = ../pgs-early.service ]
  [ ! -e "$BR/hooks/pgs" ]
}

@test "mkinitcpio help() says where the hook goes" {
  run bash -c ". '$B/mkinitcpio/install/pgs'; help"
  [[ "$output" == *"before 'udev' or 'systemd' in HOOKS"* ]]
}

@test "initramfs-tools: the boot script sorts before udev; the hook does nothing unless enabled" {
  [[ pgs < udev ]]
  grep -q '^PGS=n' "$B/initramfs-tools/hooks/pgs"
  grep -q '\[ "$PGS" = y \] || exit 0' "$B/initramfs-tools/hooks/pgs"
  bash -n "$B/initramfs-tools/hooks/pgs"; bash -n "$B/initramfs-tools/scripts/init-top/pgs"
}

@test "dracut: the module is included only when asked for (check returns 255)" {
  run bash -c ". '$B/dracut/90pgs/module-setup.sh'; check"
  [ "$status" -eq 255 ]
  grep -q 'inst_hook pre-udev 00' "$B/dracut/90pgs/module-setup.sh"
}

# --- pgs initramfs on sandbox roots with stand-in generators ------------------

# a generator stand-in that "builds" /boot/IMAGE as a file list, with pgs's
# files when its configuration enables pgs; the lister stand-in prints it
mkgen() { # mkgen mkinitcpio|dracut|initramfs-tools
  R=$BATS_TEST_TMPDIR/root; rm -rf "$R"; mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/boot" "$R/etc/modprobe.d" "$R/proc"
  echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet" > "$R/proc/cmdline"
  echo '[vfio]
bind = auto' > "$R/etc/pgs.conf"
  gen_standins "$1"
  rm -f "$R/calls.log"
  ORIG=$BATS_TEST_TMPDIR/orig; rm -rf "$ORIG"; cp -a "$R" "$ORIG"
}
pgsi() { "$TOP/build/pgs" initramfs "$@" --sysroot "$R"; }

@test "mkinitcpio: enable puts pgs before udev, rebuilds, confirms by listing; disable restores the bytes" {
  mkgen mkinitcpio
  run pgsi status
  [[ "$output" == *"generator: mkinitcpio"* ]]
  [[ "$output" == *"pgs: not enabled (pgs is not in HOOKS)"* ]]
  [[ "$output" == *"/boot/initramfs-linux.img: pgs-early MISSING"* ]]
  : > "$R/calls.log"
  run pgsi enable
  [ "$status" -eq 0 ]
  grep -qx 'HOOKS=(base pgs udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck)' "$R/etc/mkinitcpio.conf"
  [[ "$output" == *"/boot/initramfs-linux.img: pgs-early inside"* ]]
  [ "$(cat "$R/calls.log")" = "mkinitcpio -P
lsinitcpio $R/boot/initramfs-linux.img" ]
  run pgsi status
  [ "$status" -eq 0 ]
  [[ "$output" == *"pgs: enabled"* ]]
  run pgsi disable
  [ "$status" -eq 0 ]
  cmp "$ORIG/etc/mkinitcpio.conf" "$R/etc/mkinitcpio.conf"
  [[ "$output" == *"/boot/initramfs-linux.img: pgs-early not inside"* ]]
}

@test "mkinitcpio with the systemd hook: pgs goes before systemd" {
  mkgen mkinitcpio
  sed -i 's/HOOKS=(base udev/HOOKS=(base systemd/' "$R/etc/mkinitcpio.conf"; cp "$R/etc/mkinitcpio.conf" "$ORIG/etc/"
  pgsi enable
  grep -qx 'HOOKS=(base pgs systemd autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck)' "$R/etc/mkinitcpio.conf"
  pgsi disable
  cmp "$ORIG/etc/mkinitcpio.conf" "$R/etc/mkinitcpio.conf"
}

@test "dracut and initramfs-tools: enable writes the file pgs owns, disable removes it: the tree is as before" {
  for g in dracut initramfs-tools; do
    mkgen $g
    run pgsi enable
    [ "$status" -eq 0 ]
    [[ "$output" == *"pgs-early inside"* ]]
    case $g in
      dracut) [ "$(head -1 "$R/calls.log")" = "dracut --regenerate-all --force" ]
              [[ "$output" == *"/boot/initramfs-6.6.1.img: pgs-early inside"* ]] ;;
      *) [ "$(head -1 "$R/calls.log")" = "update-initramfs -u -k all" ]
         [[ "$output" == *"/boot/initrd.img-6.1.0-56-amd64: pgs-early inside"* ]] ;;
    esac
    ! grep -q REJECTED "$R/calls.log"
    run pgsi status
    [[ "$output" == *"generator: $g"*"pgs: enabled"* ]]
    pgsi disable
    rm -f "$R/calls.log"
    diff -r -x 'initramfs-*' -x 'initrd.img-*' "$ORIG" "$R"
  done
}

@test "a dry run prints the change and the command, and changes nothing" {
  mkgen mkinitcpio
  run pgsi enable --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"-HOOKS=(base udev"*"+HOOKS=(base pgs udev"*"would run: mkinitcpio -P"* ]]
  diff -r "$ORIG" "$R"
}

@test "each generator's rebuild command is its exact argv, in the dry run and in the run" {
  for g in initramfs-tools dracut; do
    mkgen $g
    run pgsi enable --dry-run
    [ "$status" -eq 0 ]
    case $g in
      dracut) [ "${lines[-1]}" = "would run: dracut --regenerate-all --force" ] ;;
      *) [ "${lines[-1]}" = "would run: update-initramfs -u -k all" ] ;;
    esac
    diff -r "$ORIG" "$R"
    run pgsi enable
    [ "$status" -eq 0 ]
    [[ "$output" == *"running: $R/usr/sbin/${lines[0]##* }"* ]] || [[ "$output" == *"running: $R/usr/sbin/"* ]]
    ! grep -q REJECTED "$R/calls.log"
  done
}

@test "dracut behind kernel-install (EndeavourOS, Fedora with systemd-boot): rebuilt through kernel-install, checked where it writes" {
  mkgen dracut
  rm "$R/boot/initramfs-6.6.1.img"
  tok=3f6e2d1c0b9a48e7a6d5c4b3a2918070
  mkdir -p "$R/efi/$tok/6.6.1-arch1-1" "$R/usr/lib/modules/6.6.1-arch1-1" "$R/usr/lib/modules/6.6.2-arch1-1"
  echo kernel > "$R/usr/lib/modules/6.6.1-arch1-1/vmlinuz"; echo kernel > "$R/usr/lib/modules/6.6.2-arch1-1/vmlinuz"
  echo usr/bin/modprobe > "$R/efi/$tok/6.6.1-arch1-1/initrd"
  # kernel-install's dracut plugin: the image lands in $BOOT/TOKEN/KVER/initrd
  standin_action kernel-install <<EOS
mkdir -p "\$PGS_SYSROOT/efi/$tok/\$2"
{ echo usr/bin/modprobe; if [ -e "\$PGS_SYSROOT/etc/dracut.conf.d/90-pgs.conf" ]; then echo usr/lib/pgs/pgs-early; fi; } > "\$PGS_SYSROOT/efi/$tok/\$2/initrd"
EOS
  rm -rf "$ORIG"; cp -a "$R" "$ORIG"
  run pgsi enable --dry-run
  [[ "$output" == *"would run: kernel-install add 6.6.1-arch1-1 $R/usr/lib/modules/6.6.1-arch1-1/vmlinuz"*"would run: kernel-install add 6.6.2-arch1-1 $R/usr/lib/modules/6.6.2-arch1-1/vmlinuz"* ]]
  run pgsi enable
  [ "$status" -eq 0 ]
  [[ "$output" == *"/efi/$tok/6.6.1-arch1-1/initrd: pgs-early inside"* ]]
  [[ "$output" == *"/efi/$tok/6.6.2-arch1-1/initrd: pgs-early inside"* ]]
  [ "$(grep -c '^kernel-install add' "$R/calls.log")" -eq 2 ]
  ! grep -q '^dracut' "$R/calls.log"
  ! grep -q REJECTED "$R/calls.log"
  run pgsi disable
  [ "$status" -eq 0 ]
  [[ "$output" == *"/efi/$tok/6.6.1-arch1-1/initrd: pgs-early not inside"* ]]
}

@test "a rebuild after which no image is found fails: nothing confirms pgs-early" {
  mkgen initramfs-tools
  rm "$R/.standin/update-initramfs.action"; rm "$R/boot/"initrd.img-*; rm -rf "$ORIG"; cp -a "$R" "$ORIG"
  run pgsi enable
  [ "$status" -eq 1 ]
  [[ "$output" == *"no image of initramfs-tools found after the rebuild"*"is back as it was"* ]]
  diff -r -x calls.log "$ORIG" "$R"
  # the rebuild had succeeded: it runs again over the restored file, so the
  # images follow the configuration that is back (shared/edit.c's one rule)
  [[ "$output" == *"running again: $R/usr/sbin/update-initramfs -u -k all"* ]]
  [ "$(grep -c '^update-initramfs -u -k all' "$R/calls.log")" -eq 2 ]
}

@test "the strict stand-in refuses what the real update-initramfs refuses (-u -k without a version)" {
  mkgen initramfs-tools
  run env PGS_SYSROOT="$R" "$R/usr/sbin/update-initramfs" -u -k
  [ "$status" -ne 0 ]
  run env -u PGS_SYSROOT "$R/usr/sbin/update-initramfs" -u -k all
  [ "$status" -eq 99 ]
}

@test "status reports a stale image, vfio-pci.ids and early native drivers" {
  mkgen mkinitcpio
  pgsi enable
  touch -d '2001-01-01' "$R/boot/initramfs-linux.img"
  echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 vfio-pci.ids=10de:1b80,10de:10f0" > "$R/proc/cmdline"
  echo "options vfio-pci ids=10de:1b80" > "$R/etc/modprobe.d/vfio.conf"
  sed -i 's/^MODULES=()/MODULES=(amdgpu)/' "$R/etc/mkinitcpio.conf"
  run pgsi status
  [ "$status" -eq 2 ]
  [[ "$output" == *"older than /etc/pgs.conf: its copy of the config is stale; rebuild it"* ]]
  [[ "$output" == *"vfio-pci.ids= on the kernel command line grabs every device with those ids"* ]]
  [[ "$output" == *"/etc/modprobe.d/vfio.conf: 'options vfio-pci ids=10de:1b80' grabs every device"* ]]
  [[ "$output" == *"/etc/mkinitcpio.conf loads amdgpu early; pgs's modprobe.d softdep still runs pgs-early before it"* ]]
}

@test "a rebuild that fails puts the configuration back" {
  mkgen mkinitcpio
  rm "$R/.standin/mkinitcpio.action"; echo 3 > "$R/.standin/mkinitcpio.status"; rm -rf "$ORIG/.standin"; cp -a "$R/.standin" "$ORIG/"
  run pgsi enable
  [ "$status" -eq 1 ]
  [[ "$output" == *"mkinitcpio -P exited with status 3; every file is put back as it was"*"/etc/mkinitcpio.conf is back as it was"* ]]
  cmp "$ORIG/etc/mkinitcpio.conf" "$R/etc/mkinitcpio.conf"
  # the one rollback rule of shared/edit.c: no command had succeeded, so none runs again
  [ "$(grep -c '^mkinitcpio' "$R/calls.log")" -eq 1 ]
}

@test "no generator, a bad one named, a HOOKS line without udev: clear errors, nothing changed" {
  R=$BATS_TEST_TMPDIR/empty; mkdir -p "$R"
  run pgsi status
  [ "$status" -eq 1 ]
  [[ "$output" == *"no initramfs generator found"* ]]
  run pgsi status --generator genkernel
  [ "$status" -eq 64 ]
  mkgen mkinitcpio
  sed -i 's/HOOKS=(base udev/HOOKS=(base/' "$R/etc/mkinitcpio.conf"; cp "$R/etc/mkinitcpio.conf" "$ORIG/etc/"
  run pgsi enable
  [ "$status" -eq 1 ]
  [[ "$output" == *"HOOKS in /etc/mkinitcpio.conf has neither udev nor systemd"* ]]
  diff -r "$ORIG" "$R"
}

@test "real initramfs-tools: enable makes update-initramfs build an image that lsinitramfs shows pgs-early in" {
  command -v mkinitramfs >/dev/null || skip "initramfs-tools is not installed"
  kver=$(. "$TOP/tests/vmtest/lib.sh"; vmt_kver) || skip "no kernel"
  R=$BATS_TEST_TMPDIR/itools; rm -rf "$R"; mkdir -p "$R/usr/sbin" "$R/boot" "$R/etc" "$R/proc"
  cp -a /etc/initramfs-tools "$R/etc/"
  sed -i 's/^MODULES=.*/MODULES=list/' "$R/etc/initramfs-tools/initramfs.conf"
  cp "$B/initramfs-tools/hooks/pgs" "$R/etc/initramfs-tools/hooks/pgs"
  echo '[vfio]
bind = auto' > "$R/etc/pgs.conf"
  # update-initramfs stand-in: the real mkinitramfs on the sandbox's configuration
  cat > "$R/usr/sbin/update-initramfs" <<EOS
#!/bin/sh
[ -n "\$PGS_SYSROOT" ] || exit 99
PGS_EARLY_SRC=$TOP/build/pgs-early.stripped PGS_CONF_SRC=\$PGS_SYSROOT/etc/pgs.conf PGS_SHARE_SRC=$B/share \\
  exec mkinitramfs -d "\$PGS_SYSROOT/etc/initramfs-tools" -o "\$PGS_SYSROOT/boot/initrd.img-$kver" $kver
EOS
  printf '#!/bin/sh\nexec lsinitramfs "$@"\n' > "$R/usr/sbin/lsinitramfs"
  chmod +x "$R/usr/sbin/update-initramfs" "$R/usr/sbin/lsinitramfs"
  run pgsi enable
  [ "$status" -eq 0 ]
  [[ "$output" == *"/boot/initrd.img-$kver: pgs-early inside"* ]]
  lsinitramfs "$R/boot/initrd.img-$kver" | grep -qx usr/lib/pgs/pgs-early
  run pgsi disable
  [ "$status" -eq 0 ]
  ! lsinitramfs "$R/boot/initrd.img-$kver" | grep -q pgs-early
  [ ! -e "$R/etc/initramfs-tools/conf.d/pgs" ]
}

@test "make install in a fresh copy builds what it installs; generator hooks stay where generators read them with PREFIX=/usr/local; uninstall leaves only the user's config" {
  src=$BATS_TEST_TMPDIR/src D=$BATS_TEST_TMPDIR/dest
  mkdir -p "$src"
  (cd "$TOP" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src")
  [ -f "$src/LICENSE" ]
  run make -s -C "$src" install PREFIX=/usr/local DESTDIR="$D"
  [ "$status" -eq 0 ]
  [ -x "$D/usr/local/lib/pgs/pgs-early" ] && [ -x "$D/usr/local/bin/pgs" ] && [ -x "$D/usr/local/lib/pgs/pgs-qemu-hook-xml" ]
  [ -x "$D/usr/share/initramfs-tools/hooks/pgs" ]
  [ -f "$D/usr/lib/dracut/modules.d/90pgs/module-setup.sh" ]
  [ -f "$D/usr/lib/initcpio/install/pgs" ]
  [ -f "$D/usr/local/lib/udev/rules.d/60-pgs-sriov.rules" ]
  # the hooks name where the binary really is
  grep -q '/usr/local/lib/pgs/pgs-early' "$D/usr/share/initramfs-tools/hooks/pgs"
  run make -s -C "$src" uninstall PREFIX=/usr/local DESTDIR="$D"
  [ "$status" -eq 0 ]
  [ "$(cd "$D" && find . -type f)" = "./etc/pgs.conf" ]
}

@test "status reads modprobe.d as modprobe does: every directory, tabs, a file in /etc hiding its namesake, install lines" {
  mkgen mkinitcpio
  pgsi enable
  mkdir -p "$R/usr/lib/modprobe.d" "$R/run/modprobe.d" "$R/lib/modprobe.d"
  printf 'options\tvfio_pci\tids=1002:73bf\n' > "$R/usr/lib/modprobe.d/gpu.conf"
  run pgsi status
  [[ "$output" == *"/usr/lib/modprobe.d/gpu.conf: 'options vfio-pci ids=1002:73bf' grabs every device with those ids"* ]]
  # the same file name in /etc hides it: nothing left to warn about
  printf '# emptied by the admin\n' > "$R/etc/modprobe.d/gpu.conf"
  run pgsi status
  [[ "$output" != *"grabs every device with those ids"* ]]
  printf 'install vfio-pci /bin/false\n' > "$R/run/modprobe.d/no.conf"
  run pgsi status
  [ "$status" -eq 2 ]
  [[ "$output" == *"/run/modprobe.d/no.conf: 'install vfio-pci /bin/false': modprobe runs that instead of loading vfio-pci"* ]]
}
