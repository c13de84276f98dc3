#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs-early on fake sysfs trees that react like the kernel (tests/fake).

load helper

setup() {
  fk_setup
  fk_turing_host
}

@test "auto binds all four functions of a Turing slot that share its IOMMU group" {
  conf '[vfio]\nbind = auto\n'
  run early
  [ "$status" -eq 0 ]
  for f in 0 1 2 3; do [ "$(drv 0000:01:00.$f)" = vfio-pci ]; done
  [ "$(drv 0000:00:02.0)" = i915 ]
  [ "$(drv 0000:00:01.0)" = pcieport ]
  [ "$(drv 0000:02:00.0)" = nvme ]
  [ -e "$R/dev/vfio/1" ]
  grep -q '<6>pgs-early: 0000:01:00.3: bound to vfio-pci: same slot and IOMMU group as 0000:01:00.0' "$R/dev/kmsg"
}

@test "the native drivers loaded afterwards leave the bound functions alone" {
  conf '[vfio]\nbind = auto\n'
  early
  fk load nouveau; fk load snd_hda_intel; fk load xhci_hcd
  for f in 0 1 2; do [ "$(drv 0000:01:00.$f)" = vfio-pci ]; done
}

@test "without pgs-early the same tree gives the card to its native drivers" {
  fk load nouveau; fk load snd_hda_intel
  [ "$(drv 0000:01:00.0)" = nouveau ]
  [ "$(drv 0000:01:00.1)" = snd_hda_intel ]
}

@test "a function already on its driver (built in) is unbound and bound to vfio-pci" {
  fk load snd_hda_intel
  [ "$(drv 0000:01:00.1)" = snd_hda_intel ]
  conf '[vfio]\nbind = 01:00.0\n'
  run early
  [ "$status" -eq 0 ]
  [ "$(drv 0000:01:00.1)" = vfio-pci ]
  grep -q '0000:01:00.1	bound	vfio-pci	same slot and IOMMU group as 0000:01:00.0 (was on snd_hda_intel)' "$R/run/pgs/early"
}

@test "two identical GPUs: an address picks exactly one" {
  fk add 0000:03:00.0 10de:1e84 0x030000 group=3 boot_vga=0
  fk add 0000:03:00.1 10de:10f8 0x040300 group=3
  conf '[vfio]\nbind = 0000:03:00.0\n'
  run early
  [ "$status" -eq 0 ]
  [ "$(drv 0000:03:00.0)" = vfio-pci ]
  [ "$(drv 0000:03:00.1)" = vfio-pci ]
  [ "$(drv 0000:01:00.0)" = - ]
  [ "$(drv 0000:01:00.1)" = - ]
}

@test "a VID:DID picks every device with that id" {
  fk add 0000:03:00.0 10de:1e84 0x030000 group=3 boot_vga=0
  conf '[vfio]\nbind = 10de:1e84\n'
  run early
  [ "$status" -eq 0 ]
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
  [ "$(drv 0000:03:00.0)" = vfio-pci ]
}

@test "a 3D controller is not taken by auto, and bound with a warning when listed" {
  fk add 0000:04:00.0 10de:20b0 0x030200 group=4
  conf '[vfio]\nbind = auto\n'
  early
  [ "$(drv 0000:04:00.0)" = - ]
  conf '[vfio]\nbind = 04:00.0\n'
  run early
  [ "$status" -eq 0 ]
  [ "$(drv 0000:04:00.0)" = vfio-pci ]
  grep -q '0000:04:00.0: bound to vfio-pci: selected by 04:00.0; warning: a 3D controller (class 0x0302) has no display outputs' "$R/dev/kmsg"
}

@test "the boot VGA device is never bound, even when listed explicitly" {
  conf '[vfio]\nbind = 0000:00:02.0 8086:3e92\n'
  run early
  [ "$status" -eq 1 ]
  [ "$(drv 0000:00:02.0)" = i915 ]
  grep -q '<3>pgs-early: 0000:00:02.0: not binding: it is the boot VGA device' "$R/dev/kmsg"
}

@test "auto binds nothing and says why when firmware booted on the discrete GPU" {
  echo 1 > "$R/sys/devices/pci0000:00/0000:01:00.0/boot_vga"
  echo 0 > "$R/sys/devices/pci0000:00/0000:00:02.0/boot_vga"
  conf '[vfio]\nbind = auto\n'
  before=$(snapshot)
  run early
  [ "$status" -eq 1 ]
  [ "$(snapshot)" = "$before" ]
  grep -q 'auto: the boot VGA device 0000:01:00.0 is a discrete GPU (firmware booted on it); binding nothing by auto' "$R/dev/kmsg"
}

@test "auto binds nothing and says why when no GPU, or two, say they are the boot GPU" {
  echo 0 > "$R/sys/devices/pci0000:00/0000:00:02.0/boot_vga"
  conf '[vfio]\nbind = auto\n'
  before=$(snapshot)
  run early
  [ "$status" -eq 1 ]
  [ "$(snapshot)" = "$before" ]
  grep -q 'auto: 0 GPUs say they are the boot VGA device (boot_vga=1), expected exactly one; binding nothing by auto' "$R/dev/kmsg"
  echo 1 > "$R/sys/devices/pci0000:00/0000:00:02.0/boot_vga"
  echo 1 > "$R/sys/devices/pci0000:00/0000:01:00.0/boot_vga"
  before=$(snapshot)
  run early
  [ "$status" -eq 1 ]
  [ "$(snapshot)" = "$before" ]
  grep -q 'auto: 2 GPUs say they are the boot VGA device' "$R/dev/kmsg"
}

@test "no IOMMU: refused with the reason, the device left to its driver" {
  fk add 0000:05:00.0 1002:73bf 0x030000 group=none boot_vga=0
  conf '[vfio]\nbind = 05:00.0\n'
  run early
  [ "$status" -eq 1 ]
  [ "$(drv 0000:05:00.0)" = - ]
  grep -q '0000:05:00.0: not binding: no IOMMU group (is the IOMMU on? intel_iommu=on' "$R/dev/kmsg"
  # on AMD the hint is the firmware switch: AMD-Vi needs no kernel parameter
  printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\n' > "$R/proc/cpuinfo"
  : > "$R/dev/kmsg"
  run early
  grep -q '0000:05:00.0: not binding: no IOMMU group (AMD-Vi is on by default: is the IOMMU enabled in the firmware setup?)' "$R/dev/kmsg"
  ! grep -q intel_iommu "$R/dev/kmsg"
}

@test "a group that also holds a foreign device is refused whole, naming that device" {
  fk add 0000:01:01.0 8086:15f3 0x020000 group=1 driver=igc
  conf '[vfio]\nbind = auto\n'
  run early
  [ "$status" -eq 1 ]
  for f in 0 1 2 3; do [ "$(drv 0000:01:00.$f)" = - ]; done
  [ "$(drv 0000:01:01.0)" = igc ]
  grep -q 'not binding: IOMMU group 1 also holds 0000:01:01.0 (class 0x020000, on igc), which is not selected' "$R/dev/kmsg"
}

@test "a network function in the GPU's own slot is not brought along: the group is refused" {
  fk add 0000:01:00.4 8086:15f3 0x020000 group=1 driver=igc
  conf '[vfio]\nbind = auto\n'
  run early
  [ "$status" -eq 1 ]
  for f in 0 1 2 3; do [ "$(drv 0000:01:00.$f)" = - ]; done
  [ "$(drv 0000:01:00.4)" = igc ]
  grep -q 'not binding: IOMMU group 1 also holds 0000:01:00.4 (class 0x020000, on igc), which is not selected' "$R/dev/kmsg"
}

@test "an address that does not exist is refused; the rest is still done (partly done: exit 2)" {
  conf '[vfio]\nbind = 0000:09:00.0 01:00.0\n'
  run early
  [ "$status" -eq 2 ]
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
  grep -q '0000:09:00.0: not binding: no such PCI device' "$R/dev/kmsg"
}

@test "an address naming a disk controller is refused unless its id is named too" {
  conf '[vfio]\nbind = 02:00.0\n'
  run early
  [ "$status" -eq 1 ]
  [ "$(drv 0000:02:00.0)" = nvme ]
  grep -q "class 0x010802 is not display, audio, USB or serial bus; name its id too (0000:02:00.0@144d:a808)" "$R/dev/kmsg"
  conf '[vfio]\nbind = 02:00.0@10de:1e84\n'
  run early
  [ "$status" -eq 1 ]
  [ "$(drv 0000:02:00.0)" = nvme ]
  grep -q 'it is 144d:a808, the entry says 10de:1e84 (did a card move?)' "$R/dev/kmsg"
  conf '[vfio]\nbind = 02:00.0@144d:a808\n'
  run early
  [ "$status" -eq 0 ]
  [ "$(drv 0000:02:00.0)" = vfio-pci ]
}

@test "a bare id obeys the class rule too: the NVMe's id is refused unless named with its address" {
  conf '[vfio]\nbind = 144d:a808\n'
  before=$(snapshot)
  run early
  [ "$status" -eq 1 ]
  [ "$(drv 0000:02:00.0)" = nvme ]
  grep -q "144d:a808: not binding 0000:02:00.0: class 0x010802 is not display, audio, USB or serial bus; name it as 0000:02:00.0@144d:a808 if you mean it" "$R/dev/kmsg"
  cmdline 'pgs.bind=144d:a808'
  run early
  [ "$(drv 0000:02:00.0)" = nvme ]
  [ "$(snapshot | grep -v kmsg)" = "$(echo "$before" | grep -v kmsg)" ]
  cmdline 'pgs.bind=0000:02:00.0@144d:a808'
  run early
  [ "$(drv 0000:02:00.0)" = vfio-pci ]
}

@test "an address alone on bus 00 binds only a display device: the chipset's USB controller needs its id" {
  fk add 0000:00:14.0 8086:a36d 0x0c0330 group=7 driver=xhci_hcd
  cmdline 'pgs.bind="01:00.0 00:14.0"'
  run early
  [ "$status" -eq 2 ]
  [ "$(drv 0000:00:14.0)" = xhci_hcd ]
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
  grep -q "0000:00:14.0: not binding: a chipset device on bus 00 (class 0x0c0330); name its id too (0000:00:14.0@8086:a36d) if you mean it" "$R/dev/kmsg"
}

@test "an id that matches no device is named, and the run exits 2 (partly done), not 0" {
  conf '[vfio]\nbind = auto 10de:2684\n'
  run early
  [ "$status" -eq 2 ]
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
  grep -q "10de:2684: no PCI device has this id (a card not present, or a typo); nothing bound for it" "$R/dev/kmsg"
  fk_setup; fk_turing_host; conf '[vfio]\nbind = 10de:2684\n'
  run early
  [ "$status" -eq 2 ]   # only an absent card: still 2, so the boot unit does not fail
  fk_setup; fk_turing_host; conf '[vfio]\nbind = 10de:2684 144d:a808\n'
  run early
  [ "$status" -eq 1 ]   # a refusal with nothing done is a failure
}

@test "a config holding only typos exits 2, not 0 'nothing to do'" {
  conf '[vfio]\nbnid = auto\n[sirov]\n'
  run early
  [ "$status" -eq 2 ]
  [ "$(drv 0000:01:00.0)" = - ]
}

@test "a garbage config is reported line by line and its good lines still apply" {
  printf '[vfio\nbind auto\n\x01\x02\xfe\xff\n[vfio]\nbind = 01:00.0, nonsense\nfoo = bar\n[sriov]\nzz = 9\n' > "$R/etc/pgs.conf"
  run early
  [ "$status" -eq 2 ]   # lines that could not be used: not "all done" (was 0)
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
  grep -q '/etc/pgs.conf:1: .\[vfio.: malformed section header; ignored' "$R/dev/kmsg"
  grep -q "/etc/pgs.conf:5: 'nonsense': not a PCI address" "$R/dev/kmsg"
  grep -q "/etc/pgs.conf:8: \[sriov\]: 'zz' is not a PCI address" "$R/dev/kmsg"
}

@test "a config of random bytes neither crashes nor binds" {
  head -c 65536 /dev/urandom > "$R/etc/pgs.conf"
  before=$(snapshot)
  run early
  [ "$status" -eq 2 ]   # lines that could not be used: not "all done" (was 0)
  [ "$(snapshot)" = "$before" ]
  head -c 100000 /dev/zero > "$R/etc/pgs.conf"
  run early
  grep -q '/etc/pgs.conf: larger than 64 KiB; using the kernel command line only' "$R/dev/kmsg"
}

@test "pgs.off does nothing at all" {
  conf '[vfio]\nbind = auto\n[sriov]\n02:00.0 = 2\n'
  fk add 0000:06:00.0 8086:10ca 0x020000 group=6 driver=igb sriov=7:10ca
  cmdline 'root=/dev/sda1 pgs.off quiet'
  before=$(snapshot)
  run early
  [ "$status" -eq 0 ]
  [ "$(snapshot)" = "$before" ]
  [ ! -e "$R/run/pgs/early" ]
  grep -q 'pgs.off on the kernel command line: doing nothing' "$R/dev/kmsg"
}

@test "pgs.bind= replaces the configured list; an empty one binds nothing" {
  fk add 0000:03:00.0 10de:1e84 0x030000 group=3 boot_vga=0
  conf '[vfio]\nbind = 01:00.0\n'
  cmdline 'quiet pgs.bind=03:00.0'
  early
  [ "$(drv 0000:03:00.0)" = vfio-pci ]
  [ "$(drv 0000:01:00.0)" = - ]
  fk_setup; fk_turing_host
  conf '[vfio]\nbind = auto\n'
  cmdline 'quiet pgs.bind='
  run early
  [ "$status" -eq 0 ]
  [ "$(drv 0000:01:00.0)" = - ]
  cmdline 'quiet pgs.bind=auto'
  conf ''
  early
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
}

@test "pgs.debug logs one line per decision, not only per action" {
  conf '[vfio]\nbind = auto\n'
  cmdline 'pgs.debug'
  early
  grep -q '0000:00:02.0: auto: skipped, it is the boot VGA device' "$R/dev/kmsg"
  grep -q '0000:01:00.0: will bind to vfio-pci: selected by auto' "$R/dev/kmsg"
  cmdline ''
  : > "$R/dev/kmsg"
  fk_setup; fk_turing_host; conf '[vfio]\nbind = auto\n'
  early
  ! grep -q 'will bind' "$R/dev/kmsg"
}

@test "garbage on the kernel command line is reported and ignored" {
  conf '[vfio]\nbind = auto\n'
  cmdline "pgs.bind=../../etc pgs.vfs=zz pgs.frobnicate $(printf 'pgs.\x01\x02')"
  run early
  [ "$status" -eq 2 ]   # lines that could not be used: not "all done" (was 0)
  [ "$(drv 0000:01:00.0)" = - ]
  grep -q "kernel command line: '../../etc': not a PCI address" "$R/dev/kmsg"
  grep -q "kernel command line: pgs.vfs: 'zz' is not ADDR=N" "$R/dev/kmsg"
  grep -q "unknown parameter 'pgs.frobnicate'" "$R/dev/kmsg"
}

@test "a dry run prints the plan and changes nothing" {
  conf '[vfio]\nbind = auto 0000:09:00.0\n'
  before=$(snapshot)
  run early --dry-run
  [ "$status" -eq 2 ]
  [ "$(snapshot)" = "$before" ]
  [[ "$output" == *"bind    0000:01:00.0  10de:1e84 class 030000  selected by auto"* ]]
  [[ "$output" == *"bind    0000:01:00.3  10de:1ad9 class 0c8000  same slot and IOMMU group as 0000:01:00.0"* ]]
  [[ "$output" == *"refuse  0000:09:00.0: not binding: no such PCI device"* ]]
  [ "$(grep -c '0000:09:00.0' <<< "$output")" -eq 1 ]     # each refusal printed once
  [ ! -s "$R/dev/kmsg" ]
  [ ! -e "$R/run/pgs/early" ]
}

@test "vfio-pci that cannot be loaded leaves every device untouched" {
  rm "$R/.fake/modules/vfio-pci"
  conf '[vfio]\nbind = auto\n'
  before=$(snapshot)
  run early
  [ "$status" -eq 1 ]
  [ "$(snapshot)" = "$before" ]
  grep -q 'modprobe vfio-pci: failed with status 1 (is the module in the initramfs?)' "$R/dev/kmsg"
}

@test "vfio-pci already loaded (or built in): no modprobe, devices bound through drivers_probe" {
  fk load vfio-pci
  conf '[vfio]\nbind = auto\n'
  early
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
  [ ! -e "$R/.fake/modprobe.log" ]
}

@test "a bind that fails at drivers_probe puts the device back as it was" {
  fk load snd_hda_intel
  conf '[vfio]\nbind = 01:00.0\n'
  PGS_FAKE_FAIL='drivers_probe=EIO' run early
  [ "$status" -eq 1 ]
  [ "$(drv 0000:01:00.1)" = snd_hda_intel ]
  [ "$(cat "$R/sys/bus/pci/devices/0000:01:00.1/driver_override")" = "(null)" ]
  grep -q '0000:01:00.1: binding to vfio-pci failed at drivers_probe: Input/output error; left as it was on snd_hda_intel' "$R/dev/kmsg"
}

@test "a driver_override write that fails is reported and leaves the device alone" {
  conf '[vfio]\nbind = auto\n'
  before=$(snapshot)
  PGS_FAKE_FAIL='driver_override=EACCES' run early
  [ "$status" -eq 1 ]
  grep -q 'failed at driver_override: Permission denied' "$R/dev/kmsg"
  [ "$(drv 0000:01:00.0)" = - ]
}

@test "state file and pgs status show what happened" {
  conf '[vfio]\nbind = auto 0000:00:02.0\n'
  early || true
  head -1 "$R/run/pgs/early" | grep -qx '# pgs-early 1'
  grep -q '^0000:00:02.0	refused	i915	not binding: it is the boot VGA device' "$R/run/pgs/early"
  run "$TOP/build/pgs" status --sysroot "$R"
  [ "$status" -eq 2 ]           # the boot VGA device was refused: not "all well"
  [[ "$output" == *"0000:01:00.0  bound    vfio-pci       vfio-pci       selected by auto"* ]]
  run "$TOP/build/pgs" status --sysroot "$R" --json
  [ "$status" -eq 2 ]
  [[ "$output" == *'{"device":"0000:00:02.0","state":"refused","driver_at_boot":"i915","driver_now":"i915"'* ]]
  # the global option before the command, as pgs --help says
  run "$TOP/build/pgs" --sysroot "$R" status
  [ "$status" -eq 2 ]
  [[ "$output" == *"0000:01:00.0  bound"* ]]
  fk_setup; fk_turing_host; conf '[vfio]\nbind = auto\n'; early
  run "$TOP/build/pgs" --sysroot="$R" status
  [ "$status" -eq 0 ]
}

@test "pgs: near-miss commands get a suggestion, stray words are named, every program answers --version" {
  run "$TOP/build/pgs" stauts
  [ "$status" -eq 64 ]
  [[ "$output" == *"unknown command 'stauts'; did you mean 'status'?"* ]]
  run "$TOP/build/pgs" setup extra --sysroot "$R"
  [ "$status" -eq 64 ]
  [[ "$output" == *"pgs setup: unexpected 'extra'"* ]]
  run "$TOP/build/pgs" restore a b --sysroot "$R"
  [ "$status" -eq 64 ]
  [[ "$output" == *"pgs restore: unexpected 'b'"* ]]
  for p in pgs pgs-early pgs-qemu-hook; do
    run "$TOP/build/$p" --version
    [ "$status" -eq 0 ]
    [[ "$output" == "$p "[0-9]* ]]
  done
  run "$TOP/build/pgs-qemu-hook" --help
  [ "$status" -eq 0 ] && [[ "$output" == *"libvirt's qemu hook"* ]]
}

@test "usage errors exit 64 and name the problem" {
  run early --sriov 'not-an-address'
  [ "$status" -eq 64 ]
  [[ "$output" == *"--sriov 'not-an-address': not a PCI address"* ]]
  run early --bogus
  [ "$status" -eq 64 ]
  run early extra
  [ "$status" -eq 64 ]
  run "$TB/pgs-early" --sysroot /nonexistent/root
  [ "$status" -eq 64 ]
  run "$TB/pgs-early" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--dry-run"* ]]
}

@test "devices without a modalias attribute are read from vendor/device/class" {
  rm "$R"/sys/devices/pci0000:00/*/modalias
  conf '[vfio]\nbind = 10de:1e84\n'
  run early
  [ "$status" -eq 0 ]
  for f in 0 1 2 3; do [ "$(drv 0000:01:00.$f)" = vfio-pci ]; done
}

@test "pgs status --json names each device from the tree's own pci.ids (libpci), null when it is not listed" {
  fk_turing_host
  conf '[vfio]\nbind = auto\n'
  early
  mkdir -p "$R/usr/share/misc"
  printf '# a small pci.ids, the tree'"'"'s own\n10de  NVIDIA Corporation\n\t1e84  TU104 [GeForce RTX 2070 SUPER]\n\t10f8  TU104 HD Audio Controller\n' > "$R/usr/share/misc/pci.ids"
  run "$TOP/build/pgs" status --sysroot "$R" --json
  [ "$status" -eq 0 ]
  [[ "$output" == *'"device":"0000:01:00.0",'*'"name":"NVIDIA Corporation TU104 [GeForce RTX 2070 SUPER]"}'* ]]
  [[ "$output" == *'"device":"0000:01:00.1",'*'"name":"NVIDIA Corporation TU104 HD Audio Controller"}'* ]]
  # 10de:1ad8 is not in this list: the vendor alone; the host's own pci.ids is never read
  [[ "$output" == *'"device":"0000:01:00.2",'*'"name":"NVIDIA Corporation"}'* ]]
  rm "$R/usr/share/misc/pci.ids"
  run "$TOP/build/pgs" status --sysroot "$R" --json
  [[ "$output" == *'"device":"0000:01:00.0",'*'"name":null}'* ]]
}
