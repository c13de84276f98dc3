#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs check on fake trees built like real machines (tests/fake/machine), each
# with the verdicts written here; the JSON contract of docs/check.md.

load helper

setup() {
  R=$BATS_TEST_TMPDIR/root
}

machine() { "$TOP/tests/fake/machine" "$1" "$R"; }
pgs() { "$TOP/build/pgs" "$@"; }
# pgs check --json on the tree; $out holds the JSON, $rc the exit status
check() {
  set +e
  out=$(pgs check --json --sysroot "$R" "$@")
  rc=$?
  set -e
}
q() { jq -r "$1" <<< "$out"; }
mode() { q ".modes.$1.possible"; }
why() { q ".modes.$1.why"; }
st() { q ".checks[] | select(.id == \"$1\") | .status"; }

@test "laptop i7-9750H + GTX 1660 Ti Mobile: passthrough of the whole slot (VGA, audio, USB, UCSI), GVT-g too, no SR-IOV" {
  machine laptop-9750h
  check
  [ "$rc" -eq 0 ]
  [ "$(mode passthrough)" = true ]
  [[ "$(why passthrough)" == *"0000:01:00.0"*"4 device(s)"* ]]
  [ "$(mode gvtg)" = true ]
  [[ "$(why gvtg)" == *"Coffee Lake"* ]]
  [ "$(mode sriov)" = false ]
  [[ "$(why sriov)" == *"Coffee Lake: SR-IOV needs a Gen12 iGPU"* ]]
  [ "$(q .recommended)" = passthrough ]
  [ "$(q '.gpus[] | select(.address == "0000:01:00.0") | .name')" = "NVIDIA Corporation TU116M [GeForce GTX 1660 Ti Mobile]" ]
  [ "$(q '.gpus[] | select(.address == "0000:01:00.0") | [.group[].address] | join(" ")')" = "0000:01:00.1 0000:01:00.2 0000:01:00.3" ]
  [ "$(q '.gpus[] | select(.address == "0000:01:00.0") | [.group[] | select(.same_card | not)] | length')" = 0 ]
  [[ "$(q '.gpus[] | select(.address == "0000:01:00.0") | .notes[]')" == *"pgs vm --laptop"* ]]
  [ "$(q '.gpus[] | select(.address == "0000:00:02.0") | .boot_vga, .integrated' | tr '\n' ' ')" = "true true " ]
  for c in cpu.virtualization iommu.firmware iommu.on iommu.interrupt_remapping cpu.smt memory; do
    [ "$(st $c)" = pass ] || { echo "$c: $(st $c)"; false; }
  done
}

@test "laptop i7-13650HX + RTX 4080 Laptop: passthrough, and SR-IOV on the Raptor Lake iGPU with i915 max_vfs" {
  machine laptop-13650hx
  check
  [ "$rc" -eq 0 ]
  [ "$(mode passthrough)" = true ]
  [ "$(mode sriov)" = true ]
  [[ "$(why sriov)" == *"Raptor Lake) offers 7 VFs; i915 creates them"* ]]
  [ "$(mode gvtg)" = false ]
  [[ "$(why gvtg)" == *"Raptor Lake: GVT-g runs on Broadwell to Comet Lake only"* ]]
  [ "$(q .recommended)" = passthrough ]
}

@test "desktop whose dGPU is the boot VGA device: no passthrough, and pgs-early's own reason says why" {
  machine desktop-dgpu-boot
  check
  [ "$(mode passthrough)" = false ]
  [[ "$(why passthrough)" == *"the boot VGA device 0000:01:00.0 is a discrete GPU"* ]]
  [ "$(q .recommended)" = gvtg ]
  [ "$rc" -eq 0 ]
}

@test "laptop whose dGPU is a 3D controller: passthrough by address, no outputs, Looking Glass only" {
  machine laptop-3d
  check
  [ "$(mode passthrough)" = true ]
  [ "$(q '.gpus[] | select(.address == "0000:01:00.0") | .class')" = 3d ]
  [[ "$(q '.gpus[] | select(.address == "0000:01:00.0") | .notes[]')" == *"no display outputs"*"Looking Glass"* ]]
}

@test "AMD desktop with the IOMMU off in the firmware (no IVRS): FAIL with AMD's fix, never intel_iommu=on; exit 1" {
  machine amd-iommu-off
  check
  [ "$rc" -eq 1 ]
  [ "$(st iommu.firmware)" = fail ]
  [ "$(st iommu.on)" = fail ]
  [[ "$(q '.checks[] | select(.id == "iommu.on") | .fix')" == *"firmware setup"* ]]
  ! grep -q intel_iommu <<< "$out"
  [ "$(mode passthrough)" = false ]
  [[ "$(why passthrough)" == *"no IOMMU"* ]]
  [ "$(q .recommended)" = null ]
  [[ "$(q '.gpus[] | select(.address == "0000:0c:00.0") | .notes[]')" == *"older than Turing"*"--rom"* ]]
}

@test "SMT off: a warning that the guest gets one thread per core" {
  machine smt-off
  check
  [ "$(st cpu.smt)" = warn ]
  [[ "$(q '.checks[] | select(.id == "cpu.smt") | .why')" == *"threads='1'"* ]]
  machine laptop-9750h
  check
  [ "$(st cpu.smt)" = pass ]
}

@test "Gen9 Intel iGPU alone: GVT-g is the mode; no second GPU for passthrough" {
  machine gen9
  check
  [ "$rc" -eq 0 ]
  [ "$(mode gvtg)" = true ]
  [[ "$(why gvtg)" == *"Skylake"* ]]
  [ "$(mode passthrough)" = false ]
  [[ "$(why passthrough)" == *"no second GPU"* ]]
  [ "$(q .recommended)" = gvtg ]
}

@test "Gen12 Intel iGPU: SR-IOV with i915's max_vfs, and without it the driver is named as the part that fails" {
  machine gen12-sriov
  check
  [ "$(mode sriov)" = true ]
  [ "$(q .recommended)" = sriov ]
  machine gen12-nosriov
  check
  [ "$rc" -eq 1 ]
  [ "$(mode sriov)" = false ]
  [[ "$(why sriov)" == *"neither i915 nor xe of the running kernel offers max_vfs"* ]]
}

@test "Gen12 iGPU without sriov_totalvfs: the capability is named as the part that fails" {
  machine gen12-sriov
  rm "$R/sys/devices/pci0000:00/0000:00:02.0/sriov_totalvfs"
  check
  [[ "$(why sriov)" == *"reports no SR-IOV capability"* ]]
}

@test "AMD APU laptop + NVIDIA dGPU: the APU's iGPU behind 00:08.1 is integrated, the NVIDIA card goes" {
  machine apu-nvidia
  check
  [ "$(q '.gpus[] | select(.address == "0000:05:00.0") | .integrated')" = true ]
  [ "$(q '.gpus[] | select(.address == "0000:01:00.0") | .integrated')" = false ]
  [ "$(mode passthrough)" = true ]
  [[ "$(why passthrough)" == *"0000:01:00.0"* ]]
  # the same decision pgs-early's auto takes at boot
  printf '[vfio]\nbind = auto\n' > "$R/etc/pgs.conf"
  run "$TB/pgs-early" --sysroot "$R" --dry-run
  [[ "$output" == *"0000:01:00.0"*"bind"* ]]
}

@test "Ryzen 7000 desktop with its iGPU and a Radeon: the Radeon goes, the iGPU stays" {
  machine ryzen7000
  check
  [ "$(q '.gpus[] | select(.address == "0000:0e:00.0") | .integrated')" = true ]
  [ "$(mode passthrough)" = true ]
  [[ "$(why passthrough)" == *"0000:03:00.0"* ]]
}

@test "a dGPU whose IOMMU group holds a SATA controller: refused, the foreign device named" {
  machine sata-group
  check
  [ "$(mode passthrough)" = false ]
  [[ "$(why passthrough)" == *"IOMMU group 1 also holds 0000:02:00.0 (class 0x010601, on ahci)"* ]]
  [ "$(q '.gpus[] | select(.address == "0000:01:00.0") | .group[] | select(.same_card | not) | .address')" = "0000:02:00.0" ]
  run pgs check --sysroot "$R"
  [[ "$output" == *"group: 0000:02:00.0 ASMedia Technology Inc. ASM1062 Serial ATA Controller [010601] on ahci (FOREIGN"* ]]
}

@test "the JSON contract: version 1, every check with id, status, why, fix; three modes; recommended" {
  for m in laptop-9750h amd-iommu-off; do
    machine $m
    check
    [ "$(q .version)" = 1 ]
    [ "$(q '[.checks[] | keys | sort == ["fix","id","status","why"]] | all')" = true ]
    [ "$(q '[.checks[].status | IN("pass","warn","fail")] | all')" = true ]
    [ "$(q '.modes | keys | join(" ")')" = "gvtg passthrough sriov" ]
    [ "$(q '[.modes[].possible | type == "boolean"] | all')" = true ]
    [ "$(q '.checks | map(.id) | unique | length')" = "$(q '.checks | length')" ]
  done
}

@test "pgs check changes nothing and exits 64 on usage errors" {
  machine laptop-9750h
  before=$(cd "$R" && find . -printf '%p %s %T@\n' | sort)
  pgs check --sysroot "$R" > /dev/null
  pgs check --json --sysroot "$R" > /dev/null
  [ "$before" = "$(cd "$R" && find . -printf '%p %s %T@\n' | sort)" ]
  run pgs check --bogus
  [ "$status" -eq 64 ]
  run pgs check extra
  [ "$status" -eq 64 ]
  [[ "$output" == *"unexpected 'extra'"* ]]
  run pgs check --sysroot "$R/nonexistent"
  [ "$status" -eq 64 ]
}

@test "pgs's own state: config newer than the images, parameters not yet booted, the hook unknown to the running daemon" {
  machine laptop-9750h
  mkdir -p "$R/boot" "$R/var/lib/pgs" "$R/run/pgs" "$R/etc/libvirt/hooks" "$R/usr/sbin" "$R/proc/4242"
  touch -d '2026-01-01 10:00' "$R/boot/initrd.img-6.1.0-pgs"
  printf '[vfio]\nbind = auto\n' > "$R/etc/pgs.conf"
  touch -d '2026-01-02 10:00' "$R/etc/pgs.conf"
  printf '# pgs-boot 1\nloader grub\nmode passthrough\nparam intel_iommu=on\nparam iommu=pt\n' > "$R/var/lib/pgs/boot"
  printf '# pgs-early 1\n' > "$R/run/pgs/early"
  # libvirtd running since 2026-01-01 10:00 (btime + 0 ticks); the hook linked a day later
  printf '#!/bin/sh\n' > "$R/usr/sbin/libvirtd"; chmod +x "$R/usr/sbin/libvirtd"
  echo libvirtd > "$R/proc/4242/comm"
  echo "4242 (libvirtd) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 18 0 0 1000 0" > "$R/proc/4242/stat"
  echo "btime $(date -d '2026-01-01 10:00' +%s)" > "$R/proc/stat"
  ln -s /usr/lib/pgs/pgs-qemu-hook "$R/etc/libvirt/hooks/qemu"
  touch -h -d '2026-01-02 10:00' "$R/etc/libvirt/hooks/qemu"
  check
  [ "$(st pgs.config)" = warn ]
  [[ "$(q '.checks[] | select(.id == "pgs.config") | .why')" == *"changed after the newest initramfs image"* ]]
  [ "$(st pgs.early)" = pass ]
  [ "$(st pgs.boot)" = warn ]
  [[ "$(q '.checks[] | select(.id == "pgs.boot") | .why')" == "reboot pending: iommu=pt not on the running kernel's command line" ]]
  [ "$(st pgs.hook)" = warn ]
  [ "$(q '.checks[] | select(.id == "pgs.hook") | .fix')" = "systemctl restart libvirtd" ]
  # rebuilt, rebooted with both parameters, the daemon restarted after the hook
  touch -d '2026-01-03 10:00' "$R/boot/initrd.img-6.1.0-pgs"
  echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt" > "$R/proc/cmdline"
  echo "btime $(date -d '2026-01-03 10:00' +%s)" > "$R/proc/stat"
  check
  [ "$(st pgs.config)" = pass ]
  [ "$(st pgs.boot)" = pass ]
  [ "$(st pgs.hook)" = pass ]
}

@test "a daemon that is not running (socket activation) is no warning" {
  machine laptop-9750h
  mkdir -p "$R/etc/libvirt/hooks/qemu.d"
  ln -s /usr/lib/pgs/pgs-qemu-hook "$R/etc/libvirt/hooks/qemu.d/pgs"
  check
  [ "$(st pgs.hook)" = pass ]
  [[ "$(q '.checks[] | select(.id == "pgs.hook") | .why')" == *"qemu.d/pgs is pgs-qemu-hook"* ]]
}

@test "not in the libvirt group: a warning with the fix; root may" {
  machine laptop-9750h
  printf '#!/bin/sh\n' > "$R/usr/sbin/libvirtd" 2>/dev/null || { mkdir -p "$R/usr/sbin"; printf '#!/bin/sh\n' > "$R/usr/sbin/libvirtd"; }
  chmod +x "$R/usr/sbin/libvirtd"
  printf 'root:x:0:\nlibvirt:x:4242:\n' > "$R/etc/group"
  check
  [ "$(st libvirt)" = pass ]
  chmod -R a+rX "$BATS_RUN_TMPDIR" "$R"
  chmod a+x "$(dirname "$BATS_RUN_TMPDIR")"
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$TOP/build/pgs" check --json --sysroot "$R") || true
  [ "$(st libvirt)" = warn ]
  [[ "$(q '.checks[] | select(.id == "libvirt") | .fix')" == *"usermod -aG libvirt"* ]]
  out=$(setpriv --reuid=65534 --regid=65534 --groups=4242 "$TOP/build/pgs" check --json --sysroot "$R") || true
  [ "$(st libvirt)" = pass ]
}

@test "on this very machine, in a read-only view: passthrough cannot work here (no IOMMU, no second GPU), and it says why" {
  [ "$(id -u)" -eq 0 ] || skip "needs root for a private mount namespace"
  # each of /sys /proc /etc /boot /usr bound onto itself, then read-only, in a
  # private mount namespace: a write anywhere there would fail (and the
  # probe write proves the view is read-only)
  run unshare -m --propagation private sh -c '
    for d in /sys /proc /etc /boot /usr; do mount --bind $d $d && mount -o remount,bind,ro $d || exit 90; done
    touch /etc/.pgs-probe 2>/dev/null && exit 91
    exec "$0" check --json' "$TOP/build/pgs"
  [ "$status" -ne 90 ] && [ "$status" -ne 91 ]
  out=$output
  [ "$(mode passthrough)" = false ]
  [[ "$(why passthrough)" == *"no IOMMU"* ]]
  [[ "$(why passthrough)" == *"no second GPU"* ]]
  [ "$(st iommu.on)" = fail ]
}

@test "--deep lists each initramfs image with the generator's lister; without it no image is opened" {
  machine laptop-9750h
  mkdir -p "$R/etc/initramfs-tools" "$R/boot"
  echo 'MODULES=most' > "$R/etc/initramfs-tools/initramfs.conf"
  standin update-initramfs
  standin_action lsinitramfs <<'EOS'
cat "$1"
EOS
  printf 'usr/bin/modprobe\n' > "$R/boot/initrd.img-6.1.0-pgs"
  check
  [ -z "$(st pgs.images)" ]
  [ ! -e "$R/calls.log" ]
  check --deep
  [ "$(st pgs.images)" = warn ]
  [[ "$(q '.checks[] | select(.id == "pgs.images") | .why')" == "/boot/initrd.img-6.1.0-pgs does not carry pgs-early"* ]]
  [ "$(cat "$R/calls.log")" = "lsinitramfs $R/boot/initrd.img-6.1.0-pgs" ]
  printf 'usr/bin/modprobe\nusr/lib/pgs/pgs-early\netc/pgs.conf\n' > "$R/boot/initrd.img-6.1.0-pgs"
  check --deep
  [ "$(st pgs.images)" = pass ]
  [[ "$(q '.checks[] | select(.id == "pgs.images") | .why')" == "1 initramfs-tools image(s) carry pgs-early (listed with lsinitramfs)" ]]
}
