#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs-early's SR-IOV step on fake trees (sriov_numvfs behaves as drivers/pci/iov.c).

load helper

setup() {
  fk_setup
  fk add 0000:00:02.0 1234:1111 0x030000 group=0 boot_vga=1 driver=bochs-drm
  fk module nvme 1b36:0010 1b36:0011
  fk add 0000:03:00.0 1b36:0010 0x010802 group=3 sriov=4:0011
  conf '[sriov]\n0000:03:00.0 = 2\n'
}

vfs() { cat "$R/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs"; }

@test "PF driver not bound yet: says so and exits cleanly, nothing created" {
  before=$(snapshot)
  run early
  [ "$status" -eq 0 ]
  [ "$(snapshot)" = "$before" ] || { diff <(echo "$before") <(snapshot); false; }
  grep -q '0000:03:00.0: SR-IOV: the PF has no driver bound yet; VFs are created when it binds' "$R/dev/kmsg"
}

@test "--sriov ADDR after the PF driver binds: VFs created, autoprobe off, each on vfio-pci" {
  fk load nvme
  [ "$(drv 0000:03:00.0)" = nvme ]
  run early --sriov 0000:03:00.0
  [ "$status" -eq 0 ]
  [ "$(vfs)" = 2 ]
  [ "$(cat "$R/sys/bus/pci/devices/0000:03:00.0/sriov_drivers_autoprobe")" = 0 ]
  [ "$(drv 0000:03:00.1)" = vfio-pci ]
  [ "$(drv 0000:03:00.2)" = vfio-pci ]
  [ "$(readlink "$R/sys/bus/pci/devices/0000:03:00.1/physfn")" = ../0000:03:00.0 ]
  grep -q '^0000:03:00.2	bound	vfio-pci	VF 1 of 0000:03:00.0' "$R/run/pgs/early"
}

@test "without autoprobe off the host driver would have taken the VFs (the fake is honest)" {
  fk load nvme
  fk write sys/bus/pci/devices/0000:03:00.0/sriov_numvfs 2
  [ "$(drv 0000:03:00.1)" = nvme ]
}

@test "--sriov merges into the boot's state file" {
  printf '[vfio]\nbind = 0000:05:00.0\n[sriov]\n0000:03:00.0 = 2\n' > "$R/etc/pgs.conf"
  fk add 0000:05:00.0 10de:1e84 0x030000 group=5 boot_vga=0
  early || true
  grep -q '^0000:05:00.0	bound' "$R/run/pgs/early"
  grep -q '^0000:03:00.0	waiting' "$R/run/pgs/early"
  fk load nvme
  early --sriov 0000:03:00.0
  grep -q '^0000:05:00.0	bound' "$R/run/pgs/early"
  grep -q '^0000:03:00.0	vfs	nvme	2 VFs (of 4)' "$R/run/pgs/early"
  ! grep -q waiting "$R/run/pgs/early"
}

@test "the same count again changes nothing" {
  fk load nvme
  early --sriov 0000:03:00.0
  before=$(snapshot)
  run early --sriov 0000:03:00.0
  [ "$status" -eq 0 ]
  [ "$(snapshot)" = "$before" ]
  [ "$(vfs)" = 2 ]
  [ "$(drv 0000:03:00.2)" = vfio-pci ]
}

@test "a different count goes through 0 when no VF is in use" {
  fk load nvme
  early --sriov 0000:03:00.0
  cmdline 'pgs.vfs=0000:03:00.0=3'
  run early --sriov 0000:03:00.0
  [ "$status" -eq 0 ]
  [ "$(vfs)" = 3 ]
  for f in 1 2 3; do [ "$(drv 0000:03:00.$f)" = vfio-pci ]; done
}

@test "a different count is refused while a VF is on a host driver, naming it" {
  fk load nvme
  early --sriov 0000:03:00.0
  fk write sys/bus/pci/drivers/vfio-pci/unbind 0000:03:00.2
  fk write sys/bus/pci/devices/0000:03:00.2/driver_override nvme
  fk write sys/bus/pci/drivers_probe 0000:03:00.2
  [ "$(drv 0000:03:00.2)" = nvme ]
  cmdline 'pgs.vfs=0000:03:00.0=3'
  run early --sriov 0000:03:00.0
  [ "$status" -eq 1 ]
  [ "$(vfs)" = 2 ]
  grep -q 'cannot change 2 VFs to 3: VF 0000:03:00.2 is in use by nvme' "$R/dev/kmsg"
}

@test "a different count is refused while a VF's /dev/vfio group is open" {
  fk load nvme
  early --sriov 0000:03:00.0
  g=$(basename "$(readlink "$R/sys/bus/pci/devices/0000:03:00.1/iommu_group")")
  mkdir -p "$R/proc/4242/fd"
  ln -s "/dev/vfio/$g" "$R/proc/4242/fd/17"
  cmdline 'pgs.vfs=0000:03:00.0=1'
  run early --sriov 0000:03:00.0
  [ "$status" -eq 1 ]
  [ "$(vfs)" = 2 ]
  grep -q "VF 0000:03:00.1 is in use (process 4242 has /dev/vfio/$g open)" "$R/dev/kmsg"
}

@test "above sriov_totalvfs is refused with the limit in the message" {
  fk load nvme
  conf '[sriov]\n0000:03:00.0 = 9\n'
  run early
  [ "$status" -eq 1 ]
  [ "$(vfs)" = 0 ]
  grep -q '0000:03:00.0: SR-IOV: 9 VFs asked, the device offers at most 4 (sriov_totalvfs)' "$R/dev/kmsg"
}

@test "a PF that is not SR-IOV capable is refused" {
  fk add 0000:07:00.0 8086:1533 0x020000 group=7 driver=igb
  conf '[sriov]\n0000:07:00.0 = 2\n'
  run early
  [ "$status" -eq 1 ]
  grep -q '0000:07:00.0: SR-IOV: not an SR-IOV physical function' "$R/dev/kmsg"
}

@test "creating VFs that fails leaves no partial set behind" {
  fk load nvme
  PGS_FAKE_FAIL='sriov_numvfs=EIO' run early
  [ "$status" -eq 1 ]
  [ "$(vfs)" = 0 ]
  grep -q 'SR-IOV: creating 2 VFs failed: Input/output error' "$R/dev/kmsg"
}

@test "--sriov for a PF the config does not name does nothing" {
  fk load nvme
  before=$(snapshot)
  run early --sriov 0000:00:02.0
  [ "$status" -eq 0 ]
  [ "$(snapshot)" = "$before" ]
}

@test "pgs.off is honoured by the udev rule's call too" {
  fk load nvme
  cmdline 'pgs.off'
  run early --sriov 0000:03:00.0
  [ "$status" -eq 0 ]
  [ "$(vfs)" = 0 ]
}

@test "pgs.vfs sets a count for a PF the config does not name" {
  conf ''
  fk load nvme
  cmdline 'pgs.vfs=03:00.0=1'
  early --sriov 0000:03:00.0
  [ "$(vfs)" = 1 ]
}
