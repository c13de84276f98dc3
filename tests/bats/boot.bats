#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs boot on copies of distributions' stock boot files (tests/fixtures/boot).
# grubby, kernelstub, mkinitcpio and update-grub are not run for real here:
# grubby and kernelstub are not packaged for Debian, so their backends are
# tested through strict stand-ins (tests/standin/standin: an argv the real tool
# rejects fails) that record the arguments they were given.
# grub-mkconfig (grub-common) and kernel-install (systemd 252) are real.

load helper

FIX=$TOP/tests/fixtures/boot

# a root from a fixture, an Intel CPU, and recording stand-ins
mkroot() {
  R=$BATS_TEST_TMPDIR/r
  rm -rf "$R"; mkdir -p "$R"
  cp -a "$FIX/$1/." "$R/"
  mkdir -p "$R/proc" "$R/usr/sbin" "$R/usr/bin"
  printf 'processor\t: 0\nvendor_id\t: GenuineIntel\n' > "$R/proc/cpuinfo"
  host_facts
  # grub-mkconfig -o needs the directory it writes into, as on a real system
  [ -e "$R/etc/default/grub" ] && mkdir -p "$R/boot/grub"
  ORIG=$BATS_TEST_TMPDIR/orig
  rm -rf "$ORIG"; cp -a "$R" "$ORIG"
}
# the host pgs boot checks its requests against: 16 GiB, 8 CPUs as 4 cores of
# 2 threads (0-1, 2-3, 4-5, 6-7), an Intel iGPU at 00:02.0
host_facts() {
  printf 'MemTotal:       16318452 kB\nMemFree:         8000000 kB\n' > "$R/proc/meminfo"
  mkdir -p "$R/sys/devices/system/cpu" "$R/sys/bus/pci/devices/0000:00:02.0"
  echo 0-7 > "$R/sys/devices/system/cpu/present"
  for c in 0 1 2 3 4 5 6 7; do
    mkdir -p "$R/sys/devices/system/cpu/cpu$c/topology"
    echo "$((c / 2 * 2))-$((c / 2 * 2 + 1))" > "$R/sys/devices/system/cpu/cpu$c/topology/thread_siblings_list"
  done
  echo 0x8086 > "$R/sys/bus/pci/devices/0000:00:02.0/vendor"
  echo 0x3e92 > "$R/sys/bus/pci/devices/0000:00:02.0/device"
  echo 0x030000 > "$R/sys/bus/pci/devices/0000:00:02.0/class"
}
boot_standin() { # boot_standin NAME [exit status]: helper.bash's strict stand-in
  standin "$@"
  rm -rf "$ORIG"; cp -a "$R" "$ORIG"
}
pgsb() { "$TOP/build/pgs" boot "$@" --sysroot "$R"; }
# the root compared with the original: what pgs owns or leaves on purpose aside
same_as_orig() {
  diff -r -x '*.pgs-bak' -x calls.log -x var -x modules-load.d "$ORIG" "$R"
}
calls() { cat "$R/calls.log" 2>/dev/null; }

roundtrip() { # roundtrip FIXTURE [STANDIN] -- apply args
  mkroot "$1"; [ -n "${2:-}" ] && boot_standin "$2"
  shift 2
  pgsb apply "$@"
  local once=$BATS_TEST_TMPDIR/once; rm -rf "$once"; cp -a "$R" "$once"
  run pgsb apply "$@"
  [ "$status" -eq 0 ]
  diff -r -x calls.log "$once" "$R"
  pgsb revert
  same_as_orig
  [ ! -e "$R/var/lib/pgs/boot" ]
}

@test "Debian GRUB: only GRUB_CMDLINE_LINUX_DEFAULT changes, update-grub runs" {
  mkroot debian; boot_standin update-grub
  run pgsb apply --mode passthrough
  [ "$status" -eq 0 ]
  [ "$(diff "$ORIG/etc/default/grub" "$R/etc/default/grub" | grep -c '^[<>]')" -eq 2 ]
  grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"' "$R/etc/default/grub"
  cmp "$ORIG/etc/default/grub" "$R/etc/default/grub.pgs-bak"
  [ "$(calls)" = "update-grub " ]
}

@test "round trips: apply then revert gives the original bytes, apply twice equals once" {
  roundtrip debian update-grub --mode gvtg --hugepages 1G:8 --isolate 2-7
  roundtrip arch grub-mkconfig --mode sriov --vfs 7
  roundtrip ubuntu-cloud update-grub --mode passthrough
  roundtrip fedora grubby --mode passthrough
  roundtrip endeavouros "" --mode gvtg
  roundtrip sdboot-entries "" --mode sriov --vfs 2 --hugepages 2M:1024
  roundtrip popos kernelstub --mode passthrough
  roundtrip uki mkinitcpio --mode passthrough
}

@test "Ubuntu cloud image: the grub.d file that sets the variable last is the one edited" {
  mkroot ubuntu-cloud; boot_standin update-grub
  pgsb apply --mode passthrough
  cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
  grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0 intel_iommu=on iommu=pt"' "$R/etc/default/grub.d/50-cloudimg-settings.cfg"
}

awkward() { # awkward 'FILE CONTENT' → apply/revert round trip, prints the effective value
  mkroot debian; boot_standin update-grub
  printf '%b' "$1" > "$R/etc/default/grub"; cp "$R/etc/default/grub" "$ORIG/etc/default/grub"
  pgsb apply --mode passthrough >/dev/null
  ( . "$R/etc/default/grub"; echo "$GRUB_CMDLINE_LINUX_DEFAULT" ) > "$BATS_TEST_TMPDIR/value"
  pgsb revert >/dev/null
  cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
  cat "$BATS_TEST_TMPDIR/value"
}

@test "awkward GRUB files: quoting kept, round trip exact, the shell sees the parameters" {
  [ "$(awkward "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\n")" = "quiet splash intel_iommu=on iommu=pt" ]
  [ "$(awkward 'GRUB_CMDLINE_LINUX_DEFAULT="quiet acpi_osi=\\"Windows 2015\\""\n')" = 'quiet acpi_osi="Windows 2015" intel_iommu=on iommu=pt' ]
  [ "$(awkward 'GRUB_TIMEOUT=5\n')" = "intel_iommu=on iommu=pt" ]
  [ "$(awkward 'GRUB_TIMEOUT=5')" = "intel_iommu=on iommu=pt" ]
  [ "$(awkward '#GRUB_CMDLINE_LINUX_DEFAULT="old"\nGRUB_CMDLINE_LINUX_DEFAULT="first"\nGRUB_CMDLINE_LINUX_DEFAULT="second"\n')" = "second intel_iommu=on iommu=pt" ]
  [ "$(awkward 'GRUB_CMDLINE_LINUX_DEFAULT="quiet \\\n  splash"\nGRUB_TIMEOUT=5\n')" = "quiet   splash intel_iommu=on iommu=pt" ]
  [ "$(awkward 'GRUB_CMDLINE_LINUX_DEFAULT="quiet\n  splash"\n')" = "$(printf 'quiet\n  splash intel_iommu=on iommu=pt')" ]
  [ "$(awkward 'GRUB_CMDLINE_LINUX_DEFAULT=quiet\n')" = "quiet intel_iommu=on iommu=pt" ]
  [ "$(awkward 'GRUB_CMDLINE_LINUX_DEFAULT=\nX=1\n')" = "intel_iommu=on iommu=pt" ]
  [ "$(awkward 'export GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')" = "quiet intel_iommu=on iommu=pt" ]
  [ "$(awkward 'GRUB_CMDLINE_LINUX="splash"\n')" = "intel_iommu=on iommu=pt" ]
  [ "$(awkward 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT quiet"\n')" = " quiet intel_iommu=on iommu=pt" ]
}

@test "GRUB comments are comments: an apostrophe in one quotes nothing" {
  # Fedora's file has no GRUB_CMDLINE_LINUX_DEFAULT: once a crash (SIGSEGV)
  [ "$(awkward "# Don't edit by hand\nGRUB_TIMEOUT=5\n")" = "intel_iommu=on iommu=pt" ]
  # a pair of apostrophes in comments once hid the user's value: a second
  # assignment was appended and the next boot lost quiet splash nvidia-drm.modeset=1
  [ "$(awkward "# Don't touch\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash nvidia-drm.modeset=1\"\n# it's fine\n")" = "quiet splash nvidia-drm.modeset=1 intel_iommu=on iommu=pt" ]
  [ "$(awkward "GRUB_TIMEOUT=5 # isn't it\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\" # the user's\n")" = "quiet intel_iommu=on iommu=pt" ]
  # the conflict behind such a comment is seen
  mkroot debian; boot_standin update-grub
  printf "# Don't edit\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=off\"\n# won't\n" > "$R/etc/default/grub"; cp -a "$R/." "$ORIG/"
  run pgsb apply --mode passthrough
  [ "$status" -eq 1 ]
  [[ "$output" == *"intel_iommu=off is already on the kernel command line"* ]]
  same_as_orig
}

@test "a long command line: more than 64 words are kept, applied and reverted" {
  mkroot debian; boot_standin update-grub
  long=$(for i in $(seq 1 100); do printf 'p%d=1 ' "$i"; done)
  printf 'GRUB_CMDLINE_LINUX_DEFAULT="%s"\n' "$long" > "$R/etc/default/grub"; cp -a "$R/." "$ORIG/"
  run pgsb apply --mode gvtg --hugepages 2M:512 --isolate 2-3
  [ "$status" -eq 0 ]
  [ "$(grep -c '^param ' "$R/var/lib/pgs/boot")" -eq 9 ]
  run pgsb apply --mode gvtg --hugepages 2M:512 --isolate 2-3
  [[ "$output" == *"nothing to change"* ]]
  [ "$(grep -o intel_iommu=on "$R/etc/default/grub" | wc -l)" -eq 1 ]
  pgsb revert
  same_as_orig
}

@test "a conflicting parameter is reported, not duplicated, and nothing changes" {
  mkroot fedora; boot_standin grubby
  sed -i 's/rhgb quiet/rhgb quiet intel_iommu=off/' "$R/etc/default/grub" "$R"/boot/loader/entries/*.conf
  cp -a "$R/." "$ORIG/"
  run pgsb apply --mode passthrough
  [ "$status" -eq 1 ]
  [[ "$output" == *"intel_iommu=off is already on the kernel command line"*"passthrough mode needs intel_iommu=on: remove it first"* ]]
  same_as_orig
  [ -z "$(calls)" ]
}

@test "a parameter the user already had stays theirs: revert leaves it" {
  mkroot debian; boot_standin update-grub
  sed -i 's/"quiet"/"quiet iommu=pt"/' "$R/etc/default/grub"; cp "$R/etc/default/grub" "$ORIG/etc/default/grub"
  pgsb apply --mode passthrough
  grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt intel_iommu=on"' "$R/etc/default/grub"
  ! grep -q 'param iommu=pt' "$R/var/lib/pgs/boot"
  pgsb revert
  cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
}

@test "switching modes takes back the old mode's parameters and module file" {
  mkroot endeavouros
  pgsb apply --mode gvtg
  grep -q ' i915.enable_gvt=1$' "$R/etc/kernel/cmdline"
  grep -qx kvmgt "$R/etc/modules-load.d/pgs.conf"
  echo '[sriov]
0000:00:02.0 = 3' > "$R/etc/pgs.conf"
  pgsb apply --mode sriov
  grep -q 'iommu=pt i915.enable_guc=3 i915.max_vfs=3$' "$R/etc/kernel/cmdline"
  ! grep -q enable_gvt "$R/etc/kernel/cmdline"
  [ ! -e "$R/etc/modules-load.d/pgs.conf" ]
  rm "$R/etc/pgs.conf"
  run pgsb apply --mode sriov
  [ "$status" -eq 64 ]
  [[ "$output" == *"sriov: how many VFs? Give --vfs N, or [sriov] 0000:00:02.0 = N in /etc/pgs.conf"* ]]
  pgsb apply --mode sriov --driver xe --vfs 2
  grep -q 'iommu=pt xe.max_vfs=2$' "$R/etc/kernel/cmdline"
}

@test "apply refuses what would leave the host unusable, and changes nothing" {
  mkroot debian; boot_standin update-grub
  run pgsb apply --mode passthrough --hugepages 1G:16     # all of a 16 GiB host
  [ "$status" -eq 64 ]
  [[ "$output" == *"--hugepages 1G:16 reserves 16384 MiB at boot, but this host has 15935 MiB and keeps at least 2048 MiB for itself"*"ask for at most 13887 MiB"* ]]
  run pgsb apply --mode passthrough --isolate 0-7         # every CPU
  [ "$status" -eq 64 ]
  [[ "$output" == *"--isolate 0-7 leaves the host no whole core"* ]]
  run pgsb apply --mode passthrough --isolate 1-7         # CPU 0 is left, but not its sibling 1
  [ "$status" -eq 64 ]
  run pgsb apply --mode passthrough --isolate 2-999
  [ "$status" -eq 64 ]
  run pgsb apply --mode passthrough --isolate 8-2
  [ "$status" -eq 64 ]
  [[ "$output" == *"ranges low to high"* ]]
  run pgsb apply --mode passthrough --isolate 6-9
  [ "$status" -eq 64 ]
  [[ "$output" == *"CPU 8 is not present on this host (CPUs 0-7)"* ]]
  # GVT-g and SR-IOV need an Intel iGPU: the device decides, not the CPU
  rm -r "$R/sys/bus/pci/devices/0000:00:02.0"; mkdir -p "$R/sys/bus/pci/devices/0000:00:02.0"
  echo 0x1002 > "$R/sys/bus/pci/devices/0000:00:02.0/vendor"; echo 0x1638 > "$R/sys/bus/pci/devices/0000:00:02.0/device"
  echo 0x030000 > "$R/sys/bus/pci/devices/0000:00:02.0/class"
  cp -a "$R/sys" "$ORIG/"
  for m in "gvtg" "sriov --vfs 2"; do
    run pgsb apply --mode $m
    [ "$status" -eq 64 ]
    [[ "$output" == *"mode needs an Intel iGPU (vendor 0x8086, a display class, at 0000:00:02.0); this host has none"* ]]
  done
  same_as_orig
  [ -z "$(calls)" ]
}

@test "--hugepages and --isolate without --mode: kept with the rest, the hook's exact advice works, revert takes all back" {
  mkroot debian; boot_standin update-grub
  pgsb apply --mode passthrough --isolate 2-3
  # the command pgs-qemu-hook prints when a VM's hugepages fall short
  run pgsb apply --hugepages 2M:1024
  [ "$status" -eq 0 ]
  grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3 default_hugepagesz=2M hugepagesz=2M hugepages=1024"' "$R/etc/default/grub"
  grep -qx 'hugepages 2M:1024' "$R/var/lib/pgs/boot"
  grep -qx 'isolate 2-3' "$R/var/lib/pgs/boot"
  grep -qx 'mode passthrough' "$R/var/lib/pgs/boot"
  run pgsb apply --hugepages none
  [ "$status" -eq 0 ]
  ! grep -q hugepages "$R/etc/default/grub"
  grep -q 'isolcpus=2-3' "$R/etc/default/grub"
  pgsb revert
  same_as_orig
  # with no mode ever given
  run pgsb apply --isolate 4-7
  [ "$status" -eq 0 ]
  grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet isolcpus=4-7 nohz_full=4-7 rcu_nocbs=4-7"' "$R/etc/default/grub"
  grep -qx 'mode -' "$R/var/lib/pgs/boot"
  pgsb revert
  same_as_orig
  run pgsb apply
  [ "$status" -eq 64 ]
  [[ "$output" == *"apply needs --mode passthrough|gvtg|sriov, --hugepages or --isolate"* ]]
}

@test "pgs boot recovers from a crash during the regeneration: the record is written ahead, the next run regenerates" {
  mkroot debian
  standin_action update-grub <<'EOS'
kill -KILL $PPID      # pgs dies while update-grub runs
EOS
  rm -rf "$ORIG"; cp -a "$R" "$ORIG"
  run pgsb apply --mode passthrough
  [ "$status" -ne 0 ]
  # what pgs added is already recorded, and the record says it did not finish
  grep -qx 'param intel_iommu=on' "$R/var/lib/pgs/boot"
  grep -qx 'pending regeneration' "$R/var/lib/pgs/boot"
  grep -q '"quiet intel_iommu=on iommu=pt"' "$R/etc/default/grub"
  rm "$R/.standin/update-grub.action" "$ORIG/.standin/update-grub.action"; : > "$R/calls.log"
  # the files already say what pgs wants: still, the regeneration runs again
  run pgsb apply --mode passthrough
  [ "$status" -eq 0 ]
  [[ "$output" == *"the last run did not finish (/var/lib/pgs/boot says so): its regeneration runs again"* ]]
  [ "$(calls)" = "update-grub " ]
  ! grep -q pending "$R/var/lib/pgs/boot"
  pgsb revert
  same_as_orig
  [ ! -e "$R/var/lib/pgs/boot" ]
  # killed during a revert's regeneration: the record stays, marked, and a second revert finishes
  pgsb apply --mode passthrough
  standin_action update-grub <<'EOS'
kill -KILL $PPID
EOS
  run pgsb revert
  [ "$status" -ne 0 ]
  grep -qx 'pending regeneration' "$R/var/lib/pgs/boot"
  rm "$R/.standin/update-grub.action"; : > "$R/calls.log"
  run pgsb revert
  [ "$status" -eq 0 ]
  [ "$(calls)" = "update-grub " ]
  [ ! -e "$R/var/lib/pgs/boot" ]
  same_as_orig
}

@test "an AMD CPU gets no intel_iommu (amd_iommu=on is not a valid value)" {
  mkroot arch; boot_standin grub-mkconfig
  printf 'vendor_id\t: AuthenticAMD\n' > "$R/proc/cpuinfo"
  pgsb apply --mode passthrough
  grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet iommu=pt"' "$R/etc/default/grub"
  [ "$(calls)" = "grub-mkconfig -o $R/boot/grub/grub.cfg" ]
}

@test "BLS (Fedora): grubby is called with --args and --remove-args, files left to it" {
  mkroot fedora; boot_standin grubby
  run pgsb show
  [[ "$output" == *"BLS entries with grubby"* ]]
  [[ "$output" == *"rhgb quiet"* ]]
  pgsb apply --mode passthrough --hugepages 1G:4
  [ "$(calls)" = "grubby --update-kernel=ALL --args=intel_iommu=on iommu=pt default_hugepagesz=1G hugepagesz=1G hugepages=4" ]
  cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
  : > "$R/calls.log"
  # grubby (a stand-in here) did not edit the entries, so pgs sees nothing to remove
  sed -i 's/rhgb quiet$/rhgb quiet intel_iommu=on iommu=pt default_hugepagesz=1G hugepagesz=1G hugepages=4/' "$R"/boot/loader/entries/*.conf
  pgsb revert
  [ "$(calls)" = "grubby --update-kernel=ALL --remove-args=intel_iommu=on iommu=pt default_hugepagesz=1G hugepagesz=1G hugepages=4" ]
}

@test "kernelstub (Pop!_OS): -a and -d with exactly pgs's parameters" {
  mkroot popos; boot_standin kernelstub
  run pgsb show
  [[ "$output" == *"quiet splash loglevel=0 systemd.show_status=false"* ]]
  pgsb apply --mode gvtg
  [ "$(calls)" = "kernelstub -a intel_iommu=on iommu=pt i915.enable_gvt=1" ]
}

@test "UKI: a drop-in /etc/cmdline.d/pgs.conf, images rebuilt with mkinitcpio -P" {
  mkroot uki; boot_standin mkinitcpio
  pgsb apply --mode passthrough
  [ "$(cat "$R/etc/cmdline.d/pgs.conf")" = "intel_iommu=on iommu=pt" ]
  [ "$(calls)" = "mkinitcpio -P" ]
  cmp "$ORIG/etc/cmdline.d/root.conf" "$R/etc/cmdline.d/root.conf"
}

@test "plain systemd-boot entries: every options line gets the parameters" {
  mkroot sdboot-entries
  pgsb apply --mode passthrough
  [ "$(grep -c '^options root=UUID=1b6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e rw intel_iommu=on iommu=pt$' "$R"/boot/loader/entries/*.conf | grep -c ':1')" -eq 2 ]
}

@test "NixOS: prints the configuration.nix lines and edits nothing" {
  mkroot nixos
  echo 'initrd=x root=/dev/sda1' > "$R/proc/cmdline"; cp "$R/proc/cmdline" "$ORIG/proc/"
  run pgsb apply --mode gvtg
  [ "$status" -eq 0 ]
  [[ "$output" == *'boot.kernelParams = [ "intel_iommu=on" "iommu=pt" "i915.enable_gvt=1" ];'* ]]
  [[ "$output" == *'boot.kernelModules = [ "kvmgt" ];'* ]]
  same_as_orig
  [ ! -e "$R/var" ]
}

@test "a dry run prints a unified diff and the commands, and changes nothing" {
  mkroot debian; boot_standin update-grub
  run pgsb apply --mode passthrough --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"--- a/etc/default/grub"*"+++ b/etc/default/grub"*'-GRUB_CMDLINE_LINUX_DEFAULT="quiet"'*'+GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"'* ]]
  [[ "$output" == *"would run: $R/usr/sbin/update-grub"* ]]
  same_as_orig
  [ -z "$(calls)" ]
  [ ! -e "$R/var" ]
}

@test "bad input: binary or unreadable files, an unknown bootloader: clear error, nothing changed" {
  mkroot debian; boot_standin update-grub
  printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n\0\1\2' > "$R/etc/default/grub"; cp -a "$R/." "$ORIG/"
  run pgsb apply --mode passthrough
  [ "$status" -eq 1 ]
  [[ "$output" == *"/etc/default/grub: binary data, not a text file; nothing changed"* ]]
  same_as_orig
  rm "$R/etc/default/grub"; mkdir "$R/etc/default/grub"
  run pgsb apply --mode passthrough --loader grub
  [ "$status" -eq 1 ]
  [[ "$output" == *"/etc/default/grub: cannot read it: Is a directory; nothing changed"* ]]
  mkroot nixos; rm "$R/etc/NIXOS"; rm -rf "$ORIG"; cp -a "$R" "$ORIG"
  run pgsb apply --mode passthrough
  [ "$status" -eq 1 ]
  [[ "$output" == *"no bootloader recognised"*"nothing changed"* ]]
  run pgsb apply --mode passthrough --loader lilo
  [ "$status" -eq 1 ]
  [[ "$output" == *"--loader 'lilo': expected grub, bls, systemd-boot, kernelstub, uki or nixos"* ]]
  run pgsb apply --mode bogus; [ "$status" -eq 64 ]
  run pgsb apply --mode passthrough --isolate '2-x'; [ "$status" -eq 64 ]
  run pgsb apply --mode passthrough --hugepages 3G:2; [ "$status" -eq 64 ]
  run pgsb frobnicate; [ "$status" -eq 64 ]
  same_as_orig
}

@test "a regeneration command that fails puts every file back" {
  mkroot debian; boot_standin update-grub 1
  run pgsb apply --mode gvtg
  [ "$status" -eq 1 ]
  [[ "$output" == *"update-grub exited with status"*"every file is put back as it was"* ]]
  same_as_orig
  [ ! -e "$R/var/lib/pgs/boot" ]
  [ ! -e "$R/etc/modules-load.d/pgs.conf" ]
}

# a stand-in that runs the real grub-mkconfig in a private mount namespace in
# which the sandbox's /etc/default and /etc/grub.d (the real 00_header and
# 10_linux scripts) are the ones it reads; the host's are never touched. With
# RO=1 the sandbox's /boot is read-only in that namespace.
real_grub_mkconfig() {
  cat > "$R/usr/sbin/grub-mkconfig" <<'EOS'
#!/bin/sh
[ -n "$PGS_SYSROOT" ] || exit 99
exec unshare -m sh -c '
  mount --bind "$PGS_SYSROOT/etc/default" /etc/default || exit 1
  mount --bind "$PGS_SYSROOT/etc/grub.d" /etc/grub.d || exit 1
  [ "${RO:-0}" = 1 ] && { mount --bind "$PGS_SYSROOT/boot" "$PGS_SYSROOT/boot" && mount -o remount,ro,bind "$PGS_SYSROOT/boot" || exit 1; }
  exec /usr/sbin/grub-mkconfig "$@"' sh "$@"
EOS
  chmod +x "$R/usr/sbin/grub-mkconfig"
  mkdir -p "$R/boot/grub" "$R/etc/grub.d"
  cp /etc/grub.d/00_header /etc/grub.d/10_linux "$R/etc/grub.d/"
  rm -rf "$ORIG"; cp -a "$R" "$ORIG"
}

grub_usable() {
  command -v grub-mkconfig >/dev/null || skip "grub-common is not installed"
  grub-probe --target=device / >/dev/null 2>&1 || skip "grub-probe finds no block device under / (a container?): grub-mkconfig cannot run here"
  unshare -m true 2>/dev/null || skip "no mount namespaces here"
}

@test "real grub-mkconfig: the generated grub.cfg's linux lines carry the parameters" {
  grub_usable
  ls /boot/vmlinuz-* >/dev/null 2>&1 || skip "no kernel in /boot for grub-mkconfig to list"
  mkroot arch; real_grub_mkconfig
  run pgsb apply --mode gvtg --hugepages 1G:8
  [ "$status" -eq 0 ]
  grep -E '^\s+linux\s' "$R/boot/grub/grub.cfg" | grep -q 'loglevel=3 quiet intel_iommu=on iommu=pt i915.enable_gvt=1 default_hugepagesz=1G hugepagesz=1G hugepages=8'
  pgsb revert
  ! grep -q intel_iommu "$R/boot/grub/grub.cfg"
  grep -E '^\s+linux\s' "$R/boot/grub/grub.cfg" | grep -q 'loglevel=3 quiet$'
}

@test "real grub-mkconfig on a read-only /boot: the error is shown and no file changed" {
  grub_usable
  mkroot arch; real_grub_mkconfig
  RO=1 run pgsb apply --mode passthrough
  [ "$status" -eq 1 ]
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" == *"every file is put back as it was"* ]]
  same_as_orig
}

@test "real kernel-install (systemd 252): the BLS entry it writes has the parameters" {
  command -v kernel-install >/dev/null || skip "systemd's kernel-install is not installed"
  mkroot endeavouros
  mid=3f6e2d1c0b9a48e7a6d5c4b3a2918070
  echo $mid > "$R/etc/machine-id"
  mkdir -p "$R/boot/$mid" "$R/usr/lib/modules/6.6.1-arch1-1"
  echo "not a real kernel" > "$R/usr/lib/modules/6.6.1-arch1-1/vmlinuz"
  cp -a "$R/." "$ORIG/"
  run pgsb apply --mode passthrough
  [ "$status" -eq 0 ]
  grep -qx "options    nvme_load=YES nowatchdog rw root=UUID=0b2c4d6e-8f10-4a12-b3c4-d5e6f7a8b9c0 systemd.machine_id=$mid intel_iommu=on iommu=pt" "$R/boot/loader/entries/$mid-6.6.1-arch1-1.conf"
  pgsb revert
  grep -qx "options    nvme_load=YES nowatchdog rw root=UUID=0b2c4d6e-8f10-4a12-b3c4-d5e6f7a8b9c0 systemd.machine_id=$mid" "$R/boot/loader/entries/$mid-6.6.1-arch1-1.conf"
  cmp "$ORIG/etc/kernel/cmdline" "$R/etc/kernel/cmdline"
}

@test "pgs boot show names the bootloader, the parameters, and what a mode still needs" {
  mkroot debian
  run pgsb show --mode gvtg
  [ "$status" -eq 0 ]
  [[ "$output" == *"bootloader             GRUB (/etc/default/grub)"* ]]
  [[ "$output" == *"current parameters     quiet"* ]]
  [[ "$output" == *"still needed           intel_iommu=on iommu=pt i915.enable_gvt=1"* ]]
}

# the next boot's kernel is the newest under /lib/modules (tests/fake/mkmods)
kmods() { mkdir -p "$R/lib/modules"; for k in "$@"; do cp -a "$TOP/build/test/kmods/lib/modules/$k" "$R/lib/modules/"; done; }

@test "sriov is refused when the next kernel's i915 has no max_vfs and there is no xe; accepted with i915-sriov-dkms or xe" {
  mkroot endeavouros
  before=$(cat "$R/etc/kernel/cmdline")
  kmods 6.1.0-pgs
  run pgsb apply --mode sriov --vfs 2
  [ "$status" -eq 64 ]
  [[ "$output" == *"sriov: kernel 6.1.0-pgs (the newest installed) has an i915 without the max_vfs parameter (upstream i915 has none) and no xe: no driver would create VFs. Install i915-sriov-dkms for it; nothing changed"* ]]
  [ "$(cat "$R/etc/kernel/cmdline")" = "$before" ]
  [ ! -e "$R/var/lib/pgs/boot" ]
  # the newest kernel decides, in version order (6.8 after 6.1)
  kmods 6.8.0-sriov
  pgsb apply --mode sriov --vfs 2
  grep -q 'i915.enable_guc=3 i915.max_vfs=2$' "$R/etc/kernel/cmdline"
  pgsb revert
  # a kernel whose xe has max_vfs: i915 is refused with the way out, --driver xe accepted
  kmods 6.12.0-xe
  run pgsb apply --mode sriov --vfs 2
  [ "$status" -eq 64 ]
  [[ "$output" == *"kernel 6.12.0-xe's i915 has no max_vfs parameter, but its xe has: use --driver xe"* ]]
  pgsb apply --mode sriov --vfs 2 --driver xe
  grep -q 'xe.max_vfs=2$' "$R/etc/kernel/cmdline"
  pgsb revert
  rm -r "$R/lib/modules/6.12.0-xe"
  run pgsb apply --mode sriov --vfs 2 --driver xe
  [ "$status" -eq 64 ]
  [[ "$output" == *"sriov --driver xe: kernel 6.8.0-sriov (the newest installed) has no xe module with max_vfs"* ]]
}
